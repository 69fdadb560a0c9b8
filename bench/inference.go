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
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// example is a model to time: a pwagen project.
type example struct {
	name, dir string
	cfg       *config.Config
	wasm      string
	inputLen  int
	kernels   bool // imports SIMD kernels: only the loader links them

	nativeInputs int // inputLen, as the native benchmark reported it
}

// inputValue is the benchmark input: the same everywhere.
func inputValue(i int) float32 { return float32(i%7+1) / 7 }

func inferenceSection(ctx context.Context, e *env) (string, error) {
	var exs []*example
	var notes []string
	iris := filepath.Join(e.o.work, "examples", "iris")
	os.RemoveAll(iris)
	if _, _, err := measure(ctx, command{dir: e.o.work, name: e.pwagen, args: []string{"new", iris}}); err != nil {
		return "", err
	}
	exs = append(exs, &example{name: "iris (default template, `pwagen new`)", dir: iris})
	if digits := filepath.Join(e.o.repo, "examples", "digits"); exists(filepath.Join(digits, "pwagen.toml")) {
		exs = append(exs, &example{name: "digits (examples/digits)", dir: digits})
	} else {
		notes = append(notes, "examples/digits: not measured: not in this tree")
	}
	fx, err := e.fixture(fixture.Default)
	if err != nil {
		return "", err
	}
	exs = append(exs, &example{name: "bench fixture (8 MiB MLP)", dir: fx})
	var rows [][]string
	for _, ex := range exs {
		logf("   %s", ex.name)
		row, err := timeExample(ctx, e, ex)
		if err != nil {
			return "", fmt.Errorf("%s: %w", ex.name, err)
		}
		rows = append(rows, row)
	}
	var b strings.Builder
	b.WriteString("Per-call latency of one inference on the same input, medians over batches. Native is `go test -bench` of the model's own `predict` (the harness adds a benchmark file with `-overlay`, nothing in the project changes). ")
	b.WriteString("wazero (compiler) and Chromium direct call the .wasm that `pwagen package` builds through its ABI, as the loader's worker does per call: `pwagen_alloc_input`, write the input, `pwagen_predict`, read `pwagen_output`. ")
	b.WriteString("Chromium direct runs on a blank page's main thread with a minimal WASI shim; \"via loader\" is `loadModel().predict()` from pwagen.js, a round trip to the model's Web Worker, what an app sees.\n\n")
	b.WriteString(table([]string{"model", "input", "native Go", "wazero", "× native", "Chromium direct", "× native", "Chromium via loader", "× native"}, rows))
	if !anyKernelsImported(exs) {
		notes = append(notes, "SIMD kernels (issue 9): not measured: no bundled example imports `kernels` yet (`//go:wasmimport kernels ...`); the rows above are Go's own scalar loops.")
	} else {
		notes = append(notes, "Models marked (SIMD kernels) import module `kernels`: wazero and the direct page need the kernel module linked beside Go's, which only pwagen's loader does today, so those cells are not measured; \"via loader\" runs the variant the loader picks (SIMD where the browser has it).")
	}
	for _, n := range notes {
		b.WriteString("\n" + n + "\n")
	}
	b.WriteString("\nAnalysis: Go's WebAssembly is slower than native Go per call, more so for arithmetic-heavy models: Go 1.26 emits no SIMD and compiles every loop back-edge into a `br_table` dispatch, while native Go uses registers and SSE. V8 (Chromium) runs the same .wasm faster than wazero's compiler. For tiny models (iris) the per-call cost is the call sequence itself, and the loader's round trip to the Web Worker (postMessage both ways) dominates: it keeps the page responsive during long inferences, at a fixed cost of tens of microseconds per call. Models built on pwagen's SIMD kernels (marked) are where that gap closes: compare their \"via loader\" ratio with the scalar fixture's.\n")
	return b.String(), nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

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
	native, err := nativePredict(ctx, e, ex, weights)
	if err != nil {
		return nil, fmt.Errorf("native: %w", err)
	}
	ex.kernels = importsKernels(ctx, ex.wasm)
	var wz float64
	n := 0
	if ex.kernels {
		n = nativeInputLen(ex)
	} else if wz, n, err = wazeroPredict(ctx, e, ex.wasm, weights); err != nil {
		return nil, fmt.Errorf("wazero: %w", err)
	}
	ex.inputLen = n
	direct, loader, err := chromiumPredict(ctx, e, ex, weights)
	if err != nil {
		return nil, fmt.Errorf("chromium: %w", err)
	}
	us := func(v float64) string {
		if v >= 1000 {
			return fmt.Sprintf("%.2f ms", v/1000)
		}
		return fmt.Sprintf("%.1f µs", v)
	}
	if ex.kernels {
		const nm = "not measured (kernels)"
		return []string{ex.name + " (SIMD kernels)", fmt.Sprint(n), us(native), nm, "–", nm, "–", us(loader), ratio(loader, native)}, nil
	}
	return []string{ex.name, fmt.Sprint(n), us(native), us(wz), ratio(wz, native), us(direct), ratio(direct, native), us(loader), ratio(loader, native)}, nil
}

const benchTestGo = `package main

import (
	"os"
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
	in := make([]float32, inputLen)
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

// nativePredict returns the median µs per predict of the model, native.
func nativePredict(ctx context.Context, e *env, ex *example, weights string) (float64, error) {
	us, n, err := nativePredictN(ctx, e, ex, weights)
	ex.nativeInputs = n
	return us, err
}

func nativePredictN(ctx context.Context, e *env, ex *example, weights string) (float64, int, error) {
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
	_, out, err := measure(ctx, command{dir: pkgDir, env: []string{"PWAGEN_BENCH_WEIGHTS=" + weights},
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
// loads the weights, and times predict calls through the ABI. It returns
// µs per call and the model's input length.
func wazeroPredict(ctx context.Context, e *env, wasmPath, weightsPath string) (float64, int, error) {
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return 0, 0, err
	}
	weights, err := os.ReadFile(weightsPath)
	if err != nil {
		return 0, 0, err
	}
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	cm, err := r.CompileModule(ctx, wasm)
	if err != nil {
		return 0, 0, err
	}
	mod, err := r.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithStartFunctions().WithStderr(os.Stderr))
	if err != nil {
		return 0, 0, err
	}
	call := func(name string, args ...uint64) (uint64, error) {
		f := mod.ExportedFunction(name)
		if f == nil {
			return 0, fmt.Errorf("no export %s", name)
		}
		res, err := f.Call(ctx, args...)
		if err != nil || len(res) == 0 {
			return 0, err
		}
		return res[0], nil
	}
	if _, err := call("_initialize"); err != nil {
		return 0, 0, err
	}
	ptr, err := call("pwagen_alloc_weights", uint64(len(weights)))
	if err != nil {
		return 0, 0, err
	}
	if !mod.Memory().Write(uint32(ptr), weights) {
		return 0, 0, fmt.Errorf("weights do not fit at %#x", ptr)
	}
	if rc, err := call("pwagen_load_weights"); err != nil || int32(rc) != 0 {
		return 0, 0, fmt.Errorf("pwagen_load_weights = %d, %v", int32(rc), err)
	}
	nIn, err := call("pwagen_input_len")
	if err != nil {
		return 0, 0, err
	}
	n := int(nIn)
	input := make([]byte, 4*n)
	for i := range n {
		binary.LittleEndian.PutUint32(input[4*i:], math.Float32bits(inputValue(i)))
	}
	once := func() error {
		p, err := call("pwagen_alloc_input", uint64(n))
		if err != nil {
			return err
		}
		mod.Memory().Write(uint32(p), input)
		k, err := call("pwagen_predict")
		if err != nil || int32(k) < 0 {
			return fmt.Errorf("pwagen_predict = %d, %v", int32(k), err)
		}
		o, _ := call("pwagen_output")
		_, ok := mod.Memory().Read(uint32(o), uint32(4*k))
		if !ok {
			return fmt.Errorf("output out of range")
		}
		return nil
	}
	per, err := batches(e.o.runs, once)
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
			per = append(per, float64(time.Since(t0).Microseconds())/float64(n))
		}
	}
	return medianOf(per), nil
}

// chromiumJS times the model in the page: direct calls through the ABI
// with a minimal WASI shim, then loadModel().predict() from pwagen.js.
const chromiumJS = `(async (runs, doDirect) => {
  let mem;
  const dv = () => new DataView(mem.buffer);
  const impl = {
    fd_write: (fd, iovs, cnt, out) => { let w = 0; for (let i = 0; i < cnt; i++) w += dv().getUint32(iovs + 8 * i + 4, true); dv().setUint32(out, w, true); return 0; },
    random_get: (p, l) => { for (let o = 0; o < l; o += 65536) crypto.getRandomValues(new Uint8Array(mem.buffer, p + o, Math.min(65536, l - o))); return 0; },
    clock_time_get: (id, prec, p) => { dv().setBigUint64(p, BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)), true); return 0; },
    args_sizes_get: (a, b) => { dv().setUint32(a, 0, true); dv().setUint32(b, 0, true); return 0; },
    environ_sizes_get: (a, b) => { dv().setUint32(a, 0, true); dv().setUint32(b, 0, true); return 0; },
    args_get: () => 0, environ_get: () => 0, sched_yield: () => 0, fd_close: () => 0, fd_fdstat_set_flags: () => 0,
    fd_fdstat_get: (fd, p) => { for (let i = 0; i < 24; i++) dv().setUint8(p + i, 0); return 0; },
    fd_prestat_get: () => 8, fd_prestat_dir_name: () => 8,
    proc_exit: (c) => { throw new Error('proc_exit ' + c); },
  };
  const wasi = new Proxy(impl, { get: (t, k) => t[k] || (() => 52) });
  const time = async (f) => {
    // Warm up for a second: V8 compiles with Liftoff first and tiers hot
    // functions up to TurboFan in the background.
    const tw = performance.now();
    while (performance.now() - tw < 1000) await f();
    let t0 = performance.now();
    await f();
    const reps = Math.max(1, Math.min(100000, Math.ceil(100 / Math.max(performance.now() - t0, 0.001))));
    const per = [];
    for (let b = 0; b <= runs; b++) {
      t0 = performance.now();
      for (let i = 0; i < reps; i++) await f();
      if (b > 0) per.push(((performance.now() - t0) * 1000) / reps);
    }
    per.sort((a, b) => a - b);
    return per.length % 2 ? per[(per.length - 1) / 2] : (per[per.length / 2 - 1] + per[per.length / 2]) / 2;
  };
  let direct = 0, input;
  if (doDirect) {
  const { instance } = await WebAssembly.instantiateStreaming(fetch('/__bench/model.wasm'), { wasi_snapshot_preview1: wasi });
  const x = instance.exports;
  mem = x.memory;
  x._initialize();
  const w = new Uint8Array(await (await fetch('/__bench/weights.bin')).arrayBuffer());
  const p = x.pwagen_alloc_weights(w.length) >>> 0;
  new Uint8Array(mem.buffer).set(w, p);
  if (x.pwagen_load_weights() !== 0) throw new Error('pwagen_load_weights failed');
  const n = x.pwagen_input_len();
  input = Float32Array.from({ length: n }, (_, i) => ((i % 7) + 1) / 7);
  const call = () => {
    const ip = x.pwagen_alloc_input(n) >>> 0;
    new Float32Array(mem.buffer, ip, n).set(input);
    const k = x.pwagen_predict();
    if (k < 0) throw new Error('pwagen_predict failed');
    return new Float32Array(mem.buffer, x.pwagen_output() >>> 0, k).slice();
  };
  direct = await time(call);
  }
  const { loadModel } = await import('/pwagen.js');
  const m = await loadModel({ serviceWorker: false, storage: 'memory' });
  if (!input) input = Float32Array.from({ length: INPUT_LEN }, (_, i) => ((i % 7) + 1) / 7);
  const viaLoader = await time(() => m.predict(input));
  m.dispose();
  return { direct, viaLoader };
})`

func chromiumPredict(ctx context.Context, e *env, ex *example, weights string) (direct, viaLoader float64, err error) {
	out := filepath.Join(e.o.work, "out", "inference", filepath.Base(ex.dir))
	os.RemoveAll(out)
	if _, _, err := measure(ctx, command{dir: ex.dir, env: []string{"XDG_CACHE_HOME=" + e.cache}, name: e.pwagen, args: []string{"package", "-q", "--out", out, ex.dir}}); err != nil {
		return 0, 0, err
	}
	srv, err := startServer(out, map[string]extraFile{
		"/__bench/blank.html":  {data: []byte("<!doctype html><title>bench</title>"), ctype: "text/html; charset=utf-8"},
		"/__bench/model.wasm":  {path: ex.wasm, ctype: "application/wasm"},
		"/__bench/weights.bin": {path: weights, ctype: "application/octet-stream"},
	})
	if err != nil {
		return 0, 0, err
	}
	defer srv.stop()
	ctx, cancelRun := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelRun()
	bctx, cancel, err := browser(ctx, e.o.work)
	if err != nil {
		return 0, 0, err
	}
	defer cancel()
	if err := navigate(bctx, srv.URL+"__bench/blank.html"); err != nil {
		return 0, 0, err
	}
	js := strings.Replace(chromiumJS, "INPUT_LEN", fmt.Sprint(ex.inputLen), 1)
	res, err := eval[struct{ Direct, ViaLoader float64 }](bctx, fmt.Sprintf("%s(%d, %t)", js, e.o.runs, !ex.kernels))
	if err != nil {
		return 0, 0, err
	}
	return res.Direct, res.ViaLoader, nil
}

// importsKernels tells whether a .wasm imports module "kernels".
func importsKernels(ctx context.Context, wasmPath string) bool {
	b, err := os.ReadFile(wasmPath)
	if err != nil {
		return false
	}
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	cm, err := r.CompileModule(ctx, b)
	if err != nil {
		return false
	}
	for _, f := range cm.ImportedFunctions() {
		if mod, _, _ := f.Import(); mod == "kernels" {
			return true
		}
	}
	return false
}

func anyKernelsImported(exs []*example) bool {
	for _, ex := range exs {
		if ex.kernels {
			return true
		}
	}
	return false
}

// nativeInputLen is the model's inputLen, as its native benchmark reported.
func nativeInputLen(ex *example) int { return ex.nativeInputs }
