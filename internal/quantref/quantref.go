package quantref

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Path is the reference's place in a project.
const Path = "quant/reference.bin"

// The file (little-endian):
//
//	offset  size  field
//	0       4     magic "PWQR"
//	4       4     uint32 version (1)
//	8       4     uint32 L: bytes of the JSON Meta
//	12      L     Meta as JSON, then zero padding to a multiple of 4
//	…       float32 values, sample by sample: each input, then each output,
//	        in the order of Meta.Inputs and Meta.Outputs; with
//	        Meta.Generated set, the outputs only (the inputs are
//	        Generate(Meta.Inputs, Meta.Generated, Meta.Seed))
const (
	Magic   = "PWQR"
	version = 1
	// MaxBytes bounds a reference file; MaxSamples its samples.
	MaxBytes   = 256 << 20
	MaxSamples = 1000
	maxMeta    = 1 << 20
)

// Tensor is one input or output: its name and shape (Len values each).
type Tensor struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

// Len is the tensor's value count.
func (t Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Meta describes the reference and the import that wrote it.
type Meta struct {
	Mode          string  `json:"mode"`           // "int8" or "fp16"
	WeightsBefore int64   `json:"weights_before"` // bytes of the float32 weights file
	MaxRelError   float64 `json:"max_rel_error"`  // the gate's output error bound at import
	WorstLayer    string  `json:"worst_layer"`    // the layer with the largest own error at import
	// Generated, when above 0, says the inputs are Generate's first
	// Generated samples from Seed, and are not stored.
	Generated int      `json:"generated,omitempty"`
	Seed      uint64   `json:"seed,omitempty"`
	Inputs    []Tensor `json:"inputs"`
	Outputs   []Tensor `json:"outputs"`
}

// Sample is one calibration input (one slice per input) and the float
// model's outputs to it (one per output).
type Sample struct {
	Inputs, Outputs [][]float32
}

// Reference is a whole file.
type Reference struct {
	Meta    Meta
	Samples []Sample
}

func (m Meta) check() error {
	if len(m.Inputs) == 0 || len(m.Outputs) == 0 {
		return errors.New("no inputs or no outputs")
	}
	for _, t := range append(append([]Tensor{}, m.Inputs...), m.Outputs...) {
		n := 1
		for _, d := range t.Shape {
			if d < 1 || d > 1<<30 || n > MaxBytes/d {
				return fmt.Errorf("tensor %q has shape %v", t.Name, t.Shape)
			}
			n *= d
		}
	}
	return nil
}

// sampleLen is the float32 values stored for one sample.
func (m Meta) sampleLen() int {
	n := 0
	for _, t := range m.Outputs {
		n += t.Len()
	}
	if m.Generated == 0 {
		for _, t := range m.Inputs {
			n += t.Len()
		}
	}
	return n
}

// Encode writes r; the same reference gives the same bytes.
func Encode(r *Reference) ([]byte, error) {
	if err := r.Meta.check(); err != nil {
		return nil, err
	}
	meta, err := json.Marshal(r.Meta)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(Magic)
	binary.Write(&b, binary.LittleEndian, uint32(version))
	binary.Write(&b, binary.LittleEndian, uint32(len(meta)))
	b.Write(meta)
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
	put := func(want []Tensor, got [][]float32, what string) error {
		if len(got) != len(want) {
			return fmt.Errorf("a sample has %d %s, want %d", len(got), what, len(want))
		}
		for i, t := range want {
			if len(got[i]) != t.Len() {
				return fmt.Errorf("%s %q of a sample has %d values, want %d", what, t.Name, len(got[i]), t.Len())
			}
			for _, v := range got[i] {
				binary.Write(&b, binary.LittleEndian, math.Float32bits(v))
			}
		}
		return nil
	}
	if g := r.Meta.Generated; g > 0 && g != len(r.Samples) {
		return nil, fmt.Errorf("%d samples, and the description says %d were generated", len(r.Samples), g)
	}
	for _, s := range r.Samples {
		if r.Meta.Generated == 0 {
			if err := put(r.Meta.Inputs, s.Inputs, "inputs"); err != nil {
				return nil, err
			}
		}
		if err := put(r.Meta.Outputs, s.Outputs, "outputs"); err != nil {
			return nil, err
		}
	}
	if b.Len() > MaxBytes || len(r.Samples) > MaxSamples {
		return nil, fmt.Errorf("the reference of %d samples needs %d bytes, over the limit of %d samples and %d bytes", len(r.Samples), b.Len(), MaxSamples, MaxBytes)
	}
	return b.Bytes(), nil
}

// Decode reads a reference file's bytes; every error says what is wrong.
func Decode(b []byte) (*Reference, error) {
	if len(b) < 12 || string(b[:4]) != Magic {
		return nil, errors.New("not a pwagen quantization reference (no PWQR header)")
	}
	if v := binary.LittleEndian.Uint32(b[4:]); v != version {
		return nil, fmt.Errorf("version %d; this pwagen reads version %d: import the model again", v, version)
	}
	l := int64(binary.LittleEndian.Uint32(b[8:]))
	if l > maxMeta || 12+l > int64(len(b)) {
		return nil, fmt.Errorf("its description claims %d bytes, and the file has %d", l, len(b))
	}
	var r Reference
	if err := json.Unmarshal(b[12:12+l], &r.Meta); err != nil {
		return nil, fmt.Errorf("its description: %v", err)
	}
	if err := r.Meta.check(); err != nil {
		return nil, fmt.Errorf("its description: %v", err)
	}
	if r.Meta.Generated < 0 || r.Meta.Generated > MaxSamples {
		return nil, fmt.Errorf("its description: %d generated samples, want 0 to %d", r.Meta.Generated, MaxSamples)
	}
	var in int64
	for _, t := range r.Meta.Inputs {
		in += int64(t.Len())
	}
	if need := 4 * in * int64(r.Meta.Generated); need > MaxBytes {
		return nil, fmt.Errorf("its description: %d generated samples need %d bytes, over the limit of %d", r.Meta.Generated, need, MaxBytes)
	}
	off := (12 + l + 3) / 4 * 4
	per := int64(r.Meta.sampleLen()) * 4
	rest := int64(len(b)) - off
	if rest < 0 || rest%per != 0 || rest/per > MaxSamples {
		return nil, fmt.Errorf("%d bytes of values, not a whole number of samples of %d bytes (at most %d samples)", max(rest, 0), per, MaxSamples)
	}
	var gen [][][]float32
	if g := r.Meta.Generated; g > 0 {
		if rest/per != int64(g) {
			return nil, fmt.Errorf("%d samples of outputs, and the description says %d were generated", rest/per, g)
		}
		gen = Generate(r.Meta.Inputs, g, r.Meta.Seed)
	}
	data := b[off:]
	take := func(ts []Tensor) [][]float32 {
		out := make([][]float32, len(ts))
		for i, t := range ts {
			v := make([]float32, t.Len())
			for j := range v {
				v[j] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*j:]))
			}
			data = data[4*len(v):]
			out[i] = v
		}
		return out
	}
	for i := range rest / per {
		var s Sample
		if gen != nil {
			s.Inputs = gen[i]
		} else {
			s.Inputs = take(r.Meta.Inputs)
		}
		s.Outputs = take(r.Meta.Outputs)
		r.Samples = append(r.Samples, s)
	}
	return &r, nil
}
