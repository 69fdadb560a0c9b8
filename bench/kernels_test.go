package main

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/bench/kbench"
	"github.com/pwagen/pwagen/kernels/modules"

	"github.com/pwagen/pwagen/internal/ci"
)

func TestSpeed(t *testing.T) {
	for _, tt := range []struct {
		t, ref float64
		want   string
	}{
		{10, 50, "5.0× faster"}, {50, 10, "5.0× slower"}, {100, 102, "the same (1.0×)"}, {0, 10, "–"}, {10, 0, "–"},
	} {
		if got := speed(tt.t, tt.ref); got != tt.want {
			t.Errorf("speed(%v, %v) = %q, want %q", tt.t, tt.ref, got, tt.want)
		}
	}
}

func TestVerdict(t *testing.T) {
	for _, tt := range []struct {
		g    goal
		want string
	}{
		{goal{known: true, pass: true}, "pass"},
		{goal{known: true}, "**FAIL**"},
		{goal{pass: true}, "not measured"},
	} {
		if got := verdict(tt.g); got != tt.want {
			t.Errorf("verdict(%+v) = %q, want %q", tt.g, got, tt.want)
		}
	}
}

func TestMsRange(t *testing.T) {
	if got, want := msRange([]float64{300, 120, 200}), "200 ms (120 ms–300 ms)"; got != want {
		t.Errorf("msRange = %q, want %q", got, want)
	}
	if got := msRange(nil); got != "–" {
		t.Errorf("msRange(nil) = %q", got)
	}
}

// TestCKernelsShapes: the C does the same shapes as bench/kbench.
func TestCKernelsShapes(t *testing.T) {
	want := map[string]int{"GEMV_M": kbench.GemvM, "GEMV_N": kbench.GemvN, "GEMM_M": kbench.GemmM, "GEMM_K": kbench.GemmK, "GEMM_N": kbench.GemmN}
	m := regexp.MustCompile(`enum \{([^}]*)\}`).FindSubmatch(kernelsC)
	if m == nil {
		t.Fatal("bench/ckernels/kernels.c has no enum of shapes")
	}
	got := map[string]int{}
	for _, kv := range strings.Split(string(m[1]), ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			t.Fatalf("kernels.c: %s: %v", kv, err)
		}
		got[strings.TrimSpace(k)] = n
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("kernels.c: %s = %d, bench/kbench has %d", k, got[k], v)
		}
	}
}

// TestCKernelsMatchGo compiles the C as the bench does and checks that it
// computes what bench/kbench computes in Go: the last output of each
// kernel.
func TestCKernelsMatchGo(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: compiles and runs C")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		ci.Missing(t, "gcc not found; apt-get install -y gcc")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "kernels.c")
	os.WriteFile(src, kernelsC, 0o644)
	exe := filepath.Join(dir, "kernels")
	if out, err := exec.Command("gcc", "-O3", "-msse4.2", "-o", exe, src, "-lm").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(exe, "1").Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`check (\S+) (\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no check line in:\n%s", out)
	}
	cGemv, _ := strconv.ParseFloat(string(m[1]), 64)
	cGemm, _ := strconv.ParseFloat(string(m[2]), 64)
	w := kbench.New()
	goGemv, goGemm := float64(w.Gemv(1)), float64(w.Gemm(1))
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"gemv", cGemv, goGemv}, {"gemm", cGemm, goGemm}} {
		if d := math.Abs(c.got - c.want); d > 1e-4*math.Max(1, math.Abs(c.want)) {
			t.Errorf("%s: C's last output %v, Go's %v", c.name, c.got, c.want)
		}
	}
}

// TestKbenchReactorUnderWazero builds bench/kbench/reactor as the bench
// does and runs it with each variant: the kernels give what native Go
// gives.
func TestKbenchReactorUnderWazero(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds Go for wasip1")
	}
	ctx := context.Background()
	want := kbench.New()
	wantGemv, wantGemm := want.Gemv(1), want.Gemm(1)
	for _, tt := range []struct {
		v    modules.Variant
		tags []string
	}{{modules.SIMD, nil}, {modules.Scalar, nil}, {modules.Baseline, []string{"-tags", "pwagen_nokernels"}}} {
		t.Run(string(tt.v), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "kbench.wasm")
			args := append(append(append([]string{}, wasmFlags...), tt.tags...), "-o", out, "./kbench/reactor")
			if msg, err := goCmd(ctx, ".", wasmEnv, args...); err != nil {
				t.Fatalf("go %v: %v\n%s", args, err, msg)
			}
			b, _ := os.ReadFile(out)
			m, err := newWazero(ctx, b, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			defer m.close()
			for _, c := range []struct {
				fn   string
				want float32
			}{{"kbench_gemv", wantGemv}, {"kbench_gemm", wantGemm}} {
				r, err := m.call(c.fn, 3)
				if err != nil {
					t.Fatal(err)
				}
				got := math.Float32frombits(uint32(r))
				if d := math.Abs(float64(got - c.want)); d > 1e-4*math.Max(1, math.Abs(float64(c.want))) {
					t.Errorf("%s (%s) = %v, native Go %v", c.fn, tt.v, got, c.want)
				}
			}
		})
	}
}
