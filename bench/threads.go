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
	name     string
	file     string
	macs     uint64
	simd, th pageSide
	def      pageSide // the loader's own choice of variant on the isolated page
	ort      *ortSide
	ortErr   error
}

// threadsSection is issue 18's single-inference goal: the simd-threads
// kernels against simd on one core, on a cross-origin isolated page, and
// ONNX Runtime Web with 1 and 2 threads on the same models.
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
		{name: "bigcnn (synthetic, 1×3×48×48)", file: bigFile, macs: macs},
		{name: "cifar_cnn (torch fixture, 1×3×32×32)", file: filepath.Join(torch, "cifar_cnn-opset17.onnx"), macs: 16*27*1024 + 32*144*256 + 64*288*64 + 640},
	}
	ortOK := e.npmORT(ctx) == nil
	for i, m := range ms {
		logf("   %s", m.name)
		if err := measureThreads(ctx, e, m, filepath.Join(dir, strconv.Itoa(i))); err != nil {
			return "", fmt.Errorf("%s: %w", m.name, err)
		}
		if ortOK {
			om := &onnxModel{name: "threads-" + strconv.Itoa(i), file: m.file, inShape: []int{1, 3, 48, 48}}
			if i == 1 {
				om.inShape = []int{1, 3, 32, 32}
			}
			m.ort, m.ortErr = measureORTThreads(ctx, e, om)
		}
	}
	var rows [][]string
	var notes []string
	for _, m := range ms {
		ortT1, ortT2 := "-", "-"
		if m.ort != nil {
			ortT1, ortT2 = fmtMsDist(m.ort.t1.calls), fmtMsDist(m.ort.t2.calls)
		} else if m.ortErr != nil {
			notes = append(notes, fmt.Sprintf("%s: ONNX Runtime Web not measured: %s", m.name, oneLine(m.ortErr.Error())))
		}
		same := "yes"
		if len(m.simd.out) == 0 || len(m.simd.out) != len(m.th.out) {
			same = "no output"
		}
		for i := range m.simd.out {
			if i < len(m.th.out) && math.Float32bits(float32(m.simd.out[i])) != math.Float32bits(float32(m.th.out[i])) {
				same = fmt.Sprintf("no: output %d is %v and %v", i, m.th.out[i], m.simd.out[i])
				break
			}
		}
		rows = append(rows, []string{m.name, fmt.Sprintf("%.1f M", float64(m.macs)/1e6), m.simd.variant + ": " + fmtMsDist(m.simd.calls), m.th.variant + ": " + fmtMsDist(m.th.calls),
			fmt.Sprintf("%.2f×", m.simd.calls.median/m.th.calls.median), same,
			fmt.Sprintf("%s: %s (%.2f×)", m.def.variant, fmtMsDist(m.def.calls), m.simd.calls.median/m.def.calls.median), ortT1, ortT2})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "One inference (batch 1) per call, from the page through the loader's Web Worker, median (p90) ms after a 1 s warm-up, on a cross-origin isolated page (COOP/COEP from the bench's server). The projects are `pwagen new --from MODEL.onnx` with `isolation = \"headers\"`; `?variant=simd` forces one thread, `?variant=simd-threads` the simd-threads kernels with one helper Worker per further core (%d cores here: `runtime.NumCPU()`, and Chromium's `navigator.hardwareConcurrency`). Same bits: the two variants' outputs compared as float32. The loader's default picks simd-threads only for a model with a kernel call of 4 Mi multiply-adds or more (the threshold from which a call is split; `pwagen validate` measures the model's biggest): its column shows the variant it picked, and its speed against simd. ONNX Runtime Web is 1.30.0's `ort.wasm.min.mjs` (SIMD + threads build) with `numThreads` 1 and 2 on the same page set-up.\n\n", runtime.NumCPU())
	b.WriteString(table([]string{"model", "multiply-adds", "simd (1 thread)", "simd-threads", "speed-up", "same bits", "default", "ORT Web 1 thread", "ORT Web 2 threads"}, rows))
	for _, n := range notes {
		b.WriteString("\n" + n + "\n")
	}
	return b.String(), nil
}

// measureThreads imports m with isolation "headers", packages it, and
// times it in Chromium forced to simd, forced to simd-threads, and with
// the loader's choice.
func measureThreads(ctx context.Context, e *env, m *threadsModel, root string) error {
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
	dist := filepath.Join(root, "dist")
	if _, _, err := measure(ctx, command{dir: project, env: []string{"XDG_CACHE_HOME=" + e.cache}, name: e.pwagen, args: []string{"package", "-q", "--out", dist, project}}); err != nil {
		return fmt.Errorf("pwagen package: %w", err)
	}
	if m.simd, err = pageRuns(ctx, e, dist, "?variant=simd", 0); err != nil {
		return fmt.Errorf("chromium, simd: %w", err)
	}
	if m.th, err = pageRuns(ctx, e, dist, "?variant=simd-threads", 0); err != nil {
		return fmt.Errorf("chromium, simd-threads: %w", err)
	}
	if m.def, err = pageRuns(ctx, e, dist, "", 0); err != nil {
		return fmt.Errorf("chromium, the default variant: %w", err)
	}
	return nil
}

// measureORTThreads times ONNX Runtime Web on m with 1 and 2 threads:
// calls only (the ort section has its bytes and cold starts).
func measureORTThreads(ctx context.Context, e *env, m *onnxModel) (*ortSide, error) {
	site, err := ortSite(e, m)
	if err != nil {
		return nil, err
	}
	o := &ortSide{}
	if o.t1, err = pageRuns(ctx, e, site, "", 0); err != nil {
		return nil, fmt.Errorf("1 thread: %w", err)
	}
	if o.t2, err = pageRuns(ctx, e, site, "?threads=2", 0); err != nil {
		return nil, fmt.Errorf("2 threads: %w", err)
	}
	return o, nil
}
