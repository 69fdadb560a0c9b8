package validate

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/pwagen/pwagen/internal/fsx"
	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/internal/quantref"
	"github.com/pwagen/pwagen/internal/tensorio"
	mrunner "github.com/pwagen/pwagen/runner"
)

// QuantReport is a quantized model checked against the float model: the
// model that ships (this .wasm, its weights, the SIMD kernels under
// wazero) runs on the calibration inputs its import kept, and its outputs
// are compared with the float model's answers kept beside them.
type QuantReport struct {
	Mode          string  `json:"mode"`
	Samples       int     `json:"samples"`
	WeightsBefore int64   `json:"weights_before_bytes"` // the float32 weights file
	WeightsAfter  int64   `json:"weights_after_bytes"`  // this weights file
	MaxError      float64 `json:"max_error"`            // largest |quantized - float| over the outputs
	MeanError     float64 `json:"mean_error"`
	RelError      float64 `json:"rel_error"`     // MaxError / largest |float output|
	MaxRelError   float64 `json:"max_rel_error"` // the bound the import set
	Classifier    bool    `json:"classifier"`
	Agreement     float64 `json:"top1_agreement"` // classifiers: share of inputs with the float model's top-1
	MinAgreement  float64 `json:"min_agreement"`  // [budget] quantized_agreement
	WorstLayer    string  `json:"worst_layer"`    // the layer with the largest own error at import
}

// DefaultMinAgreement is the top-1 agreement a quantized classifier keeps
// when [budget] quantized_agreement is not set.
const DefaultMinAgreement = 0.99

// Summary is the report in one line.
func (q *QuantReport) Summary() string {
	s := fmt.Sprintf("quantized %s: weights %s → %s (%.1f%%); on %d calibration inputs: max error %.3g (%.2f%% of the largest output, bound %.4g%%), mean %.3g",
		q.Mode, human(uint64(q.WeightsBefore)), human(uint64(q.WeightsAfter)), 100*float64(q.WeightsAfter)/float64(max(q.WeightsBefore, 1)),
		q.Samples, q.MaxError, 100*q.RelError, 100*q.MaxRelError, q.MeanError)
	if q.Classifier {
		s += fmt.Sprintf(", top-1 agreement %.1f%% (at least %.4g%%)", 100*q.Agreement, 100*q.MinAgreement)
	}
	return s
}

// quantization runs the quality gate when the options name a reference.
func (v *check) quantization(ctx context.Context) error {
	path := v.o.Reference
	if path == "" {
		return nil
	}
	if len(v.r.Problems) > 0 || v.noRun != "" {
		v.r.Notes = append(v.r.Notes, "quantization: not checked, as the model did not run")
		return nil
	}
	b, err := fsx.ReadFile(path, quantref.MaxBytes, "quantization reference")
	if err != nil {
		v.problem("quantization", "%v; import the model again to write it", err)
		return nil
	}
	ref, err := quantref.Decode(b)
	if err != nil {
		v.problem("quantization", "%s: %v; import the model again to write it", path, err)
		return nil
	}
	var weights []byte
	if v.weights != nil {
		if weights, err = fsx.ReadFile(v.weights.path, fsx.WeightsLimit, "weights"); err != nil {
			return err
		}
	}
	min := v.o.MinAgreement
	if min == 0 {
		min = DefaultMinAgreement
	}
	q := &QuantReport{Mode: ref.Meta.Mode, Samples: len(ref.Samples), WeightsBefore: ref.Meta.WeightsBefore,
		WeightsAfter: int64(len(weights)), MaxRelError: ref.Meta.MaxRelError, MinAgreement: min, WorstLayer: ref.Meta.WorstLayer}
	v.r.Quantization = q
	limit := v.timeLimit() * time.Duration(len(ref.Samples)+1)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	m, err := mrunner.Load(ctx, v.wasm, weights, mrunner.Options{Cache: v.cache()})
	if err != nil {
		v.problem("quantization", "the model could not be loaded to check its quantization: %v", err)
		return nil
	}
	defer m.Close(context.Background())
	sig := m.Signature()
	if !sameTensors(sig.Inputs, ref.Meta.Inputs) || !sameTensors(sig.Outputs, ref.Meta.Outputs) {
		v.problem("quantization", "%s was written for a model of other inputs or outputs than this one; import the model again", path)
		return nil
	}
	var sum, maxOut float64
	count, agree := 0, 0
	first := ref.Meta.Outputs[0]
	q.Classifier = len(first.Shape) >= 1 && len(first.Shape) <= 2 && first.Shape[len(first.Shape)-1] >= 2
	for i, s := range ref.Samples {
		ins := make([]*npy.Array, len(s.Inputs))
		for k, x := range s.Inputs {
			ins[k] = &npy.Array{DType: "float32", Shape: ref.Meta.Inputs[k].Shape, F32: x}
		}
		outs, _, err := tensorio.Predict(ctx, m, ins)
		if err != nil {
			v.problem("quantization", "calibration input %d of %s: %v", i+1, path, err)
			return nil
		}
		for k, o := range outs {
			got := floats(o.Values)
			for j, want := range s.Outputs[k] {
				d := math.Abs(got[j] - float64(want))
				if math.IsNaN(d) {
					d = math.Inf(1)
				}
				q.MaxError = max(q.MaxError, d)
				sum += d
				count++
				maxOut = max(maxOut, math.Abs(float64(want)))
			}
		}
		if q.Classifier {
			c := first.Shape[len(first.Shape)-1]
			got, want := floats(outs[0].Values), s.Outputs[0]
			same := true
			for row := 0; row+c <= len(want); row += c {
				if argmax64(got[row:row+c]) != argmax32(want[row:row+c]) {
					same = false
				}
			}
			if same {
				agree++
			}
		}
	}
	if count > 0 {
		q.MeanError = sum / float64(count)
	}
	q.RelError = q.MaxError / max(maxOut, 1e-30)
	if q.Samples > 0 {
		q.Agreement = float64(agree) / float64(q.Samples)
	}
	worst := ""
	if q.WorstLayer != "" {
		worst = fmt.Sprintf("; at import the worst layer was %s", q.WorstLayer)
	}
	if q.Classifier && q.Agreement < q.MinAgreement {
		v.problem("quantization", "the %s model agrees with the float model's top-1 class on %.1f%% of %d calibration inputs, under [budget] quantized_agreement %.4g%%%s; import again with --quantize fp16 or none, or check that weights and model are from one import",
			q.Mode, 100*q.Agreement, q.Samples, 100*q.MinAgreement, worst)
	}
	if q.RelError > q.MaxRelError {
		v.problem("quantization", "the %s model's largest output error %.3g is %.1f%% of the float model's largest output, over the %.4g%% bound%s; import again with --quantize fp16 or none, or check that weights and model are from one import",
			q.Mode, q.MaxError, 100*q.RelError, 100*q.MaxRelError, worst)
	}
	return nil
}

func sameTensors(a []mrunner.TensorInfo, b []quantref.Tensor) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Len() != b[i].Len() {
			return false
		}
	}
	return true
}

// floats are an output's values as float64, whatever its dtype.
func floats(v any) []float64 {
	switch v := v.(type) {
	case []float32:
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	case []any:
		out := make([]float64, len(v))
		for i, x := range v {
			switch x := x.(type) {
			case float32:
				out[i] = float64(x)
			case int64:
				out[i] = float64(x)
			case int32:
				out[i] = float64(x)
			case uint8:
				out[i] = float64(x)
			case bool:
				if x {
					out[i] = 1
				}
			}
		}
		return out
	}
	return nil
}

func argmax64(s []float64) int {
	best := 0
	for i, v := range s {
		if v > s[best] {
			best = i
		}
	}
	return best
}

func argmax32(s []float32) int {
	best := 0
	for i, v := range s {
		if v > s[best] {
			best = i
		}
	}
	return best
}
