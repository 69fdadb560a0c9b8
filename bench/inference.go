package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pwagen/pwagen/bench/fixture"
	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/kernels/modules"
)

// example is a model to time: a pwagen project.
type example struct {
	name, dir string
	short     string // for prose
	cfg       *config.Config
	wasm      string
	inputLen  int
	kernels   bool // imports module "kernels": timed with the SIMD kernels linked

	nativeInputs int // inputLen, as the native benchmark reported it
	native       float64
	wazero       float64
	page         pageResult
}

// inputValue is the benchmark input: the same everywhere.
func inputValue(i int) float32 { return float32(i%7+1) / 7 }

// irisExample makes the default template's project (iris) with pwagen new.
func irisExample(ctx context.Context, e *env) (*example, error) {
	iris := filepath.Join(e.o.work, "examples", "iris")
	os.RemoveAll(iris)
	if _, _, err := measure(ctx, command{dir: e.o.work, name: e.pwagen, args: []string{"new", iris}}); err != nil {
		return nil, err
	}
	return &example{name: "iris (default template, `pwagen new`)", short: "iris", dir: iris}, nil
}

func inferenceSection(ctx context.Context, e *env) (string, error) {
	var exs []*example
	var notes []string
	iris, err := irisExample(ctx, e)
	if err != nil {
		return "", err
	}
	exs = append(exs, iris)
	if digits := filepath.Join(e.o.repo, "examples", "digits"); exists(filepath.Join(digits, "pwagen.toml")) {
		exs = append(exs, &example{name: "digits (examples/digits)", short: "examples/digits", dir: digits})
	} else {
		notes = append(notes, "examples/digits: not measured: not in this tree")
	}
	fx, err := e.fixture(fixture.Default)
	if err != nil {
		return "", err
	}
	exs = append(exs, &example{name: "bench fixture (8 MiB MLP)", short: "the bench fixture's 8 MiB perceptron", dir: fx})
	var rows [][]string
	for _, ex := range exs {
		logf("   %s", ex.name)
		row, err := timeExample(ctx, e, ex)
		if err != nil {
			return "", fmt.Errorf("%s: %w", ex.name, err)
		}
		rows = append(rows, row)
	}
	e.iris = iris
	var b strings.Builder
	b.WriteString("Per-call latency of one inference on the same input, medians over batches. Native is `go test -bench` of the model's own `predict` (the harness adds a benchmark file with `-overlay`, nothing in the project changes). ")
	b.WriteString("wazero (compiler) and Chromium direct call the .wasm that `pwagen package` builds through its ABI, as the loader's worker does per call: `pwagen_alloc_input`, write the input, `pwagen_predict`, read `pwagen_output`. ")
	b.WriteString("Models marked (SIMD kernels) import module `kernels`: wazero and the direct page link the SIMD kernel module beside them as the loader does (`kernels/modules.Link` under wazero; in the page the forwarder, the model, then the kernels against the model's memory). ")
	b.WriteString("Chromium direct runs on a blank page's main thread with a minimal WASI shim; \"via loader\" is `loadModel().predict()` from pwagen.js, a round trip to the model's Web Worker, what an app sees, with the variant the loader picks (SIMD where the browser has it).\n\n")
	b.WriteString(table([]string{"model", "input", "native Go", "wazero", "× native", "Chromium direct", "× native", "Chromium via loader", "× native"}, rows))
	if !anyKernelsImported(exs) {
		notes = append(notes, "SIMD kernels (issue 9): not measured: no bundled example imports `kernels` yet (`//go:wasmimport kernels ...`); the rows above are Go's own scalar loops.")
	}
	for _, n := range notes {
		b.WriteString("\n" + n + "\n")
	}
	b.WriteString(inferenceAnalysis(exs))
	return b.String(), nil
}

// inferenceAnalysis writes the analysis from the figures.
func inferenceAnalysis(exs []*example) string {
	var b strings.Builder
	b.WriteString("\nAnalysis: ")
	for _, ex := range exs {
		if ex.kernels || ex.native == 0 {
			continue
		}
		fmt.Fprintf(&b, "a model in Go's own loops (%s) takes %s of native time under wazero and %s in Chromium: Go 1.26 emits no WebAssembly SIMD and compiles every loop back-edge into a `br_table` dispatch, while native Go keeps values in registers; V8 compiles the same .wasm better than wazero's compiler. ", ex.short, ratio(ex.wazero, ex.native), ratio(ex.page.Direct, ex.native))
		break
	}
	for _, ex := range exs {
		if !ex.kernels || ex.native == 0 || ex.inputLen < 100 {
			continue
		}
		fmt.Fprintf(&b, "On pwagen's SIMD kernels the arithmetic leaves Go's loops: %s takes %s of native time under wazero and %s in Chromium (%s), because its convolutions and dense layers run as 128-bit SIMD WebAssembly that the engines compile to SSE. ", ex.short, ratio(ex.wazero, ex.native), ratio(ex.page.Direct, ex.native), speed(ex.page.Direct, ex.native))
	}
	for _, ex := range exs {
		if ex.kernels && ex.inputLen > 0 && ex.inputLen < 100 && ex.page.Loader > 0 {
			fmt.Fprintf(&b, "For a tiny model (%s) compute is negligible and the loader's round trip to its Web Worker dominates: %s per call through the loader against %s called directly, a fixed cost of about %s per call (postMessage both ways, copying the input and output) that keeps the page responsive during long inferences; send inputs in batches where the model allows. ", ex.short, fmtUs(ex.page.Loader), fmtUs(ex.page.Direct), fmtUs(ex.page.Loader-ex.page.Direct))
		}
	}
	b.WriteString("Section 7 times examples/digits per variant and batch size.\n")
	return b.String()
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// fmtUs formats microseconds.
func fmtUs(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.1f ms", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.2f ms", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0f µs", v)
	default:
		return fmt.Sprintf("%.1f µs", v)
	}
}

// speed says how t compares with ref, both times: "4.6× faster" or
// "1.3× slower".
func speed(t, ref float64) string {
	if t <= 0 || ref <= 0 {
		return "–"
	}
	if r := ref / t; r >= 0.95 && r < 1.05 {
		return "the same (1.0×)"
	}
	if t <= ref {
		return fmt.Sprintf("%.1f× faster", ref/t)
	}
	return fmt.Sprintf("%.1f× slower", t/ref)
}

func timeExample(ctx context.Context, e *env, ex *example) ([]string, error) {
	cfg, err := config.Load(ex.dir)
	if err != nil {
		return nil, err
	}
	ex.cfg = cfg
	if ex.wasm, err = e.wasm(ctx, ex.dir, cfg.Model.Package); err != nil {
		return nil, err
	}
	weights := cfg.Rel(cfg.Model.Weights)
	if ex.native, ex.nativeInputs, err = nativePredict(ctx, e, ex, weights, 1); err != nil {
		return nil, fmt.Errorf("native: %w", err)
	}
	wasm, err := os.ReadFile(ex.wasm)
	if err != nil {
		return nil, err
	}
	w, err := os.ReadFile(weights)
	if err != nil {
		return nil, err
	}
	if ex.kernels, err = importsKernelsWasm(wasm); err != nil {
		return nil, err
	}
	v := modules.Baseline
	if ex.kernels {
		v = modules.SIMD
	}
	if ex.wazero, ex.inputLen, err = wazeroPredict(ctx, e.o.runs, wasm, w, v, 1); err != nil {
		return nil, fmt.Errorf("wazero: %w", err)
	}
	out := filepath.Join(e.o.work, "out", "inference", filepath.Base(ex.dir))
	if err := packageWasm(ctx, e, ex.dir, ex.wasm, out, false); err != nil {
		return nil, err
	}
	fwd, kern := kernelURLs(v)
	err = withPage(ctx, e, out, map[string]extraFile{
		"/__bench/model.wasm":  {path: ex.wasm, ctype: "application/wasm"},
		"/__bench/weights.bin": {path: weights, ctype: "application/octet-stream"},
	}, func(bctx context.Context) error {
		ex.page, err = timeInPage(bctx, pageRun{Model: "/__bench/model.wasm", Fwd: fwd, Kern: kern, Weights: "/__bench/weights.bin", Batch: 1, Loader: true, Runs: e.o.runs, WarmMs: 1000})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("chromium: %w", err)
	}
	name := ex.name
	if ex.kernels {
		name += " (SIMD kernels)"
	}
	return []string{name, fmt.Sprint(ex.inputLen), fmtUs(ex.native), fmtUs(ex.wazero), ratio(ex.wazero, ex.native), fmtUs(ex.page.Direct), ratio(ex.page.Direct, ex.native), fmtUs(ex.page.Loader), ratio(ex.page.Loader, ex.native)}, nil
}

// packageWasm packages project dir with the prebuilt model wasm into out,
// in a child process (packager.Build.Wasm set before packager.Run).
func packageWasm(ctx context.Context, e *env, dir, wasm, out string, noKernels bool) error {
	os.RemoveAll(out)
	args := []string{childCmd, "--wasm", wasm}
	if noKernels {
		args = append(args, "--no-kernels")
	}
	_, _, err := measure(ctx, command{dir: dir, env: []string{"XDG_CACHE_HOME=" + e.cache}, name: e.self, args: append(args, dir, out)})
	return err
}

// withPage serves dist (a package) with the kernel modules and extra at
// /__bench/, opens a blank page of it in a fresh Chromium and runs f.
func withPage(ctx context.Context, e *env, dist string, extra map[string]extraFile, f func(bctx context.Context) error) error {
	x, err := kernelExtras()
	if err != nil {
		return err
	}
	for k, v := range extra {
		x[k] = v
	}
	srv, err := startServer(dist, x)
	if err != nil {
		return err
	}
	defer srv.stop()
	ctx, cancelRun := context.WithTimeout(ctx, 5*time.Minute)
	defer cancelRun()
	bctx, cancel, err := browser(ctx, e.o.work)
	if err != nil {
		return err
	}
	defer cancel()
	if err := navigate(bctx, srv.URL+"__bench/blank.html"); err != nil {
		return err
	}
	return f(bctx)
}

const benchTestGo = `package main

import (
	"os"
	"strconv"
	"testing"
)

func BenchmarkPwagenBenchPredict(b *testing.B) {
	w, err := os.ReadFile(os.Getenv("PWAGEN_BENCH_WEIGHTS"))
	if err != nil {
		b.Fatal(err)
	}
	if err := loadWeights(w); err != nil {
		b.Fatal(err)
	}
	batch, _ := strconv.Atoi(os.Getenv("PWAGEN_BENCH_BATCH"))
	in := make([]float32, inputLen*max(batch, 1))
	for i := range in {
		in[i] = float32(i%7+1) / 7
	}
	for b.Loop() {
		if _, err := predict(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(inputLen), "inputs")
}
`

// nativePredict returns the median µs per predict of batch inputs,
// natively, and the model's input length.
func nativePredict(ctx context.Context, e *env, ex *example, weights string, batch int) (float64, int, error) {
	return nativePredictEnv(ctx, e, ex, weights, batch, nil)
}

// nativePredictEnv is nativePredict with env added to go test's
// environment (GOEXPERIMENT=simd: package kernels' AVX2 primitives).
func nativePredictEnv(ctx context.Context, e *env, ex *example, weights string, batch int, env []string) (float64, int, error) {
	pkgDir := ex.cfg.Rel(ex.cfg.Model.Package)
	tmp := filepath.Join(e.o.work, "overlay")
	os.MkdirAll(tmp, 0o755)
	src := filepath.Join(tmp, "zz_pwagen_bench_test.go")
	if err := os.WriteFile(src, []byte(benchTestGo), 0o644); err != nil {
		return 0, 0, err
	}
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(pkgDir, "zz_pwagen_bench_test.go"): src}})
	ovFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ovFile, ov, 0o644); err != nil {
		return 0, 0, err
	}
	_, out, err := measure(ctx, command{dir: pkgDir, env: append([]string{"PWAGEN_BENCH_WEIGHTS=" + weights, "PWAGEN_BENCH_BATCH=" + strconv.Itoa(batch)}, env...),
		name: "go", args: []string{"test", "-overlay", ovFile, "-run", "^$", "-bench", "BenchmarkPwagenBenchPredict", "-benchtime", "300ms", "-count", strconv.Itoa(e.o.runs), "."}})
	if err != nil {
		return 0, 0, err
	}
	var ns []float64
	inputs := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 4 && strings.HasPrefix(f[0], "BenchmarkPwagenBenchPredict") && f[3] == "ns/op" {
			v, _ := strconv.ParseFloat(f[2], 64)
			ns = append(ns, v)
			for i := 4; i+1 < len(f); i++ {
				if f[i+1] == "inputs" {
					v, _ := strconv.ParseFloat(f[i], 64)
					inputs = int(v)
				}
			}
		}
	}
	if len(ns) == 0 {
		return 0, 0, fmt.Errorf("no benchmark result in:\n%s", tail(string(out)))
	}
	return medianOf(ns) / 1000, inputs, nil
}

// wazeroPredict instantiates the reactor with wazero's compiler and WASI,
// linked with kernel variant v, loads the weights, and times predict
// calls of batch inputs through the ABI. It returns µs per call and the
// model's input length.
func wazeroPredict(ctx context.Context, runs int, wasm, weights []byte, v modules.Variant, batch int) (float64, int, error) {
	return wazeroPredictWith(ctx, runs, wasm, weights, v, batch, inputValue)
}

// wazeroPredictWith is wazeroPredict with input value i given by in.
func wazeroPredictWith(ctx context.Context, runs int, wasm, weights []byte, v modules.Variant, batch int, in func(i int) float32) (float64, int, error) {
	m, err := newWazero(ctx, wasm, v)
	if err != nil {
		return 0, 0, err
	}
	defer m.close()
	ptr, err := m.call("pwagen_alloc_weights", uint64(len(weights)))
	if err != nil {
		return 0, 0, err
	}
	if !m.mod.Memory().Write(uint32(ptr), weights) {
		return 0, 0, fmt.Errorf("weights do not fit at %#x", ptr)
	}
	if rc, err := m.call("pwagen_load_weights"); err != nil || int32(rc) != 0 {
		return 0, 0, fmt.Errorf("pwagen_load_weights = %d, %v", int32(rc), err)
	}
	nIn, err := m.call("pwagen_input_len")
	if err != nil {
		return 0, 0, err
	}
	n := int(nIn)
	total := n * batch
	input := make([]byte, 4*total)
	for i := range total {
		binary.LittleEndian.PutUint32(input[4*i:], math.Float32bits(in(i)))
	}
	once := func() error {
		p, err := m.call("pwagen_alloc_input", uint64(total))
		if err != nil {
			return err
		}
		m.mod.Memory().Write(uint32(p), input)
		k, err := m.call("pwagen_predict")
		if err != nil || int32(k) < 0 {
			return fmt.Errorf("pwagen_predict = %d, %v", int32(k), err)
		}
		o, _ := m.call("pwagen_output")
		if _, ok := m.mod.Memory().Read(uint32(o), uint32(4*k)); !ok {
			return fmt.Errorf("output out of range")
		}
		return nil
	}
	per, err := batches(runs, once)
	return per, n, err
}

// batches times f in batches of about 100 ms after a warm-up batch and
// returns the median µs per call.
func batches(runs int, f func() error) (float64, error) {
	start := time.Now()
	if err := f(); err != nil {
		return 0, err
	}
	n := int(max(1, min(100000, 100*time.Millisecond/max(time.Since(start), time.Microsecond))))
	var per []float64
	for b := 0; b < runs+1; b++ {
		t0 := time.Now()
		for range n {
			if err := f(); err != nil {
				return 0, err
			}
		}
		if b > 0 {
			per = append(per, float64(time.Since(t0).Nanoseconds())/1000/float64(n))
		}
	}
	return medianOf(per), nil
}

func anyKernelsImported(exs []*example) bool {
	for _, ex := range exs {
		if ex.kernels {
			return true
		}
	}
	return false
}
