package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/validate"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Running a model outside the loader, with its kernels linked the way the
// loader links them (templates/loader/kernels.js; docs/kernels.md): under
// wazero through kernels/modules.Link, and in a page through the JS below.

// wzModel is a reactor under wazero's compiler, linked with one variant.
type wzModel struct {
	ctx context.Context
	rt  wazero.Runtime
	mod api.Module
	fns map[string]api.Function
}

// newWazero instantiates wasm in a fresh runtime with WASI, linked with
// kernel variant v (modules.Baseline: alone), and runs _initialize.
func newWazero(ctx context.Context, wasm []byte, v modules.Variant) (*wzModel, error) {
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	cm, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		rt.Close(ctx)
		return nil, err
	}
	pair, err := modules.Link(ctx, rt, cm, v, wazero.NewModuleConfig().WithStderr(os.Stderr), "_initialize")
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("linking with the %s kernels: %w", v, err)
	}
	return &wzModel{ctx: ctx, rt: rt, mod: pair.Model, fns: map[string]api.Function{}}, nil
}

func (m *wzModel) close() { m.rt.Close(m.ctx) }

func (m *wzModel) call(name string, args ...uint64) (uint64, error) {
	f := m.fns[name]
	if f == nil {
		if f = m.mod.ExportedFunction(name); f == nil {
			return 0, fmt.Errorf("the module does not export %s", name)
		}
		m.fns[name] = f
	}
	res, err := f.Call(m.ctx, args...)
	if err != nil || len(res) == 0 {
		return 0, err
	}
	return res[0], nil
}

// importsKernelsWasm tells whether a module imports module "kernels".
func importsKernelsWasm(wasm []byte) (bool, error) {
	im, err := validate.KernelImports(wasm)
	return len(im) > 0, err
}

// timeFor calls f until d has passed: a warm-up.
func timeFor(d time.Duration, f func() error) error {
	for t0 := time.Now(); time.Since(t0) < d; {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// pageJS installs window.__pw in a page (browsertest.ModelPageJS, shared
// with cmd/pwagen's browser tests).
const pageJS = browsertest.ModelPageJS
