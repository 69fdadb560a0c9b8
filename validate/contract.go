package validate

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/pwagen/pwagen/internal/size"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// The typed model contract (docs/contract.md): a model that exports
// pwagen_signature names its inputs and outputs, each with a dtype and a
// static shape, and runs on typed buffers through pwagen_alloc_inputs,
// pwagen_predict_typed and pwagen_outputs. A model without it speaks v1.

// Tensor is one input or output of a model's contract.
type Tensor struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

// ContractReport is the model's contract: "typed" or "v1".
type ContractReport struct {
	Version string   `json:"version"` // "typed" (exports pwagen_signature) or "v1"
	Inputs  []Tensor `json:"inputs"`  // nil when the model did not run; v1: one float32 input of pwagen_input_len values
	Outputs []Tensor `json:"outputs"` // nil when the model did not run, and for v1 (not declared)
}

// Limits of a signature: its JSON, its tensors, a tensor's name and rank,
// and either buffer (a 32-bit memory holds 4 GiB).
const (
	maxSignature = 1 << 20
	maxTensors   = 1024
	maxName      = 256
	maxRank      = 16
	maxBuffer    = size.Wasm32Memory
)

// dtypeSize is the bytes of one value of each dtype of the contract.
var dtypeSize = map[string]int64{"float32": 4, "int32": 4, "int64": 8, "uint8": 1, "bool": 1}

// typedExports are the functions a model that exports pwagen_signature
// must export as well, with their signatures.
var typedExports = []abiExport{
	{"pwagen_signature", nil, []byte{valI32}},
	{"pwagen_signature_len", nil, []byte{valI32}},
	{"pwagen_alloc_inputs", []byte{valI32}, []byte{valI32}},
	{"pwagen_predict_typed", nil, []byte{valI32}},
	{"pwagen_outputs", nil, []byte{valI32}},
}

// signature is a parsed pwagen_signature.
type signature struct {
	Inputs  []Tensor `json:"inputs"`
	Outputs []Tensor `json:"outputs"`
}

// parseSignature checks the JSON of a pwagen_signature: an object with
// lists "inputs" (at least one) and "outputs" of tensors with a unique
// name, a dtype of the contract and a static shape, whose buffers fit a
// 32-bit memory. The error says what is wrong and where.
func parseSignature(b []byte) (*signature, error) {
	if len(b) > maxSignature {
		return nil, fmt.Errorf("pwagen_signature is %d bytes, over the limit of %d", len(b), maxSignature)
	}
	if !utf8.Valid(b) {
		return nil, errors.New("pwagen_signature is not valid UTF-8")
	}
	var raw struct {
		Inputs  *[]json.RawMessage `json:"inputs"`
		Outputs *[]json.RawMessage `json:"outputs"`
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&raw); err != nil {
		return nil, fmt.Errorf("pwagen_signature is not a JSON object of inputs and outputs: %v", jsonError(b, err))
	}
	if d.More() {
		return nil, fmt.Errorf("pwagen_signature has data after its JSON object, at byte %d", d.InputOffset())
	}
	s := &signature{}
	for _, side := range []struct {
		name string
		list *[]json.RawMessage
		dst  *[]Tensor
	}{{"inputs", raw.Inputs, &s.Inputs}, {"outputs", raw.Outputs, &s.Outputs}} {
		if side.list == nil {
			return nil, fmt.Errorf("pwagen_signature has no %q list", side.name)
		}
		if n := len(*side.list); n > maxTensors {
			return nil, fmt.Errorf("pwagen_signature lists %d %s, over the limit of %d", n, side.name, maxTensors)
		}
		one := strings.TrimSuffix(side.name, "s")
		seen := map[string]bool{}
		var total int64
		for i, m := range *side.list {
			var t Tensor
			if err := json.Unmarshal(m, &t); err != nil {
				return nil, fmt.Errorf("pwagen_signature's %s[%d] is not a tensor {name, dtype, shape}: %v", side.name, i, jsonError(m, err))
			}
			switch {
			case t.Name == "":
				return nil, fmt.Errorf("pwagen_signature's %s[%d] has no name", side.name, i)
			case len(t.Name) > maxName:
				return nil, fmt.Errorf("pwagen_signature's %s[%d] has a name of %d bytes, over the limit of %d", side.name, i, len(t.Name), maxName)
			case seen[t.Name]:
				return nil, fmt.Errorf("pwagen_signature names two %s %q", side.name, t.Name)
			case dtypeSize[t.DType] == 0:
				return nil, fmt.Errorf("pwagen_signature gives %s %q the dtype %q; the contract's dtypes are float32, int32, int64, uint8 and bool", one, t.Name, t.DType)
			case t.Shape == nil:
				return nil, fmt.Errorf("pwagen_signature gives %s %q no shape; want a list of whole numbers ≥ 0, such as [1, 16]", one, t.Name)
			case len(t.Shape) > maxRank:
				return nil, fmt.Errorf("pwagen_signature gives %s %q %d dimensions, over the limit of %d", one, t.Name, len(t.Shape), maxRank)
			}
			seen[t.Name] = true
			n := dtypeSize[t.DType]
			for _, dim := range t.Shape {
				if dim < 0 {
					return nil, fmt.Errorf("pwagen_signature gives %s %q the shape %v, with a negative dimension; shapes are static: every dimension is a whole number ≥ 0", one, t.Name, t.Shape)
				}
				if dim > 0 && n > maxBuffer/int64(dim) {
					n = maxBuffer + 1 // stays over the limit, without overflow
				} else {
					n *= int64(dim)
				}
			}
			total = (total+7)/8*8 + n
			if total > maxBuffer {
				return nil, fmt.Errorf("pwagen_signature's %s take more than %s at %s %q; a 32-bit memory holds at most 4 GiB", side.name, human(maxBuffer), one, t.Name)
			}
			*side.dst = append(*side.dst, t)
		}
	}
	if len(s.Inputs) == 0 {
		return nil, errors.New("pwagen_signature lists no inputs")
	}
	return s, nil
}

// jsonError says where in b a JSON error is.
func jsonError(b []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("%v at byte %d", se, se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("a JSON %s where %s wants %s, at byte %d", te.Value, strings.TrimPrefix(te.Field, "."), te.Type, te.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("it ends after %d bytes, before the JSON is complete", len(b))
	}
	return err.Error()
}

// layout gives the byte length of a typed buffer (docs/contract.md):
// offsets are 8-byte aligned. parseSignature bounds it to 4 GiB.
func layout(ts []Tensor) int64 {
	var end int64
	for _, t := range ts {
		n := dtypeSize[t.DType]
		for _, d := range t.Shape {
			n *= int64(d)
		}
		end = (end + n + 7) / 8 * 8
	}
	return end
}

// typedChecks checks the exports of a model that exports pwagen_signature.
func (v *check) typedChecks(byName map[string]Export) {
	if _, ok := byName["pwagen_signature"]; !ok {
		v.r.Contract = &ContractReport{Version: "v1"}
		return
	}
	v.r.Contract = &ContractReport{Version: "typed"}
	const fix = "a typed model exports every function of docs/contract.md; rebuild it with `pwagen new --from`"
	var missing []string
	for _, want := range typedExports {
		e, ok := byName[want.name]
		wantSig := sigString(want.params, want.results)
		switch {
		case !ok:
			missing = append(missing, want.name)
		case e.Kind != "func":
			v.problem("contract", "exports %s as a %s, but the typed contract calls it as a function %s; %s", want.name, e.Kind, wantSig, fix)
		default:
			if t := v.m.funcSig(e.index); t != nil && (string(t.params) != string(want.params) || string(t.results) != string(want.results)) {
				v.problem("contract", "exports %s as %s, but the typed contract calls it as %s; %s", want.name, sigString(t.params, t.results), wantSig, fix)
			}
		}
	}
	if len(missing) > 0 {
		v.problem("contract", "exports pwagen_signature but not %s; %s", strings.Join(missing, ", "), fix)
	}
	if v.noRun == "" && len(v.r.Problems) > 0 && v.r.Problems[len(v.r.Problems)-1].Check == "contract" {
		v.noRun = "the typed contract's exports are incomplete"
	}
}

// readSignature reads and parses the model's pwagen_signature after
// _initialize; a bad signature is r.contractErr, not a failed run.
func (r *runner) readSignature() {
	if r.err != nil || r.mod.ExportedFunction("pwagen_signature") == nil {
		return
	}
	p, n := r.call("pwagen_signature"), r.call("pwagen_signature_len")
	if r.err != nil {
		return
	}
	if n > maxSignature {
		r.contractErr = fmt.Errorf("pwagen_signature_len is %d bytes, over the limit of %d; the signature is a short JSON list of inputs and outputs", n, maxSignature)
		return
	}
	b, ok := r.mod.Memory().Read(p, n)
	if !ok {
		r.contractErr = fmt.Errorf("pwagen_signature points at %d bytes at %d, outside the model's memory (%d bytes)", n, p, r.mod.Memory().Size())
		return
	}
	r.sig, r.contractErr = parseSignature(bytes.Clone(b))
}

// predictTyped runs one typed predict on zero inputs, as the loader does.
func (r *runner) predictTyped() {
	in, out := layout(r.sig.Inputs), layout(r.sig.Outputs)
	p := r.call("pwagen_alloc_inputs", uint64(max(in, 8)))
	r.write(p, make([]byte, in))
	k := int32(r.call("pwagen_predict_typed"))
	if k < 0 {
		r.abiError("pwagen_predict_typed")
	}
	o := r.call("pwagen_outputs")
	if r.err != nil {
		return
	}
	if int64(k) < out {
		r.contractErr = fmt.Errorf("pwagen_predict_typed returned %d bytes of outputs, but the signature's outputs take %d (docs/contract.md, layout)", k, out)
		return
	}
	if _, ok := r.mod.Memory().Read(o, uint32(out)); !ok {
		r.fail(fmt.Errorf("pwagen_outputs points at %d, but the %d bytes of outputs there are outside memory", o, out))
	}
}

// contractOf sets the report's contract from a measured run.
func (v *check) contractOf(r *runner) {
	c := v.r.Contract
	if c == nil {
		return
	}
	if r.contractErr != nil {
		v.problem("contract", "%v; rebuild the model with `pwagen new --from` (docs/contract.md)", r.contractErr)
	}
	switch {
	case r.sig != nil:
		c.Inputs, c.Outputs = r.sig.Inputs, r.sig.Outputs
	case c.Version == "v1" && r.inputLen >= 0:
		c.Inputs = []Tensor{{Name: "input", DType: "float32", Shape: []int{r.inputLen}}}
	}
}

// text is the contract's lines in the text report.
func (c *ContractReport) text() string {
	if c == nil {
		return ""
	}
	var b strings.Builder
	if c.Version == "v1" {
		b.WriteString("contract  v1: one float32 input")
		if len(c.Inputs) == 1 && len(c.Inputs[0].Shape) == 1 {
			fmt.Fprintf(&b, " of %d values", c.Inputs[0].Shape[0])
		}
		b.WriteString(", float32 outputs of undeclared shape\n")
		return b.String()
	}
	b.WriteString("contract  typed (docs/contract.md)\n")
	if c.Inputs == nil {
		b.WriteString("  inputs and outputs not read: the model did not run\n")
		return b.String()
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, side := range []struct {
		name string
		ts   []Tensor
	}{{"input", c.Inputs}, {"output", c.Outputs}} {
		for _, t := range side.ts {
			dims := make([]string, len(t.Shape))
			for i, d := range t.Shape {
				dims[i] = fmt.Sprint(d)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t[%s]\n", side.name, printable(t.Name), t.DType, strings.Join(dims, ", "))
		}
	}
	tw.Flush()
	return b.String()
}

// printable is name as the text report shows it: quoted when it holds
// anything but printable characters and no spaces.
func printable(name string) string {
	if strings.IndexFunc(name, func(r rune) bool { return !strconv.IsGraphic(r) || r == ' ' }) >= 0 {
		return strconv.Quote(name)
	}
	return name
}

// smokeInputs is the typed inputs buffer of the kernel variants' smoke
// run: float inputs of fixed non-zero values, integer inputs of ones and
// bool inputs false. The ones and the false are valid token ids, and masks
// that hide nothing, in both conventions: an attention mask (1 = attend)
// and a torch key padding mask (true = ignore); a mask hiding every
// position makes the outputs NaN.
func smokeInputs(ts []Tensor) []byte {
	b := make([]byte, layout(ts))
	le := binary.LittleEndian
	var off int64
	for _, t := range ts {
		n := int64(1)
		for _, d := range t.Shape {
			n *= int64(d)
		}
		for i := int64(0); i < n; i++ {
			switch t.DType {
			case "float32":
				le.PutUint32(b[off+4*i:], math.Float32bits(float32(i%17)/17))
			case "int32":
				le.PutUint32(b[off+4*i:], 1)
			case "int64":
				le.PutUint64(b[off+8*i:], 1)
			case "uint8":
				b[off+i] = 1
			}
		}
		off = (off + n*dtypeSize[t.DType] + 7) / 8 * 8
	}
	return b
}

// decodeOutputs turns a typed outputs buffer into float32 values, output
// after output, to compare two kernel variants.
func decodeOutputs(ts []Tensor, b []byte) []float32 {
	le := binary.LittleEndian
	var out []float32
	var off int64
	for _, t := range ts {
		n := int64(1)
		for _, d := range t.Shape {
			n *= int64(d)
		}
		for i := int64(0); i < n; i++ {
			var v float32
			switch t.DType {
			case "float32":
				v = math.Float32frombits(le.Uint32(b[off+4*i:]))
			case "int32":
				v = float32(int32(le.Uint32(b[off+4*i:])))
			case "int64":
				v = float32(int64(le.Uint64(b[off+8*i:])))
			default:
				v = float32(b[off+i])
			}
			out = append(out, v)
		}
		off = (off + n*dtypeSize[t.DType] + 7) / 8 * 8
	}
	return out
}

// smokeTyped runs one typed predict on smokeInputs and returns the outputs
// as float32 values.
func (r *runner) smokeTyped(stdout *tailBuffer) ([]float32, error) {
	in, outLen := smokeInputs(r.sig.Inputs), layout(r.sig.Outputs)
	r.write(r.call("pwagen_alloc_inputs", uint64(max(len(in), 8))), in)
	k := int32(r.call("pwagen_predict_typed"))
	if k < 0 {
		r.abiError("pwagen_predict_typed")
	}
	ptr := r.call("pwagen_outputs")
	if r.timedOut() {
		return nil, errors.New(r.timeMessage())
	}
	if r.err != nil {
		return nil, fmt.Errorf("%s step (%s): %v (%s)", r.failStep, r.failStage, firstLine(r.err.Error()), stderrSummary(stdout.String(), 2))
	}
	if int64(k) < outLen {
		return nil, fmt.Errorf("pwagen_predict_typed returned %d bytes of outputs, but the signature's outputs take %d", k, outLen)
	}
	b, ok := r.mod.Memory().Read(ptr, uint32(outLen))
	if !ok {
		return nil, fmt.Errorf("pwagen_outputs points outside memory")
	}
	return decodeOutputs(r.sig.Outputs, b), nil
}
