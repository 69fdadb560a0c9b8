package edge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/internal/tensorio"
	"github.com/pwagen/pwagen/runner"
)

func badf(format string, args ...any) error {
	return tensorio.BadInput{Msg: fmt.Sprintf(format, args...)}
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
			return nil, badf("\"inputs\" lacks %q (%s %s)", names[i], sig.Inputs[i].DType, tensorio.ShapeText(sig.Inputs[i].Shape))
		}
	}
	return out, nil
}
