package modules

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Pair is a model instance linked to its own kernel instance.
type Pair struct {
	Model api.Module
	// Kernels is nil for Baseline.
	Kernels api.Module
	// Flush, when not nil, completes work the kernels deferred (the
	// native kernels' im2col matrix, see kernels.HostKernels): call it
	// after each call of the model's exports for its memory to be what
	// the SIMD module leaves.
	Flush func()
}

// Link instantiates a model and kernel variant v in rt, which must be
// fresh (instance names are per runtime): the forwarder as "kernels", the
// model as "model" with cfg (its name and start functions are replaced),
// then the kernels against the model's memory, filling the forwarder's
// table. Only then does Link run the model's start functions
// (startFuncs, e.g. "_initialize" or "_start"), because a kernel called
// before the table is filled traps. A model with Baseline is instantiated
// alone.
//
// The kernels must be instantiated after the model because they import its
// memory, and the model needs its imports at instantiation: the forwarder
// breaks that circle without a host call per kernel call.
func Link(ctx context.Context, rt wazero.Runtime, model wazero.CompiledModule, v Variant, cfg wazero.ModuleConfig, startFuncs ...string) (*Pair, error) {
	if v == Baseline {
		m, err := rt.InstantiateModule(ctx, model, cfg.WithName(MemoryModule).WithStartFunctions(startFuncs...))
		return &Pair{Model: m}, err
	}
	kw, err := Wasm(v)
	if err != nil {
		return nil, err
	}
	if _, err := rt.InstantiateWithConfig(ctx, forwarder, wazero.NewModuleConfig().WithName(Module)); err != nil {
		return nil, fmt.Errorf("kernels forwarder: %w", err)
	}
	m, err := rt.InstantiateModule(ctx, model, cfg.WithName(MemoryModule).WithStartFunctions())
	if err != nil {
		return nil, err
	}
	k, err := rt.InstantiateWithConfig(ctx, kw, wazero.NewModuleConfig().WithName("kernels-"+string(v)))
	if err != nil {
		return nil, fmt.Errorf("kernels (%s): %w", v, err)
	}
	for _, name := range startFuncs {
		f := m.ExportedFunction(name)
		if f == nil {
			return nil, fmt.Errorf("the model does not export %s", name)
		}
		if _, err := f.Call(ctx); err != nil {
			return &Pair{Model: m, Kernels: k}, err
		}
	}
	return &Pair{Model: m, Kernels: k}, nil
}
