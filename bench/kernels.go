package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pwagen/pwagen/bench/kbench"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/packager"
)

//go:embed ckernels/kernels.c
var kernelsC []byte

// kernelReps is how many kernel calls one call of kbench_gemv or
// kbench_gemm makes inside the module, so that the host's call cost is
// amortised away.
const kernelReps = 20

// kernelTimes are µs per gemv and per gemm call.
type kernelTimes struct{ gemv, gemm float64 }

// cBuild is one way of compiling bench/ckernels/kernels.c.
type cBuild struct{ name, flags string }

var cBuilds = []cBuild{
	{"C, gcc -O3 -msse4.2 (128-bit SSE, no FMA)", "-O3 -msse4.2"},
	{"C, gcc -O3 -march=native", "-O3 -march=native"},
}

// kernelResult is the kernel micro-benchmark.
type kernelResult struct {
	c      []kernelTimes // per cBuilds; zero when not measured
	cErr   error
	cc     string // the compiler's version line
	native kernelTimes
	chrome map[modules.Variant]kernelTimes // Baseline: Go-compiled wasm of the same loops
	wazero map[modules.Variant]kernelTimes
}

func measureKernels(ctx context.Context, e *env) (*kernelResult, error) {
	r := &kernelResult{chrome: map[modules.Variant]kernelTimes{}, wazero: map[modules.Variant]kernelTimes{}}

	logf("   kernels: C")
	r.c, r.cc, r.cErr = timeC(ctx, e)

	logf("   kernels: native Go")
	w := kbench.New()
	var err error
	if r.native.gemv, err = batches(e.o.runs, func() error { w.Gemv(kernelReps); return nil }); err != nil {
		return nil, err
	}
	if r.native.gemm, err = batches(e.o.runs, func() error { w.Gemm(kernelReps); return nil }); err != nil {
		return nil, err
	}
	r.native.gemv /= kernelReps
	r.native.gemm /= kernelReps

	wasmK, err := e.wasmTags(ctx, e.o.repo, "./bench/kbench/reactor", "")
	if err != nil {
		return nil, err
	}
	wasmB, err := e.wasmTags(ctx, e.o.repo, "./bench/kbench/reactor", packager.NoKernelsTag)
	if err != nil {
		return nil, err
	}
	wasmOf := func(v modules.Variant) string {
		if v == modules.Baseline {
			return wasmB
		}
		return wasmK
	}

	logf("   kernels: wazero")
	for _, v := range digitVariants {
		b, err := os.ReadFile(wasmOf(v))
		if err != nil {
			return nil, err
		}
		m, err := newWazero(ctx, b, v)
		if err != nil {
			return nil, fmt.Errorf("wazero %s: %w", v, err)
		}
		var t kernelTimes
		for _, k := range []struct {
			fn  string
			dst *float64
		}{{"kbench_gemv", &t.gemv}, {"kbench_gemm", &t.gemm}} {
			per, err := batches(e.o.runs, func() error { _, err := m.call(k.fn, kernelReps); return err })
			if err != nil {
				m.close()
				return nil, fmt.Errorf("wazero %s %s: %w", v, k.fn, err)
			}
			*k.dst = per / kernelReps
		}
		m.close()
		r.wazero[v] = t
	}

	logf("   kernels: Chromium")
	empty := filepath.Join(e.o.work, "empty")
	os.MkdirAll(empty, 0o755)
	err = withPage(ctx, e, empty, map[string]extraFile{
		"/__bench/kbench.wasm":          {path: wasmK, ctype: "application/wasm"},
		"/__bench/kbench-baseline.wasm": {path: wasmB, ctype: "application/wasm"},
	}, func(bctx context.Context) error {
		if _, err := eval[bool](bctx, `window.__pw ? true : (`+pageJS+`)`); err != nil {
			return err
		}
		for _, v := range digitVariants {
			model := "/__bench/kbench.wasm"
			if v == modules.Baseline {
				model = "/__bench/kbench-baseline.wasm"
			}
			fwd, kern := kernelURLs(v)
			t, err := eval[struct{ Gemv, Gemm float64 }](bctx, fmt.Sprintf(`(async () => {
  const x = await __pw.link(%q, %q, %q);
  const gemv = await __pw.time(() => x.kbench_gemv(%d), %d, 1000);
  const gemm = await __pw.time(() => x.kbench_gemm(%d), %d, 1000);
  return { gemv, gemm };
})()`, model, fwd, kern, kernelReps, e.o.runs, kernelReps, e.o.runs))
			if err != nil {
				return fmt.Errorf("%s: %w", v, err)
			}
			r.chrome[v] = kernelTimes{t.Gemv / kernelReps, t.Gemm / kernelReps}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("chromium: %w", err)
	}
	return r, nil
}

// timeC compiles bench/ckernels/kernels.c with each of cBuilds and runs
// it.
func timeC(ctx context.Context, e *env) ([]kernelTimes, string, error) {
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		return nil, "", fmt.Errorf("no C compiler (%s): install gcc (apt-get install -y gcc) or set CC", cc)
	}
	ver, _ := exec.CommandContext(ctx, cc, "--version").Output()
	dir := filepath.Join(e.o.work, "ckernels")
	os.MkdirAll(dir, 0o755)
	src := filepath.Join(dir, "kernels.c")
	if err := os.WriteFile(src, kernelsC, 0o644); err != nil {
		return nil, "", err
	}
	var out []kernelTimes
	for i, b := range cBuilds {
		exe := filepath.Join(dir, fmt.Sprintf("kernels-%d", i))
		args := append(strings.Fields(b.flags), "-o", exe, src, "-lm")
		if msg, err := exec.CommandContext(ctx, cc, args...).CombinedOutput(); err != nil {
			return nil, "", fmt.Errorf("%s %s: %v\n%s", cc, strings.Join(args, " "), err, tail(string(msg)))
		}
		_, stdout, err := measure(ctx, command{dir: dir, name: exe, args: []string{strconv.Itoa(e.o.runs)}})
		if err != nil {
			return nil, "", err
		}
		var t kernelTimes
		sc := bufio.NewScanner(bytes.NewReader(stdout))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 2 {
				v, _ := strconv.ParseFloat(f[1], 64)
				switch f[0] {
				case "gemv":
					t.gemv = v
				case "gemm":
					t.gemm = v
				}
			}
		}
		if t.gemv == 0 || t.gemm == 0 {
			return nil, "", fmt.Errorf("%s printed no times:\n%s", exe, tail(string(stdout)))
		}
		out = append(out, t)
	}
	return out, strings.SplitN(strings.TrimSpace(string(ver)), "\n", 2)[0], nil
}

// goal is one row of the goals.
type goal struct {
	what, measured, target string
	pass                   bool
	known                  bool // measured at all
}

func verdict(g goal) string {
	switch {
	case !g.known:
		return "not measured"
	case g.pass:
		return "pass"
	}
	return "**FAIL**"
}

func kernelsSection(ctx context.Context, e *env) (string, error) {
	k, err := measureKernels(ctx, e)
	if err != nil {
		return "", err
	}
	d, derr := e.digitsMeasured(ctx)

	var b strings.Builder
	fmt.Fprintf(&b, "The kernels alone first: one gemv (%d×%d with bias: the first layer of a 784→128 perceptron, %d multiply-adds) and one gemm (%d×%d×%d with bias: examples/digits' second convolution after im2col, %d multiply-adds) on the same operands everywhere. ", kbench.GemvM, kbench.GemvN, kbench.GemvMACs, kbench.GemmM, kbench.GemmK, kbench.GemmN, kbench.GemmMACs)
	fmt.Fprintf(&b, "The Go side is `bench/kbench`, which calls `kernels.Gemv` and `kernels.Gemm`: natively that is pure Go; as a wasip1 reactor (`bench/kbench/reactor`) it calls the SIMD or scalar kernel module, linked as the loader links it, or, built with `-tags pwagen_nokernels`, runs the same pure-Go loops as Go-compiled wasm. Each call from the host runs the kernel %d times inside the module, so the host's call cost drops out. ", kernelReps)
	b.WriteString("The C is `bench/ckernels/kernels.c`: the same blocking as the SIMD kernels in 128-bit vectors (GCC vector extensions), compiled in this run")
	if k.cc != "" {
		fmt.Fprintf(&b, " by %s", k.cc)
	}
	b.WriteString(" and timed by its own harness. Medians of µs per call.\n\n")
	cRef := kernelTimes{}
	if len(k.c) > 0 {
		cRef = k.c[0]
	}
	krow := func(name string, t kernelTimes) []string {
		return []string{name, fmtUs(t.gemv), ratio(t.gemv, cRef.gemv), fmtUs(t.gemm), ratio(t.gemm, cRef.gemm)}
	}
	var rows [][]string
	for i, cb := range cBuilds {
		if i < len(k.c) {
			rows = append(rows, krow(cb.name, k.c[i]))
		} else {
			rows = append(rows, []string{cb.name, "not measured", "–", "not measured", "–"})
		}
	}
	rows = append(rows,
		krow("native Go (pure Go kernels)", k.native),
		krow("Chromium, SIMD kernels", k.chrome[modules.SIMD]),
		krow("Chromium, scalar kernels", k.chrome[modules.Scalar]),
		krow("Chromium, Go-compiled wasm of the same loops", k.chrome[modules.Baseline]),
		krow("wazero, SIMD kernels", k.wazero[modules.SIMD]),
		krow("wazero, scalar kernels", k.wazero[modules.Scalar]),
		krow("wazero, Go-compiled wasm of the same loops", k.wazero[modules.Baseline]),
	)
	b.WriteString(table([]string{"engine", fmt.Sprintf("gemv %d×%d", kbench.GemvM, kbench.GemvN), "× C SSE", fmt.Sprintf("gemm %d×%d×%d", kbench.GemmM, kbench.GemmK, kbench.GemmN), "× C SSE"}, rows))
	if k.cErr != nil {
		fmt.Fprintf(&b, "\nC: not measured: %s\n", oneLine(k.cErr.Error()))
	}

	// The goals of issue 9.
	var goals []goal
	if derr == nil {
		sd, nat := d.direct[modules.SIMD], d.native
		ge := func(what string, t, ref, want float64) goal {
			return goal{what: what, measured: speed(t, ref), target: fmt.Sprintf("≥ %.0f× faster", want), pass: t > 0 && ref/t >= want, known: t > 0 && ref > 0}
		}
		goals = append(goals,
			ge("digits in Chromium, SIMD kernels, against native pure Go: one digit (direct call)", sd[0], nat[0], 5),
			ge("digits in Chromium, SIMD kernels, against native pure Go: batch of 100 (direct call)", sd[1], nat[1], 5),
			ge("digits in Chromium, SIMD kernels, against native pure Go: one digit through the loader (Worker round trip included)", d.loader[modules.SIMD][0], nat[0], 5),
			ge("digits in Chromium, SIMD kernels, against native pure Go: batch of 100 through the loader", d.loader[modules.SIMD][1], nat[1], 5),
		)
	}
	within := func(what string, t, ref float64) goal {
		return goal{what: what, measured: fmt.Sprintf("%s (%s against %s)", ratio(t, ref), fmtUs(t), fmtUs(ref)), target: "≤ 1.2× C's time", pass: t > 0 && ref > 0 && t/ref <= 1.2, known: t > 0 && ref > 0}
	}
	goals = append(goals,
		within("SIMD gemv in Chromium against C -O3 -msse4.2", k.chrome[modules.SIMD].gemv, cRef.gemv),
		within("SIMD gemm in Chromium against C -O3 -msse4.2", k.chrome[modules.SIMD].gemm, cRef.gemm),
	)
	faster := func(what string, t, ref, want float64) goal {
		return goal{what: what, measured: speed(t, ref), target: fmt.Sprintf("≥ %.0f× faster", want), pass: t > 0 && ref/t >= want, known: t > 0 && ref > 0}
	}
	goals = append(goals,
		faster("SIMD against scalar kernels, gemv, Chromium", k.chrome[modules.SIMD].gemv, k.chrome[modules.Scalar].gemv, 3),
		faster("SIMD against scalar kernels, gemm, Chromium", k.chrome[modules.SIMD].gemm, k.chrome[modules.Scalar].gemm, 3),
	)
	if derr == nil {
		goals = append(goals, faster("SIMD against scalar kernels, digits one digit, Chromium", d.direct[modules.SIMD][0], d.direct[modules.Scalar][0], 3))
	}
	noSlower := func(what string, t, ref float64) goal {
		return goal{what: what, measured: fmt.Sprintf("%s (%s against %s)", speed(t, ref), fmtUs(t), fmtUs(ref)), target: "no slower", pass: t > 0 && t <= ref, known: t > 0 && ref > 0}
	}
	goals = append(goals,
		noSlower("scalar kernel against Go-compiled wasm of the same loop, gemv, Chromium", k.chrome[modules.Scalar].gemv, k.chrome[modules.Baseline].gemv),
		noSlower("scalar kernel against Go-compiled wasm of the same loop, gemm, Chromium", k.chrome[modules.Scalar].gemm, k.chrome[modules.Baseline].gemm),
	)
	if derr == nil {
		nat := d.native
		goals = append(goals,
			goal{what: "digits under wazero, SIMD kernels, against native pure Go: one digit", measured: speed(d.wazero[modules.SIMD][0], nat[0]), target: "faster", pass: d.wazero[modules.SIMD][0] < nat[0], known: true},
			goal{what: "digits under wazero, SIMD kernels, against native pure Go: batch of 100", measured: speed(d.wazero[modules.SIMD][1], nat[1]), target: "faster", pass: d.wazero[modules.SIMD][1] < nat[1], known: true},
		)
	}
	var grows [][]string
	for _, g := range goals {
		grows = append(grows, []string{g.what, g.measured, g.target, verdict(g)})
	}
	b.WriteString("\nThe goals of issue 9, each judged on this run's medians (digits figures from section 7):\n\n")
	b.WriteString(table([]string{"goal", "measured", "target", "verdict"}, grows))
	if derr != nil {
		fmt.Fprintf(&b, "\nThe digits goals: not measured: %s\n", oneLine(derr.Error()))
	}
	b.WriteString(kernelsAnalysis(k, d, goals))
	return b.String(), nil
}

func kernelsAnalysis(k *kernelResult, d *digitsResult, goals []goal) string {
	var b strings.Builder
	var failed []string
	for _, g := range goals {
		if g.known && !g.pass {
			failed = append(failed, g.what)
		}
	}
	b.WriteString("\nAnalysis: ")
	s, sc, gw := k.chrome[modules.SIMD], k.chrome[modules.Scalar], k.chrome[modules.Baseline]
	fmt.Fprintf(&b, "V8 runs the SIMD gemv in %s and the gemm in %s; ", fmtUs(s.gemv), fmtUs(s.gemm))
	if len(k.c) > 0 {
		c, cn := k.c[0], k.c[len(k.c)-1]
		fmt.Fprintf(&b, "the same blocking in C with SSE takes %s and %s (V8 at %s and %s of C's time), and with -march=native %s and %s. ", fmtUs(c.gemv), fmtUs(c.gemm), ratio(s.gemv, c.gemv), ratio(s.gemm, c.gemm), fmtUs(cn.gemv), fmtUs(cn.gemm))
		b.WriteString("In their inner loops both do the same 128-bit work: WebAssembly's f32x4.mul and f32x4.add are SSE's mulps and addps (WebAssembly SIMD has no fused multiply-add), and V8 checks memory bounds with guard pages rather than in the loop. ")
		if s.gemm < 0.9*c.gemm || s.gemv < 0.9*c.gemv {
			b.WriteString("Where V8 comes out ahead of gcc's SSE build, the code generators differ, not the work: gcc's -msse4.2 gemm loop (read in its assembly) splats each value of a with a shufps and reloads two of the four vectors of b for the second row, while V8 may use AVX encodings on a CPU that has them. ")
		}
		b.WriteString("With -march=native gcc uses VEX encodings and fuses multiplies into adds (this CPU has FMA); C written for wider vectors (AVX2, AVX-512) could go further, which WebAssembly, whose vectors are 128 bits, cannot follow. ")
	}
	fmt.Fprintf(&b, "Natively, Go's pure-Go kernels take %s and %s: the Go compiler does not vectorise, so a scalar loop is the whole story, and that is why the SIMD kernels in a browser beat native Go. ", fmtUs(k.native.gemv), fmtUs(k.native.gemm))
	fmt.Fprintf(&b, "The scalar kernel module (%s, %s) beats Go's own loops compiled to wasm (%s, %s) because it has no bounds checks of its own and plain structured loops, where Go's wasm goes through a `br_table` dispatch at every loop back-edge and checks each slice index. ", fmtUs(sc.gemv), fmtUs(sc.gemm), fmtUs(gw.gemv), fmtUs(gw.gemm))
	fmt.Fprintf(&b, "wazero's compiler runs the SIMD kernels in %s and %s, slower than V8: it allocates registers and selects instructions more simply than TurboFan. ", fmtUs(k.wazero[modules.SIMD].gemv), fmtUs(k.wazero[modules.SIMD].gemm))
	if len(failed) == 0 {
		b.WriteString("Every goal passes in this run.")
	} else {
		fmt.Fprintf(&b, "Not met in this run: %s.", strings.Join(failed, "; "))
	}
	b.WriteString(" The machine is shared and two-core, so a goal near its threshold can pass in one run and fail in the next; the ratios are the figures to read.\n")
	return b.String()
}
