package importer

import (
	"path/filepath"
	"testing"

	"github.com/pwagen/pwagen/onnx"
)

// TestPasses checks that each rewrite fires where a real export needs it,
// and leaves no operator it replaces behind. The fixtures' outputs are
// checked against torch in TestTorchFixtures, with the same passes.
func TestPasses(t *testing.T) {
	for _, tc := range []struct {
		file  string
		pass  string
		count int
		gone  string // an operator the pass removes entirely
	}{
		{"cifar_cnn_bn-opset17.onnx", "fold-batchnorm", 3, "BatchNormalization"},
		{"cifar_cnn_bn-opset13.onnx", "fold-batchnorm", 3, "BatchNormalization"},
		{"transformer_relu-opset13.onnx", "fuse-layernorm", 4, "Sqrt"},
		{"transformer_gelu_mask-opset13.onnx", "fuse-layernorm", 4, "Pow"},
		{"transformer_gelu-opset13.onnx", "fuse-gelu", 2, "Erf"},
		{"transformer_gelu_mask-opset17.onnx", "fuse-gelu", 2, "Erf"},
		{"transformer_embed_gelu-opset17.onnx", "fuse-gelu", 2, "Erf"},
		{"lenet-opset17.onnx", "fuse-activation", 1, ""},
		{"mobilenetv2-opset17.onnx", "fuse-activation", 11, "Clip"},
	} {
		t.Run(tc.file+"/"+tc.pass, func(t *testing.T) {
			m, err := onnx.ReadFile(filepath.Join(torchDir, tc.file), onnx.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			g, err := Build(m, Options{Source: tc.file})
			if err != nil {
				t.Fatal(err)
			}
			r := Optimize(g)
			if r[tc.pass] != tc.count {
				t.Errorf("%s made %d rewrites, want %d (all: %v)", tc.pass, r[tc.pass], tc.count, r)
			}
			if tc.gone != "" {
				for _, n := range g.Nodes {
					if n.Op == tc.gone && !allConst(n.Out) {
						t.Errorf("%s is left after %s", n, tc.pass)
					}
				}
			}
		})
	}
}
