package edge

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/runner"
)

// maxInputBytes bounds an input file of predict, as pwagen predict does.
const maxInputBytes = 1 << 30

// badInput is an input that does not fit the model: exit 2, or HTTP 400.
type badInput struct{ msg string }

func (e badInput) Error() string { return e.msg }

func badf(format string, args ...any) error { return badInput{fmt.Sprintf(format, args...)} }

func shapeText(s []int) string {
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(p, " ") + "]"
}

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

// predict runs m on ins (one array per input of the signature, in order)
// and returns the outputs; the first float32 output's values come too, for
// --output FILE.npy. Input problems are badInput errors.
func predict(ctx context.Context, m *runner.Model, ins []*npy.Array) ([]Output, []float32, error) {
	sig := m.Signature()
	if m.Typed() {
		buf, err := encodeTyped(sig, ins)
		if err != nil {
			return nil, nil, err
		}
		out, err := m.PredictTyped(ctx, buf)
		if err != nil {
			return nil, nil, err
		}
		return decodeTyped(sig, out)
	}
	values, err := matchInput(sig, ins[0])
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
		v := out[off : off+o.Len()]
		for _, f := range v {
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
				return nil, nil, errors.New("an output is NaN or infinite, which JSON cannot hold")
			}
		}
		res = append(res, Output{Name: o.Name, Shape: o.Shape, Values: v})
		off += o.Len()
	}
	return res, out[:outs[0].Len()], nil
}

// matchInput checks the one input of a model without the typed contract:
// the same shape (leading 1s aside) and a numeric dtype.
func matchInput(sig runner.Signature, a *npy.Array) ([]float32, error) {
	if a.DType == "bool" {
		return nil, badf("the input is bool; the model takes float32")
	}
	if len(sig.Inputs) != 1 {
		return nil, badf("the model has %d inputs; give each by name", len(sig.Inputs))
	}
	want := sig.Inputs[0]
	if sig.Known && !slices.Equal(trim(a.Shape), trim(want.Shape)) || a.Len() != want.Len() {
		return nil, badf("the input has shape %s (%d values); input %q of the model has shape %s (%d values)", shapeText(a.Shape), a.Len(), want.Name, shapeText(want.Shape), want.Len())
	}
	return a.Float32(), nil
}

// encodeTyped lays the arrays out in the typed contract's buffer, checking
// each against its input's shape and dtype (as pwagen predict does).
func encodeTyped(sig runner.Signature, ins []*npy.Array) ([]byte, error) {
	offs, total := runner.Layout(sig.Inputs)
	buf := make([]byte, total)
	le := binary.LittleEndian
	for i, t := range sig.Inputs {
		a := ins[i]
		if !slices.Equal(trim(a.Shape), trim(t.Shape)) {
			return nil, badf("input %q has shape %s (%d values); the model takes %s %s (%d values)", t.Name, shapeText(a.Shape), a.Len(), t.DType, shapeText(t.Shape), t.Len())
		}
		if t.DType != "float32" && strings.HasPrefix(a.DType, "float") {
			for _, v := range a.Float64() {
				if v != float64(int64(v)) {
					return nil, badf("input %q takes %s, and holds %s values such as %g; give whole numbers", t.Name, t.DType, a.DType, v)
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

func decodeTyped(sig runner.Signature, out []byte) ([]Output, []float32, error) {
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
				if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
					return nil, nil, errors.New("an output is NaN or infinite, which JSON cannot hold")
				}
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

// parseBody reads a request body: .npy bytes, a bare JSON array (a model
// with one input) or {"inputs": {NAME: array}} (or {"inputs": array}).
func parseBody(sig runner.Signature, body []byte, limit int64) ([]*npy.Array, error) {
	names := make([]string, len(sig.Inputs))
	for i, t := range sig.Inputs {
		names[i] = t.Name
	}
	one := func(a *npy.Array) ([]*npy.Array, error) {
		if len(sig.Inputs) != 1 {
			return nil, badf("the model has %d inputs (%s); send {\"inputs\": {NAME: array, ...}}", len(names), strings.Join(names, ", "))
		}
		return []*npy.Array{a}, nil
	}
	if bytes.HasPrefix(body, []byte("\x93NUMPY")) {
		a, err := npy.Read(bytes.NewReader(body), limit)
		if err != nil {
			return nil, badf("the .npy body: %v", err)
		}
		return one(a)
	}
	t := bytes.TrimLeft(body, " \t\r\n\ufeff")
	if len(t) == 0 {
		return nil, badf("the body is empty; send {\"inputs\": {NAME: array}}, a JSON array or a .npy file")
	}
	if t[0] != '{' {
		a, err := npy.ParseJSON(t, limit)
		if err != nil {
			return nil, badf("the body is neither {\"inputs\": ...}, a JSON array nor a .npy file: %v", err)
		}
		return one(a)
	}
	var req struct {
		Inputs json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal(t, &req); err != nil {
		return nil, badf("the JSON body: %v", err)
	}
	in := bytes.TrimLeft(req.Inputs, " \t\r\n")
	if len(in) == 0 {
		return nil, badf("the JSON body has no \"inputs\"; send {\"inputs\": {%q: array}}", names[0])
	}
	if in[0] != '{' {
		a, err := npy.ParseJSON(in, limit)
		if err != nil {
			return nil, badf("\"inputs\": %v", err)
		}
		return one(a)
	}
	var byName map[string]json.RawMessage
	if err := json.Unmarshal(in, &byName); err != nil {
		return nil, badf("\"inputs\": %v", err)
	}
	out := make([]*npy.Array, len(names))
	for k, raw := range byName {
		i := slices.Index(names, k)
		if i < 0 {
			return nil, badf("\"inputs\" has %q, which is not an input of the model (%s)", k, strings.Join(names, ", "))
		}
		a, err := npy.ParseJSON(raw, limit)
		if err != nil {
			return nil, badf("input %q: %v", k, err)
		}
		out[i] = a
	}
	for i, a := range out {
		if a == nil {
			return nil, badf("\"inputs\" lacks %q (%s %s)", names[i], sig.Inputs[i].DType, shapeText(sig.Inputs[i].Shape))
		}
	}
	return out, nil
}
