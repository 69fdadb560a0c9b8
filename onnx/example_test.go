package onnx_test

import (
	"fmt"
	"path/filepath"

	"github.com/pwagen/pwagen/onnx"
)

func ExampleReadFile() {
	m, err := onnx.ReadFile(filepath.Join("testdata", "external", "model.onnx"), onnx.DefaultLimits())
	if err != nil {
		fmt.Println(err)
		return
	}
	g := m.Graph
	fmt.Println("opset", m.Opsets[""], "producer", m.Producer)
	for _, n := range g.Nodes {
		fmt.Println(n.OpType, n.Inputs, "->", n.Outputs, "transB", n.Attrs["transB"].I)
	}
	for _, in := range g.FreeInputs() {
		fmt.Println("input", in.Name, in.DType, in.Shape)
	}
	w := g.Initializer("w")
	fmt.Println("w", w.DType, w.Dims, w.F32[:3])
	// Output:
	// opset 13 producer make.py
	// Gemm [x w b] -> [y] transB 1
	// input x float32 [{-1 batch} {4 }]
	// w float32 [3 4] [0 0.125 0.25]
}
