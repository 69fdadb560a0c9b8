package importer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pwagen/pwagen/onnx"
)

// FuzzImport feeds arbitrary bytes through the reader, the graph builder,
// the passes, the lowering and the code generator. Anything the reader
// accepts must then import or fail with an error: never a panic, never an
// unbounded allocation (the reader's limits and maxElements bound shapes).
func FuzzImport(f *testing.F) {
	for _, p := range []string{"../testdata/onnx/made/*.onnx", "../testdata/onnx/torch/mlp-opset13.onnx", "../testdata/onnx/torch/ops_zoo-opset17.onnx"} {
		files, _ := filepath.Glob(p)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	lim := onnx.DefaultLimits()
	lim.MaxFileBytes = 1 << 20
	lim.MaxTensorBytes = 16 << 20
	lim.MaxTotalBytes = 32 << 20
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := onnx.Decode(b, "", lim)
		if err != nil {
			return
		}
		g, err := Build(m, Options{Source: "fuzz.onnx"})
		if err != nil {
			return
		}
		for _, v := range g.Inputs {
			if v.Len() > 1<<22 {
				return // a legal but large input: not worth running
			}
		}
		Optimize(g)
		pl, err := Lower(g)
		if err != nil {
			return
		}
		if pl.Arena > 1<<24 {
			return
		}
		if _, err := Generate(pl, nil); err != nil {
			t.Fatalf("a lowered graph failed to generate: %v", err)
		}
	})
}

// FuzzNode builds one-node graphs of every operator from fuzzed shapes and
// attribute values, and imports and runs them: shape inference must refuse
// what does not fit with an error, and whatever it accepts must run without
// a kernel's shape check failing.
func FuzzNode(f *testing.F) {
	f.Add(uint8(0), uint8(4), []byte{1, 3, 8, 8}, []byte{3, 3, 1, 1, 1, 1, 2, 2})
	f.Add(uint8(7), uint8(3), []byte{2, 5, 7}, []byte{2, 0, 1, 1})
	f.Add(uint8(20), uint8(2), []byte{4, 6}, []byte{1, 0})
	names := Ops()
	f.Fuzz(func(t *testing.T, op, rank uint8, dims, attrs []byte) {
		name := names[int(op)%len(names)]
		r := int(rank%5) + 1
		if len(dims) < r {
			return
		}
		shape := make([]onnx.Dim, r)
		for i := range shape {
			shape[i] = onnx.Dim{Value: int64(dims[i]%9) + 1}
		}
		ints := func(n, off int) []int64 {
			out := make([]int64, n)
			for i := range out {
				if off+i < len(attrs) {
					out[i] = int64(int8(attrs[off+i])) % 7
				}
			}
			return out
		}
		a := map[string]onnx.Attr{}
		k := max(r-2, 0)
		if k > 0 {
			a["kernel_shape"] = onnx.Attr{Name: "kernel_shape", Type: onnx.AttrInts, Is: abs1(ints(k, 0))}
			a["strides"] = onnx.Attr{Name: "strides", Type: onnx.AttrInts, Is: abs1(ints(k, k))}
			a["pads"] = onnx.Attr{Name: "pads", Type: onnx.AttrInts, Is: ints(2*k, 2*k)}
		}
		a["axis"] = onnx.Attr{Name: "axis", Type: onnx.AttrInt, I: ints(1, 6*k+1)[0]}
		a["axes"] = onnx.Attr{Name: "axes", Type: onnx.AttrInts, Is: ints(1, 6*k+2)}
		a["perm"] = onnx.Attr{Name: "perm", Type: onnx.AttrInts, Is: ints(r, 6*k+3)}
		w := &onnx.Tensor{Name: "w", DType: onnx.Float32, Dims: []int64{int64(dims[0]%4 + 1), shape[min(1, r-1)].Value, 3, 3}[:min(r, 4)], F32: nil}
		n := 1
		for _, d := range w.Dims {
			n *= int(d)
		}
		w.F32 = make([]float32, n)
		for i := range w.F32 {
			w.F32[i] = float32(i%5) - 2
		}
		m := &onnx.Model{IRVersion: 8, Opsets: map[string]int64{"": 17}, Graph: &onnx.Graph{
			Nodes:        []onnx.Node{{Name: "n", OpType: name, Inputs: []string{"x", "w"}, Outputs: []string{"y"}, Attrs: a}},
			Inputs:       []onnx.ValueInfo{{Name: "x", DType: onnx.Float32, Shape: shape, HasShape: true}},
			Outputs:      []onnx.ValueInfo{{Name: "y", DType: onnx.Float32}},
			Initializers: []*onnx.Tensor{w},
		}}
		g, err := Build(m, Options{Source: "fuzz.onnx"})
		if err != nil {
			return
		}
		Optimize(g)
		pl, err := Lower(g)
		if err != nil {
			return
		}
		in := make([]float32, g.Inputs[0].Len())
		for i := range in {
			in[i] = float32(i%7) - 3
		}
		if _, err := pl.Exec(in); err != nil {
			t.Fatalf("%s on %v with %v: accepted at import, failed at run time: %v", name, shape, attrs, err)
		}
	})
}

func abs1(v []int64) []int64 {
	for i, x := range v {
		if x < 0 {
			x = -x
		}
		v[i] = x + 1
	}
	return v
}
