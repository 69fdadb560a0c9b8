package modules

import (
	_ "embed"
	"fmt"
	"slices"
)

//go:generate wat2wasm forwarder.wat -o forwarder.wasm
//go:generate wat2wasm scalar.wat -o scalar.wasm
//go:generate wat2wasm simd.wat -o simd.wasm
//go:generate go test -run ^TestThreadsSource$ -update .
//go:generate wat2wasm --enable-threads threads.wat -o threads.wasm

var (
	//go:embed forwarder.wasm
	forwarder []byte
	//go:embed scalar.wasm
	scalar []byte
	//go:embed simd.wasm
	simd []byte
	//go:embed threads.wasm
	threads []byte
)

// Import module names. A model imports its kernels from Module; the
// kernel module imports the model's memory as MemoryModule.memory and the
// forwarder's table as Module.table.
const (
	Module       = "kernels"
	MemoryModule = "model"
)

// Variant is one build of the kernels.
type Variant string

// The variants, fastest first. Baseline is a model run without kernels.
const (
	SIMD     Variant = "simd"
	Scalar   Variant = "scalar"
	Baseline Variant = "baseline"
	// SIMDThreads is SIMD with big gemm and gemv calls split across
	// threads over a shared memory (threads.go). It is not in Variants:
	// it needs a model whose memory is shared (SharedMemory) and helper
	// threads (LinkThreads).
	SIMDThreads Variant = "simd-threads"
)

// Variants lists the kernel modules, fastest first.
var Variants = []Variant{SIMD, Scalar}

// Features are the post-MVP WebAssembly features each variant needs, in
// the names of package validate.
var Features = map[Variant][]string{SIMD: {"simd"}, Scalar: {}, SIMDThreads: {"simd", "threads"}}

// Wasm returns the kernel module of variant v.
func Wasm(v Variant) ([]byte, error) {
	switch v {
	case SIMD:
		return simd, nil
	case Scalar:
		return scalar, nil
	case SIMDThreads:
		return threads, nil
	}
	return nil, fmt.Errorf("kernels: unknown variant %q; use %q or %q", v, SIMD, Scalar)
}

// Forwarder returns the module that the model imports from: each export
// calls through the table the kernel module fills.
func Forwarder() []byte { return forwarder }

// Func is one kernel function: its import name and signature, with value
// types "i32" and "f32".
type Func struct {
	Name            string
	Params, Results []string
}

var i32 = "i32"

// Funcs lists the functions a model may import from module "kernels", in
// table slot order.
var Funcs = []Func{
	{"dot", []string{i32, i32, i32}, []string{"f32"}},
	{"axpy", []string{"f32", i32, i32, i32}, nil},
	{"gemv", []string{i32, i32, i32, i32, i32, i32}, nil},
	{"gemm", []string{i32, i32, i32, i32, i32, i32, i32}, nil},
	{"add", []string{i32, i32, i32, i32}, nil},
	{"mul", []string{i32, i32, i32, i32}, nil},
	{"relu", []string{i32, i32, i32}, nil},
	{"softmax", []string{i32, i32}, nil},
	{"im2col", []string{i32, i32, i32, i32, i32, i32}, nil},
	{"im2col_conv", []string{i32, i32, i32}, nil},
	{"dwconv", []string{i32, i32, i32, i32, i32}, nil},
	{"pool", []string{i32, i32, i32}, nil},
	{"act", []string{i32, i32, i32, i32, "f32", "f32"}, nil},
	{"q8gemv", []string{i32, i32, i32, i32, i32, i32, i32}, nil},
	{"q8gemm", []string{i32, i32, i32, i32, i32, i32, i32, i32}, nil},
	{"f16gemv", []string{i32, i32, i32, i32, i32, i32}, nil},
	{"f16gemm", []string{i32, i32, i32, i32, i32, i32, i32}, nil},
	// The transformer primitives (package kernels' prims_tx.go).
	{"layernorm", []string{i32, i32, i32, i32, i32, i32, "f32"}, nil},
	{"softmax_rows", []string{i32, i32, i32, i32}, nil},
	{"gelu", []string{i32, i32, i32, i32}, nil},
	{"bmm", []string{i32, i32, i32, i32, i32, i32, i32, i32, i32}, nil},
	// Integer dot products for int8 weights (package kernels' quant_dot.go).
	{"q8act", []string{i32, i32, i32, i32}, []string{"f32"}},
	{"q8dotgemv", []string{i32, i32, i32, i32, "f32", i32, i32, i32}, nil},
	{"q8dotgemm", []string{i32, i32, i32, i32, "f32", i32, i32, i32, i32}, nil},
	// Integer depthwise convolutions (package kernels' quant_dw.go).
	{"q8dwact", []string{i32, i32, i32}, []string{"f32"}},
	{"q8dwconv", []string{i32, i32, i32, i32, "f32", i32, i32}, nil},
}

// Lookup returns the kernel function called name.
func Lookup(name string) (Func, bool) {
	i := slices.IndexFunc(Funcs, func(f Func) bool { return f.Name == name })
	if i < 0 {
		return Func{}, false
	}
	return Funcs[i], true
}

// Names lists the kernel functions' names.
func Names() []string {
	var s []string
	for _, f := range Funcs {
		s = append(s, f.Name)
	}
	return s
}
