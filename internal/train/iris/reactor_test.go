package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// basicWASI are the imports of a Go reactor that leaves out os and fmt
// (docs/design.md, wasm-browser-facts.md).
var basicWASI = []string{
	"args_get", "args_sizes_get", "clock_time_get", "environ_get", "environ_sizes_get",
	"fd_write", "poll_oneoff", "proc_exit", "random_get", "sched_yield",
}

func goBuild(t *testing.T, out string, tags string, env ...string) {
	t.Helper()
	args := []string{"build", "-trimpath", "-o", out}
	if len(env) > 0 {
		args = append(args, "-ldflags=-s -w", "-buildmode=c-shared")
	}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = filepath.Join(templateDir, "model")
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

// TestTemplateModelAsReactor builds the template's model the way pwagen
// does, with the kernels and without them (kernels = false), runs it under
// wazero through the ABI with each kernel variant, linked as the browser
// links it, and compares every held-out prediction with the native
// command line.
func TestTemplateModelAsReactor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the model three times with the Go toolchain")
	}
	dir := t.TempDir()
	nativePath := filepath.Join(dir, "model")
	goBuild(t, nativePath, "")
	wasms := map[modules.Variant]string{}
	for _, v := range []modules.Variant{modules.SIMD, modules.Baseline} {
		wasms[v] = filepath.Join(dir, string(v)+".wasm")
		tags := ""
		if v == modules.Baseline {
			tags = "pwagen_nokernels"
		}
		goBuild(t, wasms[v], tags, "GOOS=wasip1", "GOARCH=wasm")
	}
	wasms[modules.Scalar] = wasms[modules.SIMD] // the same model, the other kernel module
	for _, v := range []modules.Variant{modules.SIMD, modules.Scalar, modules.Baseline} {
		t.Run(string(v), func(t *testing.T) { runReactor(t, wasms[v], nativePath, v) })
	}
}

func runReactor(t *testing.T, wasmPath, nativePath string, v modules.Variant) {
	bin, err := os.ReadFile(wasmPath)
	if err != nil {
		t.Fatal(err)
	}
	weightsFile := filepath.Join(templateDir, weightsPath)
	weights, err := os.ReadFile(weightsFile)
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	cm, err := r.CompileModule(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	kernelImports := 0
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod == modules.Module {
			if _, ok := modules.Lookup(name); !ok {
				t.Errorf("imports %s.%s, which pwagen's kernels do not supply", mod, name)
			}
			kernelImports++
			continue
		}
		if mod != wasi_snapshot_preview1.ModuleName || !slices.Contains(basicWASI, name) {
			t.Errorf("imports %s.%s; a model should import only %v and kernels (fmt and os add more)", mod, name, basicWASI)
		}
	}
	if (kernelImports > 0) != (v != modules.Baseline) {
		t.Errorf("%s: the model imports %d kernel functions; want some with kernels, none with -tags pwagen_nokernels", v, kernelImports)
	}
	pair, err := modules.Link(ctx, r, cm, v, wazero.NewModuleConfig(), "_initialize")
	if err != nil {
		t.Fatal(err)
	}
	m := pair.Model
	call := func(name string, args ...uint64) uint32 {
		t.Helper()
		res, err := m.ExportedFunction(name).Call(ctx, args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(res) == 0 {
			return 0
		}
		return uint32(res[0])
	}
	mem := m.Memory()
	load := func(b []byte) int32 {
		ptr := call("pwagen_alloc_weights", uint64(len(b)))
		if !mem.Write(ptr, b) {
			t.Fatalf("weights buffer at %d does not fit memory", ptr)
		}
		return int32(call("pwagen_load_weights"))
	}
	if got := load(append([]byte("XXXX"), weights[4:]...)); got != -1 {
		t.Errorf("pwagen_load_weights of a bad file = %d, want -1", got)
	} else if msg := readError(t, call, mem); !strings.HasPrefix(msg, `weights: bad magic "XXXX"`) {
		t.Errorf("pwagen_error = %q, want the bad magic", msg)
	}
	if got := load(weights); got != 0 {
		t.Fatalf("pwagen_load_weights = %d: %s", got, readError(t, call, mem))
	}
	if n := call("pwagen_input_len"); n != inputLen {
		t.Fatalf("pwagen_input_len = %d, want %d", n, inputLen)
	}

	data, err := readCSV(filepath.Join("testdata", "iris.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var maxDiff float64
	for _, row := range data {
		if row.row%5 != 0 { // every fifth row keeps the native runs few
			continue
		}
		ptr := call("pwagen_alloc_input", inputLen)
		in := make([]byte, 0, 4*inputLen)
		args := []string{weightsFile}
		for _, v := range row.x {
			in = binary.LittleEndian.AppendUint32(in, math.Float32bits(float32(v)))
			args = append(args, strconv.FormatFloat(v, 'f', -1, 64))
		}
		mem.Write(ptr, in)
		if n := int32(call("pwagen_predict")); n != int32(len(classes)) {
			t.Fatalf("row %d: pwagen_predict = %d: %s", row.row, n, readError(t, call, mem))
		}
		outBytes, _ := mem.Read(call("pwagen_output"), 4*uint32(len(classes)))

		out, err := exec.Command(nativePath, args...).Output()
		if err != nil {
			t.Fatalf("native %v: %v", args, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for k := range classes {
			sc.Scan()
			native, err := strconv.ParseFloat(sc.Text(), 32)
			if err != nil {
				t.Fatalf("native line %d: %v", k+1, err)
			}
			wasm := math.Float32frombits(binary.LittleEndian.Uint32(outBytes[4*k:]))
			d := math.Abs(float64(wasm) - native)
			maxDiff = max(maxDiff, d)
			if d > 1e-6 {
				t.Errorf("row %d class %s: wasm %.9g, native %.9g", row.row, classes[k], wasm, native)
			}
		}
	}
	t.Logf("%s: largest difference between wasm and native probabilities: %g", v, maxDiff)
}

func readError(t *testing.T, call func(string, ...uint64) uint32, mem api.Memory) string {
	t.Helper()
	n := call("pwagen_error_len")
	b, _ := mem.Read(call("pwagen_error"), n)
	return string(b)
}
