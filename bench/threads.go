package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// threadsAppJS is pwAppJS with the variant from ?variant= (default: the
// loader's choice, simd-threads on this isolated page).
var threadsAppJS = strings.Replace(pwAppJS, "await loadModel()", "await loadModel({ variant: new URLSearchParams(location.search).get('variant') || undefined })", 1)

// bigCNN is a synthetic CNN on a 1×3×48×48 input, 87 M multiply-adds,
// nearly all in its three convolutions' im2col gemms: conv 3→32, ReLU,
// conv 32→64, ReLU, max pool 2, conv 64→128, ReLU, global average pool,
// Gemm 128→10. The weights are a fixed pseudo-random sequence, scaled by
// 1/sqrt(fan-in), so the file is the same on every run.
func bigCNN() ([]byte, uint64) {
	seed := uint32(1)
	rnd := func() float32 {
		seed = seed*1664525 + 1013904223
		return float32(seed>>8)/float32(1<<24)*2 - 1
	}
	var inits []*onnxpb.TensorProto
	tensor := func(name string, scale float32, dims ...int64) string {
		n := int64(1)
		for _, d := range dims {
			n *= d
		}
		raw := make([]byte, 4*n)
		for i := range n {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(rnd()*scale))
		}
		inits = append(inits, &onnxpb.TensorProto{Name: proto.String(name), Dims: dims, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), RawData: raw})
		return name
	}
	ints := func(name string, v ...int64) *onnxpb.AttributeProto {
		return &onnxpb.AttributeProto{Name: proto.String(name), Ints: v, Type: onnxpb.AttributeProto_INTS.Enum()}
	}
	node := func(op string, in []string, out string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
		return &onnxpb.NodeProto{OpType: proto.String(op), Input: in, Output: []string{out}, Name: proto.String(out), Attribute: attrs}
	}
	var macs uint64
	conv := func(in, out string, cin, cout, hw int64) []*onnxpb.NodeProto {
		macs += uint64(cout * cin * 9 * hw * hw)
		s := float32(1 / math.Sqrt(float64(cin*9)))
		w, b := tensor(out+".w", s, cout, cin, 3, 3), tensor(out+".b", 0.1, cout)
		return []*onnxpb.NodeProto{
			node("Conv", []string{in, w, b}, out+".conv", ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1)),
			node("Relu", []string{out + ".conv"}, out),
		}
	}
	var nodes []*onnxpb.NodeProto
	nodes = append(nodes, conv("input", "c1", 3, 32, 48)...)
	nodes = append(nodes, conv("c1", "c2", 32, 64, 48)...)
	nodes = append(nodes, node("MaxPool", []string{"c2"}, "p2", ints("kernel_shape", 2, 2), ints("strides", 2, 2)))
	nodes = append(nodes, conv("p2", "c3", 64, 128, 24)...)
	nodes = append(nodes, node("GlobalAveragePool", []string{"c3"}, "gap"), node("Flatten", []string{"gap"}, "flat"))
	fw, fb := tensor("fc.w", float32(1/math.Sqrt(128)), 10, 128), tensor("fc.b", 0.1, 10)
	nodes = append(nodes, node("Gemm", []string{"flat", fw, fb}, "output", &onnxpb.AttributeProto{Name: proto.String("transB"), I: proto.Int64(1), Type: onnxpb.AttributeProto_INT.Enum()}))
	macs += 1280
	vi := func(name string, dims ...int64) *onnxpb.ValueInfoProto {
		var ds []*onnxpb.TensorShapeProto_Dimension
		for _, d := range dims {
			ds = append(ds, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
		}
		return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), Shape: &onnxpb.TensorShapeProto{Dim: ds}}}}}
	}
	m := &onnxpb.ModelProto{
		IrVersion:    proto.Int64(8),
		ProducerName: proto.String("pwagen bench"),
		OpsetImport:  []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(17)}},
		Graph: &onnxpb.GraphProto{Name: proto.String("bigcnn"), Node: nodes, Initializer: inits,
			Input: []*onnxpb.ValueInfoProto{vi("input", 1, 3, 48, 48)}, Output: []*onnxpb.ValueInfoProto{vi("output", 1, 10)}},
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		panic(err) // a fixed, valid message
	}
	return b, macs
}

// threadsModel is one model of the threads section, measured on both sides.
type threadsModel struct {
	name    string
	file    string
	inShape []int
	macs    uint64
	dist    string // the packaged site
	turns   *turnsResult
	ortErr  error
}

// quietLimit is the most cores the rest of the machine may keep busy in
// a round that counts as quiet.
const quietLimit = 0.5

// The sides of a threads model's turns, in timeTurns' order; the ORT
// sides only when ONNX Runtime Web is installed.
const (
	sideSimd = iota
	sideThreads
	sideDefault
	sideORT1
	sideORT2
)

// threadsSection is issue 18's single-inference goal: the simd-threads
// kernels against simd on one core, on a cross-origin isolated page, and
// ONNX Runtime Web with 1 and 2 threads on the same models, every page
// open at once and timed in turns (timeTurns).
func threadsSection(ctx context.Context, e *env) (string, error) {
	dir := filepath.Join(e.o.work, "threads")
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	big, macs := bigCNN()
	bigFile := filepath.Join(dir, "bigcnn.onnx")
	if err := os.WriteFile(bigFile, big, 0o644); err != nil {
		return "", err
	}
	torch := filepath.Join(e.o.repo, "testdata", "onnx", "torch")
	ms := []*threadsModel{
		{name: "bigcnn (synthetic, 1×3×48×48)", file: bigFile, inShape: []int{1, 3, 48, 48}, macs: macs},
		{name: "cifar_cnn (torch fixture, 1×3×32×32)", file: filepath.Join(torch, "cifar_cnn-opset17.onnx"), inShape: []int{1, 3, 32, 32}, macs: 16*27*1024 + 32*144*256 + 64*288*64 + 640},
	}
	ortOK := e.npmORT(ctx) == nil
	// Shorter windows than section 10's, in more rounds: a round's pages
	// are timed closer together, so a change of the machine's load falls
	// on both sides of a round's ratio more alike.
	plan := turnsPlan{rounds: 20, calls: 30, warmMs: 200}
	if e.o.quick {
		plan = turnsFor(true)
	}
	for i, m := range ms {
		logf("   %s", m.name)
		root := filepath.Join(dir, strconv.Itoa(i))
		if err := packageThreads(ctx, e, m, root); err != nil {
			return "", fmt.Errorf("%s: %w", m.name, err)
		}
		variant := func(want string) func(pageState) error {
			return func(s pageState) error {
				if s.Variant != want {
					return fmt.Errorf("the loader ran %q, not %q", s.Variant, want)
				}
				return nil
			}
		}
		sides := []turnSide{
			{name: "simd", dir: m.dist, query: "?variant=simd", check: variant("simd")},
			{name: "simd-threads", dir: m.dist, query: "?variant=simd-threads", check: variant("simd-threads")},
			{name: "default", dir: m.dist},
		}
		if ortOK {
			site, err := ortSite(e, &onnxModel{name: "threads-" + strconv.Itoa(i), file: m.file, inShape: m.inShape})
			if err != nil {
				m.ortErr = err
			} else {
				sides = append(sides, turnSide{name: "ORT 1 thread", dir: site}, turnSide{name: "ORT 2 threads", dir: site, query: "?threads=2"})
			}
		}
		var err error
		if m.turns, err = timeTurns(ctx, e, sides, plan); err != nil {
			return "", fmt.Errorf("%s: %w", m.name, err)
		}
	}
	var rows, ratioRows, cpuRows [][]string
	var notes, loads []string
	for _, m := range ms {
		t := m.turns
		loads = append(loads, fmt.Sprintf("%s %s", m.name, t.load))
		med := func(i int) float64 { return t.all[i].median }
		ortT1, ortT2, vsORT := "-", "-", "-"
		hasORT := len(t.all) > sideORT2
		if hasORT {
			ortT1, ortT2 = fmtMsDist(t.all[sideORT1]), fmtMsDist(t.all[sideORT2])
			vsORT = summarizeRatios(roundRatios(t.rounds[sideORT2], t.rounds[sideThreads])).String()
		} else if m.ortErr != nil {
			notes = append(notes, fmt.Sprintf("%s: ONNX Runtime Web not measured: %s", m.name, oneLine(m.ortErr.Error())))
		} else {
			notes = append(notes, fmt.Sprintf("%s: ONNX Runtime Web not measured: its npm install failed", m.name))
		}
		def := t.states[sideDefault].Variant
		rows = append(rows, []string{m.name, fmt.Sprintf("%.1f M", float64(m.macs)/1e6), fmtMsDist(t.all[sideSimd]), fmtMsDist(t.all[sideThreads]),
			fmt.Sprintf("%.2f×", med(sideSimd)/med(sideThreads)), sameBits(t.states[sideSimd].Out, t.states[sideThreads].Out),
			fmt.Sprintf("%s: %s (%.2f×)", def, fmtMsDist(t.all[sideDefault]), med(sideSimd)/med(sideDefault)), ortT1, ortT2})
		qa, qb := quietRounds(t.rounds[sideSimd], t.rounds[sideThreads], t.rest[sideSimd], t.rest[sideThreads], quietLimit)
		ratioRows = append(ratioRows, []string{m.name,
			summarizeRatios(roundRatios(t.rounds[sideSimd], t.rounds[sideThreads])).String(),
			summarizeRatios(roundRatios(qa, qb)).String(),
			summarizeRatios(roundRatios(t.rounds[sideSimd], t.rounds[sideDefault])).String(), vsORT})
		names := []string{"simd", "simd-threads", "default (" + def + ")", "ORT Web 1 thread", "ORT Web 2 threads"}
		for i, c := range t.cpu {
			n := float64(max(c.calls, 1))
			rest := "-"
			if c.all > 0 {
				rest = fmt.Sprintf("%.2f", c.rest())
			}
			cpuRows = append(cpuRows, []string{m.name, names[i], fmtMs(c.workers / n), fmtMs(c.page / n), fmtMs(c.pools / n), fmtMs(c.other / n), fmt.Sprintf("%.2f", c.cores()), rest})
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "One inference (batch 1) per call, from the page through the loader's Web Worker, on cross-origin isolated pages (COOP/COEP from the bench's server). The projects are `pwagen new --from MODEL.onnx` with `isolation = \"headers\"`; `?variant=simd` forces one thread, `?variant=simd-threads` the simd-threads kernels with one helper Worker per further core (%d cores here: `runtime.NumCPU()`, and Chromium's `navigator.hardwareConcurrency`); \"default\" is the loader's own choice, which picks simd-threads only for a model with a kernel call of 4 Mi multiply-adds or more (the threshold from which a call is split; `pwagen validate` measures the model's biggest). ONNX Runtime Web is 1.30.0's `ort.wasm.min.mjs` (SIMD + threads build) with `numThreads` 1 and 2. Same bits: the simd and simd-threads outputs compared as float32.\n\n", runtime.NumCPU())
	fmt.Fprintf(&b, "**Timed in turns**: for each model, every page of its row is open at once (five, or three without ONNX Runtime Web), each in its own Chromium; once each page's service worker controls it and `model.offlineReady` settled, each is warmed for 1 s, then %d rounds of %d calls per page (after %d ms of warm-up each), the pages' order rotated each round. Median (p90) ms per call over all rounds. Load average at the end: %s.\n\n", plan.rounds, plan.calls, plan.warmMs, strings.Join(loads, "; "))
	b.WriteString(table([]string{"model", "multiply-adds", "simd (1 thread)", "simd-threads", "speed-up", "same bits", "default", "ORT Web 1 thread", "ORT Web 2 threads"}, rows))
	fmt.Fprintf(&b, "\nThe speed-up round by round (each round's median call of one page over the other's, both timed in the same round): median of the rounds, the best round, and the range; then the same over the rounds in which, during both pages' windows, everything but the page's own Chromium (the other pages and other programs, by /proc/stat) kept less than %.1f core busy: the goal is on this machine's 2 cores, which other programs share.\n\n", quietLimit)
	b.WriteString(table([]string{"model", "simd ÷ simd-threads", fmt.Sprintf("the same, rounds with the rest of the machine under %.1f core", quietLimit), "simd ÷ default", "ORT Web 2 threads ÷ simd-threads"}, ratioRows))
	b.WriteString("\nCPU per timed call by Chromium thread (/proc/TID/schedstat of each page's own Chromium, read around each window): the Web Workers (the model's worker, its helpers, ORT's threads), the page's main thread, the thread pools (V8's compilers and GC), the rest; the cores the page's Chromium kept busy over its windows, and the cores everything else on the machine kept busy meanwhile (/proc/stat less this page's: the other pages, and other programs). A second thread can only pay while the page's Chromium has a second core to itself: the last column says whether it had.\n\n")
	b.WriteString(table([]string{"model", "page", "workers", "page thread", "thread pools", "other", "cores", "cores used by everything else"}, cpuRows))
	for _, n := range notes {
		b.WriteString("\n" + n + "\n")
	}
	return b.String(), nil
}

// sameBits says whether two outputs are equal as float32, bit for bit.
func sameBits(a, b []float64) string {
	if len(a) == 0 || len(a) != len(b) {
		return "no output"
	}
	for i := range a {
		if math.Float32bits(float32(a[i])) != math.Float32bits(float32(b[i])) {
			return fmt.Sprintf("no: output %d is %v and %v", i, b[i], a[i])
		}
	}
	return "yes"
}

// packageThreads imports m with isolation "headers" and packages it into
// root/dist (m.dist), with the app.js that takes the variant from the URL.
func packageThreads(ctx context.Context, e *env, m *threadsModel, root string) error {
	project := filepath.Join(root, "project")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	if _, _, err := measure(ctx, command{dir: root, name: e.pwagen, args: []string{"new", "--from", m.file, project}}); err != nil {
		return fmt.Errorf("pwagen new --from: %w", err)
	}
	toml := filepath.Join(project, "pwagen.toml")
	t, err := os.ReadFile(toml)
	if err != nil {
		return err
	}
	// The validator runs the model four times (simd measured, simd,
	// scalar, simd-threads); a loaded machine needs more than the 2 min
	// default for the scalar run.
	s := strings.Replace(string(t), `isolation = "none"`, `isolation = "headers"`, 1)
	s = strings.Replace(s, "[budget]\n", "[budget]\ntime = \"15m\"\n", 1)
	if err := os.WriteFile(toml, []byte(s), 0o644); err != nil {
		return err
	}
	cfg, err := config.Load(project)
	if err != nil {
		return err
	}
	n, err := inputLenOf(project)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cfg.Rel(cfg.App.Web), "app.js"), []byte(strings.ReplaceAll(threadsAppJS, "INPUT_LEN", strconv.Itoa(n))), 0o644); err != nil {
		return err
	}
	m.dist = filepath.Join(root, "dist")
	if _, _, err := measure(ctx, command{dir: project, env: []string{"XDG_CACHE_HOME=" + e.cache}, name: e.pwagen, args: []string{"package", "-q", "--out", m.dist, project}}); err != nil {
		return fmt.Errorf("pwagen package: %w", err)
	}
	return nil
}
