package onnx

import (
	"path/filepath"
	"testing"

	"github.com/pwagen/pwagen/internal/ci"
)

const testdataRoot = "/usr/share/libonnx-testdata/data"

// TestReadConformanceModels reads every model and every tensor file of ONNX's
// own node tests. Tensor files of sequence, map or optional values are not
// TensorProtos and are skipped (counted in the log).
func TestReadConformanceModels(t *testing.T) {
	models, _ := filepath.Glob(filepath.Join(testdataRoot, "*", "*", "model.onnx"))
	if len(models) == 0 {
		ci.Missing(t, "no models under %s; apt-get install -y libonnx-testdata", testdataRoot)
	}
	var nModels, nTensors, nSkipped int
	for _, path := range models {
		m, err := ReadFile(path, DefaultLimits())
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		nModels++
		kinds := map[string]ValueKind{}
		for i, v := range m.Graph.Inputs {
			kinds[filepath.Join("input_"+itoa(i)+".pb")] = v.Kind
		}
		for i, v := range m.Graph.Outputs {
			kinds[filepath.Join("output_"+itoa(i)+".pb")] = v.Kind
		}
		pbs, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "test_data_set_*", "*.pb"))
		for _, pb := range pbs {
			if k, ok := kinds[filepath.Base(pb)]; ok && k != KindTensor && k != KindUnknown {
				nSkipped++
				continue
			}
			if _, err := ReadTensorFile(pb, DefaultLimits()); err != nil {
				t.Errorf("%v", err)
				continue
			}
			nTensors++
		}
	}
	t.Logf("read %d models and %d tensor files; skipped %d non-tensor files", nModels, nTensors, nSkipped)
}
