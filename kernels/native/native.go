// Package native links a model's .wasm under wazero with native kernels:
// in place of the forwarder, the model imports module "kernels" from a
// host module whose functions run package kernels' AVX2 twins of the SIMD
// kernel module (HostKernels) on the model's linear memory, in place, with
// no copies. The exports without a twin (the quantized kernels) call the
// SIMD kernel module, instantiated against the same memory as usual. The
// answers are the SIMD module's bit for bit, so a model answers natively
// what it answers in the browser.
package native

import (
	"context"
	"fmt"

	"github.com/pwagen/pwagen/kernels"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Variant is the name of the native kernels, as `/v1/model` and `info`
// report it.
const Variant = "native-avx2"

// Available reports whether this build runs the native kernels on this
// CPU: an amd64 build with GOEXPERIMENT=simd (Built) on a CPU with AVX2.
func Available() bool { return kernels.HostKernels() != nil }

// Natives lists the kernel exports that run natively, in table slot
// order; the others call the SIMD module. Empty when not Available.
func Natives() []string {
	hk := kernels.HostKernels()
	var out []string
	for _, f := range modules.Funcs {
		if hk[f.Name] != nil {
			out = append(out, f.Name)
		}
	}
	return out
}

// Names of the instances Link adds to the runtime besides
// modules.Module (the host module) and modules.MemoryModule.
const (
	tableName = "kernels-table"
	simdName  = "kernels-simd"
)

// Link is modules.Link with the native kernels: it instantiates in rt
// (fresh: instance names are per runtime) the forwarder (whose table the
// SIMD module fills, under another name), the host module as
// modules.Module, the model as modules.MemoryModule
// with cfg importing "kernels" from the host module, then the SIMD module
// against the model's memory, and only then runs the model's startFuncs.
// It fails when the native kernels are not Available.
func Link(ctx context.Context, rt wazero.Runtime, model wazero.CompiledModule, cfg wazero.ModuleConfig, startFuncs ...string) (*modules.Pair, error) {
	hk := kernels.HostKernels()
	if hk == nil {
		return nil, fmt.Errorf("the native kernels need an amd64 build with GOEXPERIMENT=simd and a CPU with AVX2")
	}
	fwd, err := rt.InstantiateWithConfig(ctx, modules.Forwarder(), wazero.NewModuleConfig().WithName(tableName))
	if err != nil {
		return nil, fmt.Errorf("kernels forwarder: %w", err)
	}
	// The SIMD module's functions, for the exports without a twin and the
	// calls a twin leaves to it; set once it is instantiated (after the
	// model, whose memory it imports).
	delegates := make(map[string]*api.Function)
	// The model's memory, set once it is instantiated: the host functions
	// read and write it in place.
	var mem api.Memory
	hb := rt.NewHostModuleBuilder(modules.Module)
	for _, f := range modules.Funcs {
		params, results := types(f.Params), types(f.Results)
		d := new(api.Function)
		delegates[f.Name] = d
		name := f.Name
		// call runs the SIMD module's kernel.
		call := func(ctx context.Context, stack []uint64) {
			if *d == nil {
				panic(fmt.Sprintf("kernels.%s was called before the kernels were linked", name))
			}
			if err := (*d).CallWithStack(ctx, stack); err != nil {
				panic(err)
			}
		}
		flush := hk[kernels.HostFlush]
		fn := api.GoModuleFunc(func(ctx context.Context, _ api.Module, stack []uint64) {
			if mem != nil { // the SIMD module's kernel may read a deferred im2col matrix
				b, _ := mem.Read(0, mem.Size())
				flush(b, nil)
			}
			call(ctx, stack)
		})
		if k := hk[f.Name]; k != nil {
			fn = func(ctx context.Context, _ api.Module, stack []uint64) {
				if mem == nil {
					panic(fmt.Sprintf("kernels.%s was called before the model's memory existed", name))
				}
				b, _ := mem.Read(0, mem.Size())
				if !k(b, stack) {
					call(ctx, stack)
				}
			}
		}
		hb.NewFunctionBuilder().WithGoModuleFunction(fn, params, results).Export(f.Name)
	}
	// The host module is found by its name, modules.Module: wazero's
	// import resolver takes no host module.
	if _, err := hb.Instantiate(ctx); err != nil {
		return nil, fmt.Errorf("native kernels: %w", err)
	}
	resolve := func(names map[string]api.Module) context.Context {
		return experimental.WithImportResolver(ctx, func(name string) api.Module { return names[name] })
	}
	m, err := rt.InstantiateModule(ctx, model,
		cfg.WithName(modules.MemoryModule).WithStartFunctions())
	if err != nil {
		return nil, err
	}
	if mem = m.Memory(); mem == nil {
		return nil, fmt.Errorf("the model exports no memory")
	}
	kw, err := modules.Wasm(modules.SIMD)
	if err != nil {
		return nil, err
	}
	k, err := rt.InstantiateWithConfig(resolve(map[string]api.Module{modules.Module: fwd, modules.MemoryModule: m}), kw,
		wazero.NewModuleConfig().WithName(simdName))
	if err != nil {
		return nil, fmt.Errorf("kernels (%s): %w", modules.SIMD, err)
	}
	for name, d := range delegates {
		if *d = k.ExportedFunction(name); *d == nil {
			return nil, fmt.Errorf("the SIMD kernel module does not export %s", name)
		}
	}
	pair := &modules.Pair{Model: m, Kernels: k, Flush: func() {
		b, _ := mem.Read(0, mem.Size())
		hk[kernels.HostFlush](b, nil)
	}}
	for _, name := range startFuncs {
		f := m.ExportedFunction(name)
		if f == nil {
			return nil, fmt.Errorf("the model does not export %s", name)
		}
		_, err := f.Call(ctx)
		pair.Flush()
		if err != nil {
			return pair, err
		}
	}
	return pair, nil
}

func types(names []string) []api.ValueType {
	var out []api.ValueType
	for _, n := range names {
		switch n {
		case "i32":
			out = append(out, api.ValueTypeI32)
		case "f32":
			out = append(out, api.ValueTypeF32)
		default:
			panic("kernels/native: value type " + n)
		}
	}
	return out
}
