package validate_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/validate"
)

// buildMLP builds kernels/testdata/mlp/model, a Go reactor on package
// kernels, with extra go build flags.
func buildMLP(t *testing.T, flags ...string) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("builds Go for wasip1")
	}
	out := filepath.Join(t.TempDir(), "mlp.wasm")
	args := append(append([]string{"build", "-buildmode=c-shared", "-o", out}, flags...), "../kernels/testdata/mlp/model")
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	w, _ := os.ReadFile(out)
	return w
}

// TestKernelsModelRunsWithBothVariants: a model on package kernels is
// linked under wazero for the measured run, then run with each variant.
func TestKernelsModelRunsWithBothVariants(t *testing.T) {
	w := buildMLP(t)
	r, err := validate.Module(t.Context(), "mlp.wasm", w, validate.Options{
		Targets:  []string{"chrome90", "safari16.4", "firefox115"},
		Weights:  "../kernels/testdata/mlp/weights/mlp.bin",
		CacheDir: "off",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("problems: %+v\nnotes: %v", r.Problems, r.Notes)
	}
	notes := strings.Join(r.Notes, "\n")
	for _, want := range []string{
		"measured: _initialize",
		"kernels simd: needs simd, which Chrome 90 lack; the loader gives those the scalar kernels",
		"kernels scalar: WebAssembly 1.0, runs in every target",
		"kernels: simd and scalar gave the same 10 outputs",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if r.Memory.PeakBytes == nil {
		t.Error("no peak memory: the measured run did not run")
	}
}

// TestUnknownKernelImportIsNamed: a model importing a kernel pwagen does
// not supply gets an imports problem naming it.
func TestUnknownKernelImportIsNamed(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module bad\n\ngo 1.24\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(`package main

//go:wasmimport kernels conv3d
func conv3d(p, n int32)

//go:wasmexport go_conv
func goConv() { conv3d(0, 0) }

func main() {}
`), 0o644)
	out := filepath.Join(dir, "bad.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	w, _ := os.ReadFile(out)
	r, err := validate.Module(t.Context(), "bad.wasm", w, validate.Options{CacheDir: "off"})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, p := range r.Problems {
		if p.Check == "imports" && strings.Contains(p.Message, "imports kernels.conv3d, which pwagen's kernels do not supply") {
			found = true
		}
	}
	if !found || r.OK {
		t.Errorf("no imports problem naming kernels.conv3d: %+v", r.Problems)
	}
}

// TestThreadedKernelsAgree: for an isolated page the validator runs the
// model with a shared memory and the simd-threads kernels (one helper
// thread, every call of 8 rows or more split) and finds simd's outputs bit
// for bit; without isolation it does not try. It also measures the
// model's biggest kernel call (ThreadsMaxWork): the MLP's, under the
// threshold, get a note that the loader runs simd.
func TestThreadedKernelsAgree(t *testing.T) {
	w := buildMLP(t)
	for _, tt := range []struct {
		isolation string
		threads   bool
	}{{"headers", true}, {"service-worker", true}, {"none", false}} {
		r, err := validate.Module(t.Context(), "mlp.wasm", w, validate.Options{
			Targets:      []string{"chrome100", "safari16.4", "firefox115"},
			Weights:      "../kernels/testdata/mlp/weights/mlp.bin",
			MemoryBudget: 64 << 20,
			Isolation:    tt.isolation,
			CacheDir:     "off",
		})
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK {
			t.Fatalf("%s: problems: %+v\nnotes: %v", tt.isolation, r.Problems, r.Notes)
		}
		notes := strings.Join(r.Notes, "\n")
		want := "kernels simd-threads: with a shared memory (at most 1024 pages) and 1 helper thread splitting every call of 8 rows or more, the same 10 outputs as simd, bit for bit"
		if r.Threads != tt.threads || strings.Contains(notes, want) != tt.threads {
			t.Errorf("isolation %s: Threads %v, want %v; notes:\n%s", tt.isolation, r.Threads, tt.threads, notes)
		}
		small := fmt.Sprintf("the model's biggest kernel call of 8 rows or more has %d multiply-adds, under the %d from which the threads split a call: the loader runs simd", r.ThreadsMaxWork, modules.DefaultMinWork)
		if tt.threads && (r.ThreadsMaxWork == 0 || r.ThreadsMaxWork >= modules.DefaultMinWork || !strings.Contains(notes, small)) {
			t.Errorf("isolation %s: ThreadsMaxWork %d, want the MLP's biggest gemv (under %d) and a note that says so; notes:\n%s", tt.isolation, r.ThreadsMaxWork, modules.DefaultMinWork, notes)
		}
	}
}
