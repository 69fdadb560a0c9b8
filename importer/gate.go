package importer

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/pwagen/pwagen/internal/quantref"
)

// The quality gate of quantization: the float and the quantized plan run
// on the same calibration inputs, in-process, on the kernels' Go build.
// Outputs are compared (largest and mean absolute error, top-1 agreement
// for classifiers), and so is each quantized layer on its own: the
// quantized call runs on the float run's operands, so its error is its
// own, not inherited from the layers before it.

// GateOptions are the gate's thresholds.
type GateOptions struct {
	// MinAgreement is the share of calibration inputs on which a
	// classifier's top-1 class must not change (0.99).
	MinAgreement float64
	// MaxRelError bounds the largest output error, relative to the float
	// outputs' largest magnitude (0.1).
	MaxRelError float64
}

// DefaultGate is the gate of `pwagen import --quantize`.
var DefaultGate = GateOptions{MinAgreement: 0.99, MaxRelError: 0.1}

// LayerError is one quantized layer's own error: the largest difference
// between its quantized and float output on the float run's inputs,
// relative to the float output's largest magnitude.
type LayerError struct {
	Layer    string  `json:"layer"`
	RelError float64 `json:"rel_error"`
	Node     *Node   `json:"-"`
	Values   int     `json:"-"` // the layer's quantized weight values
}

// GateReport is what the gate measured.
type GateReport struct {
	Mode          string       `json:"mode"`
	Samples       int          `json:"samples"`
	Tensors       int          `json:"tensors"`        // weights quantized
	WeightsBefore int          `json:"weights_before"` // bytes of the float32 weights file
	WeightsAfter  int          `json:"weights_after"`  // bytes of the quantized one
	MaxError      float64      `json:"max_error"`      // largest |quantized - float| over the outputs
	MeanError     float64      `json:"mean_error"`
	RelError      float64      `json:"rel_error"` // MaxError / largest |float output|
	Classifier    bool         `json:"classifier"`
	Agreement     float64      `json:"top1_agreement"` // classifiers: share of inputs with the same top-1
	Worst         LayerError   `json:"worst_layer"`
	Layers        []LayerError `json:"-"`
	KeptFloat     []string     `json:"kept_float"` // small layers kept float32 for the gate to pass
	Disagree      []int        `json:"-"`          // classifiers: the samples whose top-1 changed
	Options       GateOptions  `json:"-"`
}

// Err is nil when the report passes the gate, else it says why and what
// to do.
func (r *GateReport) Err() error {
	var why []string
	if r.Classifier && r.Agreement < r.Options.MinAgreement {
		why = append(why, fmt.Sprintf("top-1 agreement %.1f%% is under the %.4g%% threshold", 100*r.Agreement, 100*r.Options.MinAgreement))
	}
	if r.RelError > r.Options.MaxRelError {
		why = append(why, fmt.Sprintf("the largest output error %.3g is %.1f%% of the largest output, over the %.4g%% bound", r.MaxError, 100*r.RelError, 100*r.Options.MaxRelError))
	}
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("the %s model is worse than the float model on %d calibration inputs: %s; worst layer: %s (its own error %.1f%% of its output's largest value). Nothing was written: import with --quantize fp16 or none, or give representative inputs with --calibrate DIR",
		r.Mode, r.Samples, strings.Join(why, "; "), r.Worst.Layer, 100*r.Worst.RelError)
}

// Summary is the report in one line.
func (r *GateReport) Summary() string {
	s := fmt.Sprintf("%s: %d tensors, weights %s → %s (%.0f%%); on %d calibration inputs: max error %.3g (%.2f%% of the largest output), mean %.3g",
		r.Mode, r.Tensors, bytesString(r.WeightsBefore), bytesString(r.WeightsAfter), 100*float64(r.WeightsAfter)/float64(max(r.WeightsBefore, 1)),
		r.Samples, r.MaxError, 100*r.RelError, r.MeanError)
	if r.Classifier {
		s += fmt.Sprintf(", top-1 agreement %.1f%%", 100*r.Agreement)
	}
	if r.Worst.Layer != "" {
		s += fmt.Sprintf("; worst layer %s (%.2f%%)", r.Worst.Layer, 100*r.Worst.RelError)
	}
	if len(r.KeptFloat) > 0 {
		s += fmt.Sprintf("; kept float32 for the gate: %s", strings.Join(r.KeptFloat, ", "))
	}
	return s
}

// Gate runs both plans on each sample (one float32 slice per graph input)
// and measures the quantized one against the float one.
func Gate(fp, qp *Plan, mode string, samples [][][]float32, o GateOptions) (*GateReport, error) {
	if len(fp.Calls) != len(qp.Calls) {
		return nil, fmt.Errorf("gate: the plans have %d and %d calls (a bug in pwagen)", len(fp.Calls), len(qp.Calls))
	}
	r := &GateReport{Mode: mode, Samples: len(samples), Options: o}
	r.Tensors, _, _ = qp.QuantSummary()
	layer := map[int]float64{}
	var sumErr float64
	var count int
	var maxOut float64
	agree := 0
	for si, in := range samples {
		fo, err := fp.run(in, func(i int, out []float32, redo func(Call, map[*Value]any, []float32)) {
			c := qp.Calls[i]
			if c.FuncName() == fp.Calls[i].FuncName() {
				return
			}
			q := make([]float32, len(out))
			redo(c, qp.quant, q)
			layer[i] = max(layer[i], relDiff(q, out))
		})
		if err != nil {
			return nil, fmt.Errorf("float model: %w", err)
		}
		qo, err := qp.Exec(in...)
		if err != nil {
			return nil, fmt.Errorf("quantized model: %w", err)
		}
		same := true
		for k := range fo {
			for j, v := range fo[k] {
				d := math.Abs(float64(qo[k][j]) - float64(v))
				if math.IsNaN(d) {
					d = math.Inf(1)
				}
				r.MaxError = max(r.MaxError, d)
				sumErr += d
				count++
				maxOut = max(maxOut, math.Abs(float64(v)))
			}
		}
		if g := fp.Graph; len(g.Outputs) >= 1 && isClassifier(g.Outputs[0].Shape) {
			r.Classifier = true
			c := g.Outputs[0].Shape[len(g.Outputs[0].Shape)-1]
			for row := 0; row+c <= len(fo[0]); row += c {
				if argmax(fo[0][row:row+c]) != argmax(qo[0][row:row+c]) {
					same = false
				}
			}
			if same {
				agree++
			} else {
				r.Disagree = append(r.Disagree, si)
			}
		}
	}
	if count > 0 {
		r.MeanError = sumErr / float64(count)
	}
	r.RelError = r.MaxError / max(maxOut, 1e-30)
	if len(samples) > 0 {
		r.Agreement = float64(agree) / float64(len(samples))
	}
	idx := make([]int, 0, len(layer))
	for i := range layer {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		le := LayerError{Layer: quantLabel(qp.Calls[i]), RelError: layer[i], Node: qp.Calls[i].Node}
		if w, ok := qp.Calls[i].Args[2].(*Value); ok {
			le.Values = w.Len()
		}
		r.Layers = append(r.Layers, le)
		if le.RelError > r.Worst.RelError || r.Worst.Layer == "" {
			r.Worst = le
		}
	}
	return r, nil
}

// maxKeptFloat bounds the small layers QuantizeGated may send back to
// float32, one gate run each.
const maxKeptFloat = 8

// QuantizeGated quantizes pl (Quantize) and gates it (Gate). Weights under
// QuantSmall values are quantized only while the gate passes: when it
// fails, a small layer goes back to float32 (o.KeepFloat) and the gate
// runs again, at most maxKeptFloat times. When top-1 agreement failed, it
// is the small layer whose float weights give back the most of the
// changed answers (then the largest margin of the float model's class on
// them: keepForAgreement); when only the error bound failed, the one with
// the largest own error. The report says which layers were kept
// (KeptFloat); r.Err() says whether the last plan passes.
func QuantizeGated(pl *Plan, mode string, samples [][][]float32, gate GateOptions, o QuantOptions) (*Plan, *GateReport, error) {
	o.KeepFloat = map[*Node]bool{}
	var kept []string
	for {
		qp, err := Quantize(pl, mode, o)
		if err != nil {
			return nil, nil, err
		}
		r, err := Gate(pl, qp, mode, samples, gate)
		if err != nil {
			return nil, nil, err
		}
		r.KeptFloat = kept
		if r.Err() == nil || len(kept) >= maxKeptFloat {
			return qp, r, nil
		}
		var worst *LayerError
		var small []LayerError
		for i, l := range r.Layers {
			if l.Node != nil && l.Values > 0 && l.Values < QuantSmall {
				small = append(small, l)
				if worst == nil || l.RelError > worst.RelError {
					worst = &r.Layers[i]
				}
			}
		}
		if worst == nil {
			return qp, r, nil
		}
		if r.Classifier && r.Agreement < gate.MinAgreement {
			if worst, err = keepForAgreement(pl, mode, o, samples, r.Disagree, small); err != nil {
				return nil, nil, err
			}
		}
		o.KeepFloat[worst.Node] = true
		kept = append(kept, worst.Layer)
	}
}

// keepForAgreement returns the layer of cands that, kept float32, gives
// back the most top-1 answers on the samples bad, then the largest sum of
// margins there (the quantized score of the float model's class minus the
// best other score, over the largest float score's magnitude). Ties go to
// the first layer: the same model gives the same choice.
func keepForAgreement(pl *Plan, mode string, o QuantOptions, samples [][][]float32, bad []int, cands []LayerError) (*LayerError, error) {
	want := make([][]float32, len(bad))
	for i, s := range bad {
		fo, err := pl.Exec(samples[s]...)
		if err != nil {
			return nil, fmt.Errorf("float model: %w", err)
		}
		want[i] = fo[0]
	}
	c := pl.Graph.Outputs[0].Shape[len(pl.Graph.Outputs[0].Shape)-1]
	var best *LayerError
	bestAgree, bestMargin := -1, math.Inf(-1)
	for i, l := range cands {
		keep := map[*Node]bool{l.Node: true}
		for n := range o.KeepFloat {
			keep[n] = true
		}
		o2 := o
		o2.KeepFloat = keep
		qp, err := Quantize(pl, mode, o2)
		if err != nil {
			return nil, err
		}
		agree, margin := 0, 0.0
		for j, s := range bad {
			qo, err := qp.Exec(samples[s]...)
			if err != nil {
				return nil, fmt.Errorf("quantized model: %w", err)
			}
			for row := 0; row+c <= len(want[j]); row += c {
				f, q := want[j][row:row+c], qo[0][row:row+c]
				top := argmax(f)
				other, scale := math.Inf(-1), 1e-30
				for k, v := range q {
					if k != top {
						other = max(other, float64(v))
					}
					scale = max(scale, math.Abs(float64(f[k])))
				}
				m := (float64(q[top]) - other) / scale
				if m > 0 {
					agree++
				}
				margin += m
			}
		}
		if agree > bestAgree || agree == bestAgree && margin > bestMargin {
			best, bestAgree, bestMargin = &cands[i], agree, margin
		}
	}
	return best, nil
}

// isClassifier: one row of scores, or a batch of rows (rank ≤ 2), of at
// least two classes.
func isClassifier(shape []int) bool {
	return len(shape) >= 1 && len(shape) <= 2 && shape[len(shape)-1] >= 2
}

func argmax(s []float32) int {
	best := 0
	for i, v := range s {
		if v > s[best] {
			best = i
		}
	}
	return best
}

// relDiff is max|q-f| / max|f|.
func relDiff(q, f []float32) float64 {
	var d, m float64
	for i, v := range f {
		e := math.Abs(float64(q[i]) - float64(v))
		if math.IsNaN(e) {
			return math.Inf(1)
		}
		d = max(d, e)
		m = max(m, math.Abs(float64(v)))
	}
	return d / max(m, 1e-30)
}

// CalibrationInputs draws n samples from each input's range, seeded
// (quantref.Generate: the rule the project's reference keeps by its seed).
func CalibrationInputs(g *Graph, n int, seed uint64) [][][]float32 {
	var ts []quantref.Tensor
	for _, t := range SignatureOf(g).Inputs {
		ts = append(ts, quantref.Tensor{Name: t.Name, DType: t.DType, Shape: t.Shape})
	}
	return quantref.Generate(ts, n, seed)
}
