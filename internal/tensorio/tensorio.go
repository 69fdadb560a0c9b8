package tensorio

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/runner"
)

// MaxInputBytes bounds an input file or body.
const MaxInputBytes = 1 << 30

// BadInput is an input that does not fit the model: exit 2, or HTTP 400.
type BadInput struct{ Msg string }

func (e BadInput) Error() string { return e.Msg }

func badf(format string, args ...any) error { return BadInput{fmt.Sprintf(format, args...)} }

// ShapeText is a shape as pwagen prints it: [1 28 28].
func ShapeText(s []int) string {
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(p, " ") + "]"
}

// trim drops leading 1s: [1 4] and [4] are the same input.
func trim(s []int) []int {
	s = slices.Clone(s)
	for len(s) > 1 && s[0] == 1 {
		s = s[1:]
	}
	return s
}

// Output is one output of an answer, as pwagen predict prints it; DType is
// set for models of the typed contract.
type Output struct {
	Name   string `json:"name"`
	DType  string `json:"dtype,omitempty"`
	Shape  []int  `json:"shape"`
	Values any    `json:"values"`
}

// ReadInputs reads one array per input of the signature from --input
// flags: FILE for a model with one input, NAME=FILE for each input
// otherwise. Every problem is a BadInput naming the flag.
func ReadInputs(sig runner.Signature, flags []string) ([]*npy.Array, error) {
	names := make([]string, len(sig.Inputs))
	for i, t := range sig.Inputs {
		names[i] = t.Name
	}
	out := make([]*npy.Array, len(sig.Inputs))
	for _, f := range flags {
		i, path := -1, f
		name, p, named := strings.Cut(f, "=")
		if named && slices.Contains(names, name) {
			i, path = slices.Index(names, name), p
		} else if _, err := os.Stat(f); named && err != nil {
			return nil, badf("--input %s: the model has no input %q; its inputs are %s", f, name, strings.Join(names, ", "))
		} else if len(sig.Inputs) == 1 {
			i = 0
		} else {
			return nil, badf("--input %s: the model has %d inputs (%s); give each as --input NAME=FILE", f, len(names), strings.Join(names, ", "))
		}
		if out[i] != nil {
			return nil, badf("--input gives %q twice", names[i])
		}
		a, err := npy.ReadInput(path, MaxInputBytes)
		if err != nil {
			return nil, badf("--input %v", err)
		}
		out[i] = a
	}
	for i, a := range out {
		if a == nil {
			return nil, badf("no --input for %q (%s %s); give it as --input %s=FILE", names[i], sig.Inputs[i].DType, ShapeText(sig.Inputs[i].Shape), names[i])
		}
	}
	return out, nil
}

// Predict runs m on ins (one array per input of the signature, in order)
// and returns the outputs; the first float32 output's values come too, for
// --output FILE.npy. Input problems are BadInput errors; any other error is
// the model's. Outputs may hold NaN or infinities, which JSON cannot.
func Predict(ctx context.Context, m *runner.Model, ins []*npy.Array) ([]Output, []float32, error) {
	sig := m.Signature()
	if m.Typed() {
		buf, err := EncodeTyped(sig, ins)
		if err != nil {
			return nil, nil, err
		}
		out, err := m.PredictTyped(ctx, buf)
		if err != nil {
			return nil, nil, err
		}
		return DecodeTyped(sig, out)
	}
	values, err := MatchInput(sig, ins[0])
	if err != nil {
		return nil, nil, err
	}
	out, err := m.Predict(ctx, values)
	if err != nil {
		return nil, nil, err
	}
	outs := sig.Outputs
	if !sig.Known || len(outs) == 0 {
		outs = []runner.TensorInfo{{Name: "output", DType: "float32", Shape: []int{len(out)}}}
	}
	total := 0
	for _, o := range outs {
		total += o.Len()
	}
	if total != len(out) {
		return nil, nil, fmt.Errorf("the model returned %d values; its signature promises %d", len(out), total)
	}
	var res []Output
	off := 0
	for _, o := range outs {
		res = append(res, Output{Name: o.Name, Shape: o.Shape, Values: out[off : off+o.Len()]})
		off += o.Len()
	}
	return res, out[:outs[0].Len()], nil
}

// MatchInput checks the one input of a model without the typed contract:
// the same shape (leading 1s aside) and a numeric dtype.
func MatchInput(sig runner.Signature, a *npy.Array) ([]float32, error) {
	if a.DType == "bool" {
		return nil, badf("the input is bool; the model takes float32")
	}
	if len(sig.Inputs) != 1 {
		return nil, badf("the model has %d inputs; give each by name", len(sig.Inputs))
	}
	want := sig.Inputs[0]
	if sig.Known && !slices.Equal(trim(a.Shape), trim(want.Shape)) || a.Len() != want.Len() {
		return nil, badf("the input has shape %s (%d values); input %q of the model has shape %s (%d values)", ShapeText(a.Shape), a.Len(), want.Name, ShapeText(want.Shape), want.Len())
	}
	return a.Float32(), nil
}

// EncodeTyped lays the arrays out in the typed contract's buffer, checking
// each against its input's shape and dtype.
func EncodeTyped(sig runner.Signature, ins []*npy.Array) ([]byte, error) {
	offs, total := runner.Layout(sig.Inputs)
	buf := make([]byte, total)
	le := binary.LittleEndian
	for i, t := range sig.Inputs {
		a := ins[i]
		if !slices.Equal(trim(a.Shape), trim(t.Shape)) {
			return nil, badf("input %q has shape %s (%d values); the model takes %s %s (%d values)", t.Name, ShapeText(a.Shape), a.Len(), t.DType, ShapeText(t.Shape), t.Len())
		}
		if t.DType != "float32" && strings.HasPrefix(a.DType, "float") {
			for _, v := range a.Float64() {
				if v != float64(int64(v)) {
					return nil, badf("input %q takes %s, and holds %s values such as %g; give whole numbers (an int .npy, or JSON without fractions)", t.Name, t.DType, a.DType, v)
				}
			}
		}
		b := buf[offs[i]:]
		for j, v := range a.Float64() {
			switch t.DType {
			case "float32":
				le.PutUint32(b[4*j:], math.Float32bits(float32(v)))
			case "int64":
				le.PutUint64(b[8*j:], uint64(int64(v)))
			case "int32":
				le.PutUint32(b[4*j:], uint32(int32(v)))
			case "uint8":
				b[j] = byte(v)
			case "bool":
				if v != 0 {
					b[j] = 1
				}
			}
		}
		if t.DType == "int64" {
			if iv, ok := a.Int64(); ok { // exact beyond 2^53
				for j, v := range iv {
					le.PutUint64(b[8*j:], uint64(v))
				}
			}
		}
	}
	return buf, nil
}

// DecodeTyped reads the typed contract's output buffer.
func DecodeTyped(sig runner.Signature, out []byte) ([]Output, []float32, error) {
	offs, total := runner.Layout(sig.Outputs)
	if len(out) < total {
		return nil, nil, fmt.Errorf("the model returned %d bytes of outputs; its signature lays out %d", len(out), total)
	}
	le := binary.LittleEndian
	var res []Output
	var first []float32
	for i, t := range sig.Outputs {
		b := out[offs[i]:]
		vals := make([]any, t.Len())
		for j := range vals {
			switch t.DType {
			case "float32":
				f := math.Float32frombits(le.Uint32(b[4*j:]))
				vals[j] = f
				if i == 0 {
					first = append(first, f)
				}
			case "int64":
				vals[j] = int64(le.Uint64(b[8*j:]))
			case "int32":
				vals[j] = int32(le.Uint32(b[4*j:]))
			case "uint8":
				vals[j] = b[j]
			case "bool":
				vals[j] = b[j] != 0
			}
		}
		res = append(res, Output{Name: t.Name, DType: t.DType, Shape: t.Shape, Values: vals})
	}
	return res, first, nil
}
