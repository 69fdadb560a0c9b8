package validate

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// LoaderWASI lists the wasi_snapshot_preview1 functions the pwagen browser
// loader's shim implements; a model may import these and no others from
// wasi_snapshot_preview1. They are what a Go 1.26 wasip1 reactor imports
// when it uses fmt, os and time.
var LoaderWASI = []string{
	"args_get", "args_sizes_get", "environ_get", "environ_sizes_get",
	"clock_res_get", "clock_time_get", "fd_write", "fd_close", "fd_fdstat_get",
	"fd_fdstat_set_flags", "fd_prestat_get", "fd_prestat_dir_name",
	"fd_seek", "fd_read", "proc_exit", "random_get", "sched_yield",
	"poll_oneoff",
}

// KernelsModule is the import module of SIMD kernels, which pwagen links
// beside the model; any function may be imported from it.
const KernelsModule = "kernels"

// abiExport is one export the loader calls, with its signature.
type abiExport struct {
	name            string
	params, results []byte
}

// ABI lists the functions of pwagen's model ABI (docs/design.md).
var abiExports = []abiExport{
	{"_initialize", nil, nil},
	{"pwagen_alloc_weights", []byte{valI32}, []byte{valI32}},
	{"pwagen_load_weights", nil, []byte{valI32}},
	{"pwagen_input_len", nil, []byte{valI32}},
	{"pwagen_alloc_input", []byte{valI32}, []byte{valI32}},
	{"pwagen_predict", nil, []byte{valI32}},
	{"pwagen_output", nil, []byte{valI32}},
	{"pwagen_error", nil, []byte{valI32}},
	{"pwagen_error_len", nil, []byte{valI32}},
}

func (v *check) imports(context.Context) error {
	var kernels bool
	for _, im := range v.m.imports {
		switch {
		case im.Module == "wasi_snapshot_preview1" && im.Kind == "func" && slices.Contains(LoaderWASI, im.Name):
		case im.Module == KernelsModule && im.Kind == "func":
			kernels = true
		case im.Kind != "func":
			v.problem("imports", "imports %s %s.%s, but the pwagen loader supplies only functions; define the %s inside the module (Go does this for its memory)",
				im.Kind, im.Module, im.Name, im.Kind)
		case im.Module == "wasi_snapshot_preview1":
			v.problem("imports", "imports wasi_snapshot_preview1.%s, which the pwagen loader's WASI shim does not implement (it has %s); remove the code that needs it, such as file or socket access",
				im.Name, strings.Join(LoaderWASI, ", "))
		default:
			v.problem("imports", "imports function %s.%s, which the pwagen loader does not provide (it provides wasi_snapshot_preview1 and %q); remove what declares it: a //go:wasmimport (Go), an extern block with #[link(wasm_import_module)] (Rust), an import_module attribute (C), or the library that has one",
				im.Module, im.Name, KernelsModule)
		}
	}
	if kernels {
		v.kernelImports() // kernels.go
	}
	return nil
}

func (v *check) exports(context.Context) error {
	const fix = "build the model with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared and keep pwagen_abi.go from `pwagen new` in the model package (Rust: keep src/abi.rs from `pwagen new --template rust`; C: export every function of docs/design.md's ABI, docs/toolchains.md)"
	byName := map[string]Export{}
	for _, e := range v.m.exports {
		byName[e.Name] = e
	}
	var missing []string
	if e, ok := byName["memory"]; !ok || e.Kind != "memory" {
		missing = append(missing, "memory")
	}
	for _, want := range abiExports {
		e, ok := byName[want.name]
		wantSig := sigString(want.params, want.results)
		switch {
		case !ok:
			missing = append(missing, want.name)
		case e.Kind != "func":
			v.problem("exports", "exports %s as a %s, but the loader calls it as a function %s; %s", want.name, e.Kind, wantSig, fix)
		default:
			if t := v.m.funcSig(e.index); t != nil && (string(t.params) != string(want.params) || string(t.results) != string(want.results)) {
				v.problem("exports", "exports %s as %s, but the loader calls it as %s; %s", want.name, sigString(t.params, t.results), wantSig, fix)
			}
		}
	}
	v.typedChecks(byName) // contract.go
	if len(missing) > 0 {
		v.problem("exports", "does not export %s, which the pwagen loader calls (docs/design.md, model ABI); %s", strings.Join(missing, ", "), fix)
	}
	if len(v.r.Problems) > 0 && v.noRun == "" && slices.ContainsFunc(v.r.Problems, func(p Problem) bool { return p.Check == "exports" }) {
		v.noRun = "the model ABI is incomplete"
	}
	return nil
}

func sigString(params, results []byte) string {
	names := func(ts []byte) string {
		var s []string
		for _, t := range ts {
			s = append(s, valTypeName(t))
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return names(params) + " -> " + names(results)
}

func valTypeName(t byte) string {
	switch t {
	case valI32:
		return "i32"
	case valI64:
		return "i64"
	case valF32:
		return "f32"
	case valF64:
		return "f64"
	case valV128:
		return "v128"
	case 0x70:
		return "funcref"
	case 0x6f:
		return "externref"
	}
	return fmt.Sprintf("type 0x%02x", t)
}
