package kernels_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/kernels"
)

// ONNX's own backend node tests (Debian libonnx-testdata), run on the
// operators directly: a tiny protobuf reader (test only) takes each test's
// single node, its attributes and tensors, and a small driver turns them
// into one operator call the way the importer does. Each case must match
// output_0 at ONNX's tolerance (rtol 1e-3, atol 1e-7). Cases the driver
// does not cover (other dtypes, 3-D pools, extra outputs) are skipped and
// counted.

const onnxNodeDir = "/usr/share/libonnx-testdata/data/node"

// pb is one protobuf field: its number, and a varint, fixed value or bytes.
type pb struct {
	num  int
	v    uint64
	b    []byte
	wire int
}

func pbFields(b []byte) []pb {
	var out []pb
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return out
		}
		b = b[n:]
		f := pb{num: int(key >> 3), wire: int(key & 7)}
		switch f.wire {
		case 0:
			f.v, n = binary.Uvarint(b)
			b = b[n:]
		case 1:
			f.v, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			f.b, b = b[n:n+int(l)], b[n+int(l):]
		case 5:
			f.v, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return out
		}
		out = append(out, f)
	}
	return out
}

// varints reads a repeated int64 field, packed or not.
func varints(f pb) []int64 {
	if f.wire == 0 {
		return []int64{int64(f.v)}
	}
	var out []int64
	for b := f.b; len(b) > 0; {
		v, n := binary.Uvarint(b)
		out, b = append(out, int64(v)), b[n:]
	}
	return out
}

type tensor struct {
	dims  []int
	dtype int
	f     []float32
	i     []int64
}

func readTensor(t *testing.T, path string) tensor {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var x tensor
	var raw []byte
	for _, f := range pbFields(b) {
		switch f.num {
		case 1:
			for _, d := range varints(f) {
				x.dims = append(x.dims, int(d))
			}
		case 2:
			x.dtype = int(f.v)
		case 4:
			for i := 0; i+4 <= len(f.b); i += 4 {
				x.f = append(x.f, math.Float32frombits(binary.LittleEndian.Uint32(f.b[i:])))
			}
		case 7:
			x.i = append(x.i, varints(f)...)
		case 9:
			raw = f.b
		}
	}
	switch x.dtype {
	case 1:
		for i := 0; i+4 <= len(raw); i += 4 {
			x.f = append(x.f, math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
		}
	case 7:
		for i := 0; i+8 <= len(raw); i += 8 {
			x.i = append(x.i, int64(binary.LittleEndian.Uint64(raw[i:])))
		}
	}
	return x
}

type attr struct {
	i    int64
	f    float32
	s    string
	ints []int64
	set  bool
}

type node struct {
	op    string
	ins   []string // input names; "" for an omitted optional input
	nOut  int
	attrs map[string]attr
}

// readNode reads the only node of model.onnx (ModelProto.graph.node).
func readNode(t *testing.T, path string) (node, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nodes [][]byte
	for _, f := range pbFields(b) {
		if f.num == 7 {
			for _, g := range pbFields(f.b) {
				if g.num == 1 {
					nodes = append(nodes, g.b)
				}
			}
		}
	}
	if len(nodes) != 1 {
		return node{}, false
	}
	n := node{attrs: map[string]attr{}}
	for _, f := range pbFields(nodes[0]) {
		switch f.num {
		case 1:
			n.ins = append(n.ins, string(f.b))
		case 2:
			n.nOut++
		case 4:
			n.op = string(f.b)
		case 5:
			var name string
			a := attr{set: true}
			for _, g := range pbFields(f.b) {
				switch g.num {
				case 1:
					name = string(g.b)
				case 2:
					a.f = math.Float32frombits(uint32(g.v))
				case 3:
					a.i = int64(g.v)
				case 4:
					a.s = string(g.b)
				case 8:
					a.ints = append(a.ints, varints(g)...)
				}
			}
			n.attrs[name] = a
		}
	}
	return n, true
}

func (n node) int(name string, def int) int {
	if a, ok := n.attrs[name]; ok {
		return int(a.i)
	}
	return def
}

func (n node) float(name string, def float32) float32 {
	if a, ok := n.attrs[name]; ok {
		return a.f
	}
	return def
}

func (n node) ints(name string, def []int) []int {
	a, ok := n.attrs[name]
	if !ok {
		return def
	}
	out := make([]int, len(a.ints))
	for i, v := range a.ints {
		out[i] = int(v)
	}
	return out
}

func fill(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

var unaryActs = map[string]kernels.ActOp{
	"Relu": kernels.ActRelu, "LeakyRelu": kernels.ActLeakyRelu, "Elu": kernels.ActElu, "Sigmoid": kernels.ActSigmoid,
	"HardSigmoid": kernels.ActHardSigmoid, "HardSwish": kernels.ActHardSwish, "Tanh": kernels.ActTanh, "Exp": kernels.ActExp,
	"Log": kernels.ActLog, "Sqrt": kernels.ActSqrt, "Neg": kernels.ActNeg, "Abs": kernels.ActAbs, "Reciprocal": kernels.ActReciprocal,
	"Erf": kernels.ActErf, "Softplus": kernels.ActSoftplus, "Floor": kernels.ActFloor, "Ceil": kernels.ActCeil, "Sin": kernels.ActSin,
	"Cos": kernels.ActCos, "Selu": kernels.ActSelu, "Sign": kernels.ActSign, "Round": kernels.ActRound,
}

var binOpsByName = map[string]kernels.BinOp{"Add": kernels.BinAdd, "Sub": kernels.BinSub, "Mul": kernels.BinMul, "Div": kernels.BinDiv,
	"Max": kernels.BinMax, "Min": kernels.BinMin, "Pow": kernels.BinPow, "PRelu": kernels.BinPRelu}

var reduceByName = map[string]kernels.ReduceOp{"ReduceSum": kernels.ReduceSum, "ReduceMean": kernels.ReduceMean, "ReduceMax": kernels.ReduceMax,
	"ReduceMin": kernels.ReduceMin, "ReduceProd": kernels.ReduceProd, "ReduceL1": kernels.ReduceL1, "ReduceL2": kernels.ReduceL2,
	"ReduceSumSquare": kernels.ReduceSumSquare, "ReduceLogSum": kernels.ReduceLogSum, "ReduceLogSumExp": kernels.ReduceLogSumExp}

// runNode runs n on the inputs and returns the first output, or a reason
// it does not apply.
func runNode(n node, in []tensor, outDims []int) ([]float32, string) {
	_, isRed := reduceByName[n.op]
	for i, x := range in {
		if x.dtype != 1 && !(i > 0 && x.dtype == 7 && isRed) {
			return nil, "dtype"
		}
	}
	// input returns the tensor of node input i, or nil when omitted.
	input := func(i int) *tensor {
		if i >= len(n.ins) || n.ins[i] == "" {
			return nil
		}
		k := 0
		for _, name := range n.ins[:i] {
			if name != "" {
				k++
			}
		}
		return &in[k]
	}
	if n.nOut > 1 && n.op != "LayerNormalization" { // its Mean and InvStdDev are training outputs
		return nil, "several outputs"
	}
	out := make([]float32, prod(outDims))
	x := in[0]
	if op, ok := unaryActs[n.op]; ok {
		a := kernels.Act{Op: op}
		switch n.op {
		case "LeakyRelu":
			a.Alpha = n.float("alpha", 0.01)
		case "Elu":
			a.Alpha = n.float("alpha", 1)
		case "HardSigmoid":
			a.Alpha, a.Beta = n.float("alpha", 0.2), n.float("beta", 0.5)
		case "Selu":
			a.Alpha, a.Beta = n.float("alpha", 1.67326319217681884765625), n.float("gamma", 1.05070102214813232421875)
		}
		kernels.Activate(out, x.f, a)
		return out, ""
	}
	if op, ok := binOpsByName[n.op]; ok {
		if len(in) != 2 {
			return nil, "not two inputs"
		}
		r := len(outDims)
		pad := func(d []int) []int { return append(fill(r-len(d), 1), d...) }
		kernels.Binary(out, in[0].f, in[1].f, op, outDims, pad(in[0].dims), pad(in[1].dims))
		return out, ""
	}
	if op, ok := reduceByName[n.op]; ok {
		axes := n.ints("axes", nil)
		if len(in) > 1 {
			for _, v := range in[1].i {
				axes = append(axes, int(v))
			}
		}
		if len(axes) == 0 && n.int("noop_with_empty_axes", 0) == 1 {
			copy(out, x.f)
			return out, ""
		}
		for i := range axes {
			if axes[i] < 0 {
				axes[i] += len(x.dims)
			}
		}
		sort.Ints(axes)
		kernels.Reduce(out, x.f, op, x.dims, axes)
		return out, ""
	}
	switch n.op {
	case "Clip":
		lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
		if m := input(1); m != nil {
			lo = m.f[0]
		}
		if m := input(2); m != nil {
			hi = m.f[0]
		}
		if a, ok := n.attrs["min"]; ok {
			lo = a.f
		}
		if a, ok := n.attrs["max"]; ok {
			hi = a.f
		}
		kernels.Activate(out, x.f, kernels.Act{Op: kernels.ActClip, Alpha: lo, Beta: hi})
	case "Softmax", "LogSoftmax":
		axis := n.int("axis", -1)
		if axis < 0 {
			axis += len(x.dims)
		}
		kernels.SoftmaxAxis(out, x.f, prod(x.dims[:axis]), x.dims[axis], prod(x.dims[axis+1:]), n.op == "LogSoftmax")
	case "Transpose":
		perm := n.ints("perm", nil)
		if perm == nil {
			for i := len(x.dims) - 1; i >= 0; i-- {
				perm = append(perm, i)
			}
		}
		kernels.Transpose(out, x.f, x.dims, perm)
	case "Gemm":
		p := kernels.GemmParams{TransA: n.int("transA", 0) == 1, TransB: n.int("transB", 0) == 1, Alpha: n.float("alpha", 1), Beta: n.float("beta", 1)}
		p.M, p.K = x.dims[0], x.dims[1]
		if p.TransA {
			p.M, p.K = p.K, p.M
		}
		p.N = in[1].dims[1]
		if p.TransB {
			p.N = in[1].dims[0]
		}
		var c []float32
		if len(in) > 2 {
			c = in[2].f
			cd := append(fill(2-len(in[2].dims), 1), in[2].dims...)
			p.CRows, p.CCols = cd[0], cd[1]
		}
		kernels.GemmEx(out, x.f, in[1].f, c, p)
	case "MatMul":
		a, b := x.dims, in[1].dims
		if len(a) < 2 || len(b) < 2 {
			return nil, "1-D operand"
		}
		r := len(outDims) - 2
		p := kernels.MatMulParams{M: a[len(a)-2], K: a[len(a)-1], N: b[len(b)-1], Batch: outDims[:r],
			ABatch: append(fill(r-(len(a)-2), 1), a[:len(a)-2]...), BBatch: append(fill(r-(len(b)-2), 1), b[:len(b)-2]...)}
		kernels.MatMul(out, x.f, in[1].f, p)
	case "LayerNormalization":
		axis := n.int("axis", -1)
		if axis < 0 {
			axis += len(x.dims)
		}
		var bias []float32
		if len(in) > 2 {
			bias = in[2].f
		}
		cols := prod(x.dims[axis:])
		kernels.LayerNorm(out, x.f, in[1].f, bias, prod(x.dims[:axis]), cols, n.float("epsilon", 1e-5))
	case "GlobalAveragePool", "GlobalMaxPool":
		kernels.GlobalPool(out, x.f, x.dims[0], x.dims[1], prod(x.dims[2:]), n.op == "GlobalMaxPool")
	case "Conv", "MaxPool", "AveragePool":
		return runWindowed(n, in, out, outDims)
	default:
		return nil, "operator"
	}
	return out, ""
}

// runWindowed resolves pads (explicit or auto_pad) for Conv and the pools.
func runWindowed(n node, in []tensor, out []float32, outDims []int) ([]float32, string) {
	x := in[0]
	r := len(x.dims) - 2
	if r < 1 || r > 2 {
		return nil, "3-D"
	}
	spatialIn, spatialOut := x.dims[2:], outDims[2:]
	k := n.ints("kernel_shape", nil)
	if k == nil {
		k = in[1].dims[2:]
	}
	s, d := n.ints("strides", fill(r, 1)), n.ints("dilations", fill(r, 1))
	pads := n.ints("pads", fill(2*r, 0))
	if ap := n.attrs["auto_pad"].s; ap == "SAME_UPPER" || ap == "SAME_LOWER" {
		for i := range r {
			total := max(0, (spatialOut[i]-1)*s[i]+d[i]*(k[i]-1)+1-spatialIn[i])
			small, big := total/2, total-total/2
			if ap == "SAME_UPPER" {
				pads[i], pads[r+i] = small, big
			} else {
				pads[i], pads[r+i] = big, small
			}
		}
	}
	if n.op == "Conv" {
		p := kernels.ConvParams{N: x.dims[0], InC: x.dims[1], OutC: outDims[1], Group: n.int("group", 1),
			In: spatialIn, Out: spatialOut, Kernel: k, Stride: s, Dilation: d, Pad: pads[:r]}
		var b []float32
		if len(in) > 2 {
			b = in[2].f
		}
		kernels.Conv(out, x.f, in[1].f, b, make([]float32, kernels.ConvScratch(p)), p)
		return out, ""
	}
	p := kernels.PoolParams{N: x.dims[0], C: x.dims[1], In: spatialIn, Out: spatialOut, Kernel: k, Stride: s, Dilation: d,
		Pad: pads[:r], PadEnd: pads[r:], CountIncludePad: n.int("count_include_pad", 0) == 1}
	if n.op == "MaxPool" {
		kernels.MaxPool(out, x.f, p)
	} else {
		kernels.AveragePool(out, x.f, p)
	}
	return out, ""
}

func TestONNXNodeConformance(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(onnxNodeDir, "test_*"))
	if err != nil || len(dirs) == 0 {
		t.Skipf("no ONNX node tests in %s (Debian package libonnx-testdata)", onnxNodeDir)
	}
	passed, skipped := map[string]int{}, map[string][]string{}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if strings.HasSuffix(name, "_expanded") || strings.Contains(name, "_expanded_") {
			continue
		}
		n, ok := readNode(t, filepath.Join(dir, "model.onnx"))
		if !ok {
			continue
		}
		_, isAct := unaryActs[n.op]
		_, isBin := binOpsByName[n.op]
		_, isRed := reduceByName[n.op]
		if !isAct && !isBin && !isRed && !strings.Contains(" Clip Softmax LogSoftmax Transpose Gemm MatMul LayerNormalization GlobalAveragePool GlobalMaxPool Conv MaxPool AveragePool ", " "+n.op+" ") {
			continue
		}
		set := filepath.Join(dir, "test_data_set_0")
		var in []tensor
		for i := 0; ; i++ {
			p := filepath.Join(set, "input_"+string(rune('0'+i))+".pb")
			if _, err := os.Stat(p); err != nil {
				break
			}
			in = append(in, readTensor(t, p))
		}
		want := readTensor(t, filepath.Join(set, "output_0.pb"))
		if want.dtype != 1 || len(in) == 0 {
			skipped[n.op] = append(skipped[n.op], name+" (dtype)")
			continue
		}
		got, why := runNode(n, in, want.dims)
		if why != "" {
			skipped[n.op] = append(skipped[n.op], name+" ("+why+")")
			continue
		}
		bad := 0
		for i, w := range want.f {
			g := got[i]
			if math.IsNaN(float64(w)) && math.IsNaN(float64(g)) || g == w {
				continue
			}
			if math.Abs(float64(g)-float64(w)) > 1e-7+1e-3*math.Abs(float64(w)) {
				if bad == 0 {
					t.Errorf("%s: [%d] = %v, want %v", name, i, g, w)
				}
				bad++
			}
		}
		if bad == 0 {
			passed[n.op]++
		}
	}
	ops := make([]string, 0, len(passed))
	for op := range passed {
		ops = append(ops, op)
	}
	for op := range skipped {
		if passed[op] == 0 {
			ops = append(ops, op)
		}
	}
	sort.Strings(ops)
	total := 0
	for _, op := range ops {
		total += passed[op]
		t.Logf("%-20s %2d passed; skipped: %v", op, passed[op], skipped[op])
	}
	t.Logf("%d ONNX node tests passed", total)
	if total < 100 {
		t.Errorf("only %d node tests ran; want over 100", total)
	}
}
