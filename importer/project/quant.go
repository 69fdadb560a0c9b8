package project

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pwagen/pwagen/importer"
	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/internal/quantref"
)

// Calibration limits: files read from --calibrate DIR, bytes per file.
const (
	maxCalibFiles   = 1000
	maxCalibBytes   = 256 << 20
	calibSamples    = 32
	calibSeed       = 1
	defaultAgreemnt = 0.99
)

// GateError is a quantized model refused by the quality gate.
type GateError struct {
	Report *importer.GateReport
	Err    error
}

func (e *GateError) Error() string { return e.Err.Error() }

// quantize rewrites pl as o.Quantize asks and gates it against the float
// plan. It returns pl itself for none.
func quantize(o Options, pl *importer.Plan) (*importer.Plan, *importer.GateReport, []byte, error) {
	mode := o.Quantize
	if mode == "" || mode == importer.QuantNone {
		return pl, nil, nil, nil
	}
	if err := importer.CheckQuantMode(mode); err != nil {
		return nil, nil, nil, &importer.UsageError{Msg: "--" + err.Error()}
	}
	samples := importer.CalibrationInputs(pl.Graph, calibSamples, calibSeed)
	if o.Calibrate != "" {
		var err error
		if samples, err = readCalibration(o.Calibrate, pl.Graph); err != nil {
			return nil, nil, nil, err
		}
	}
	gate := importer.DefaultGate
	if o.MinAgreement > 0 {
		gate.MinAgreement = o.MinAgreement
	}
	if o.MaxRelError > 0 {
		gate.MaxRelError = o.MaxRelError
	}
	qp, r, err := importer.QuantizeGated(pl, mode, samples, gate, importer.QuantOptions{DamageLayer: o.damageLayer, DamageFactor: o.damageFactor})
	if err != nil {
		return nil, nil, nil, err
	}
	fo, err := importer.Generate(pl, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	r.WeightsBefore = len(fo.Weights)
	if err := r.Err(); err != nil {
		return nil, r, nil, &GateError{Report: r, Err: fmt.Errorf("%s: %w", filepath.Base(o.Model), err)}
	}
	ref, err := reference(pl, r, samples, o.Calibrate == "")
	if err != nil {
		return nil, nil, nil, err
	}
	return qp, r, ref, nil
}

// reference is the file a quantized project keeps (quantref.Path): the
// calibration inputs (their seed, when generated) and the float plan's
// outputs to them, so pwagen validate and package can check the quantized
// model that ships against the float model without the .onnx or the float
// weights. Calibration files beyond quantref's limits are left out, the
// first ones kept.
func reference(fp *importer.Plan, r *importer.GateReport, samples [][][]float32, generated bool) ([]byte, error) {
	sig := importer.SignatureOf(fp.Graph)
	ref := &quantref.Reference{Meta: quantref.Meta{Mode: r.Mode, WeightsBefore: int64(r.WeightsBefore),
		MaxRelError: r.Options.MaxRelError, WorstLayer: r.Worst.Layer}}
	for _, t := range sig.Inputs {
		ref.Meta.Inputs = append(ref.Meta.Inputs, quantref.Tensor{Name: t.Name, DType: t.DType, Shape: t.Shape})
	}
	for _, t := range sig.Outputs {
		ref.Meta.Outputs = append(ref.Meta.Outputs, quantref.Tensor{Name: t.Name, DType: t.DType, Shape: t.Shape})
	}
	per := 0
	for _, t := range append(slices.Clone(ref.Meta.Inputs), ref.Meta.Outputs...) {
		per += 4 * t.Len()
	}
	if n := (quantref.MaxBytes - 1<<20) / max(per, 1); len(samples) > n {
		samples = samples[:max(n, 1)]
	}
	if len(samples) > quantref.MaxSamples {
		samples = samples[:quantref.MaxSamples]
	}
	if generated {
		ref.Meta.Generated, ref.Meta.Seed = len(samples), calibSeed
	}
	for _, in := range samples {
		out, err := fp.Exec(in...)
		if err != nil {
			return nil, fmt.Errorf("float model: %w", err)
		}
		ref.Samples = append(ref.Samples, quantref.Sample{Inputs: in, Outputs: out})
	}
	return quantref.Encode(ref)
}

// readCalibration reads the .npy files of dir, in name order, as samples
// of a one-input graph: a file holds one input or several (its value
// count a multiple of the input's).
func readCalibration(dir string, g *importer.Graph) ([][][]float32, error) {
	if len(g.Inputs) != 1 {
		return nil, &importer.UsageError{Msg: fmt.Sprintf("--calibrate %s: the model has %d inputs; calibration files work for models of one input (leave out --calibrate to use generated inputs)", dir, len(g.Inputs))}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, &importer.UsageError{Msg: fmt.Sprintf("--calibrate %s: %v; give a folder of .npy files", dir, err)}
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(strings.ToLower(e.Name()), ".npy") {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, &importer.UsageError{Msg: fmt.Sprintf("--calibrate %s: no .npy files in the folder; save inputs with numpy.save", dir)}
	}
	if len(files) > maxCalibFiles {
		return nil, &importer.UsageError{Msg: fmt.Sprintf("--calibrate %s: %d .npy files, over the limit of %d; a few hundred representative inputs are enough", dir, len(files), maxCalibFiles)}
	}
	in := g.Inputs[0]
	n := in.Len()
	var out [][][]float32
	for _, f := range files {
		p := filepath.Join(dir, f)
		a, err := npy.ReadFile(p, maxCalibBytes)
		if err != nil {
			return nil, &importer.UsageError{Msg: fmt.Sprintf("--calibrate: %v", err)}
		}
		v := a.Float32()
		if len(v) == 0 || len(v)%n != 0 {
			return nil, &importer.UsageError{Msg: fmt.Sprintf("--calibrate: %s holds %d values, want a multiple of %d (input %q is %v)", p, len(v), n, in.Name, in.Shape)}
		}
		for o := 0; o < len(v); o += n {
			out = append(out, [][]float32{v[o : o+n]})
		}
	}
	return out, nil
}
