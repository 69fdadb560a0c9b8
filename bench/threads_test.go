package main

import (
	"testing"

	"github.com/pwagen/pwagen/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// The threads goal wants a fixture of at least 50 M multiply-adds: count
// bigcnn's from its graph (weights' shapes, the plane size carried
// through the convolutions and the pool), not from the generator's own
// tally, and check both agree.
func TestBigCNNMultiplyAdds(t *testing.T) {
	b, tally := bigCNN()
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	dims := map[string][]int64{}
	for _, in := range m.Graph.Initializer {
		dims[in.GetName()] = in.Dims
	}
	ints := func(n *onnxpb.NodeProto, name string) []int64 {
		for _, a := range n.Attribute {
			if a.GetName() == name {
				return a.Ints
			}
		}
		return nil
	}
	hw := m.Graph.Input[0].Type.GetTensorType().Shape.Dim[2].GetDimValue()
	var macs int64
	for _, n := range m.Graph.Node {
		switch n.GetOpType() {
		case "Conv":
			w, k, p := dims[n.Input[1]], ints(n, "kernel_shape"), ints(n, "pads")
			hw = hw + p[0] + p[2] - k[0] + 1 // stride 1
			macs += w[0] * w[1] * w[2] * w[3] * hw * hw
		case "MaxPool":
			hw = (hw-ints(n, "kernel_shape")[0])/ints(n, "strides")[0] + 1
		case "Gemm":
			w := dims[n.Input[1]]
			macs += w[0] * w[1]
		}
	}
	if uint64(macs) != tally {
		t.Errorf("bigcnn: %d multiply-adds by its graph, %d by its generator", macs, tally)
	}
	if macs < 50e6 {
		t.Errorf("bigcnn: %d multiply-adds, below the issue's 50 M", macs)
	}
	t.Logf("bigcnn: %d multiply-adds", macs)
}
