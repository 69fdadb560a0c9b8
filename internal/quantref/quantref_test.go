package quantref

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func sample() *Reference {
	return &Reference{
		Meta: Meta{Mode: "int8", WeightsBefore: 1234, MaxRelError: 0.1, WorstLayer: "conv1",
			Inputs:  []Tensor{{Name: "x", DType: "float32", Shape: []int{1, 3}}},
			Outputs: []Tensor{{Name: "y", DType: "float32", Shape: []int{1, 2}}}},
		Samples: []Sample{
			{Inputs: [][]float32{{1, 2, 3}}, Outputs: [][]float32{{0.5, -0.5}}},
			{Inputs: [][]float32{{4, 5, 6}}, Outputs: [][]float32{{1e-30, 3e30}}},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	b, err := Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sample()) {
		t.Errorf("decoded %+v, want %+v", got, sample())
	}
}

// TestGeneratedInputs: a reference of generated inputs stores the seed and
// the outputs only, and reads back the same inputs.
func TestGeneratedInputs(t *testing.T) {
	r := sample()
	r.Meta.Inputs[0].Shape = []int{1, 64}
	r.Meta.Generated, r.Meta.Seed = 2, 7
	gen := Generate(r.Meta.Inputs, 2, 7)
	for i := range r.Samples {
		r.Samples[i].Inputs = gen[i]
	}
	b, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	stored := *r
	stored.Meta.Generated, stored.Meta.Seed = 0, 0
	full, _ := Encode(&stored)
	if len(b) >= len(full)-400 {
		t.Errorf("%d bytes with generated inputs, %d with stored ones", len(b), len(full))
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("decoded %+v, want %+v", got, r)
	}
	for _, x := range gen[0][0] {
		if x < -1 || x > 1 {
			t.Errorf("generated %v for a float input, want [-1, 1]", x)
		}
	}
	// A description that would generate more than the limit is refused
	// before anything is drawn.
	r.Meta.Inputs[0].Shape = []int{1 << 20, 64}
	r.Meta.Generated = 2
	big, _ := json.Marshal(r.Meta)
	bad := append([]byte("PWQR\x01\x00\x00\x00"), byte(len(big)), byte(len(big)>>8), 0, 0)
	bad = append(bad, big...)
	if _, err := Decode(bad); err == nil || !strings.Contains(err.Error(), "generated samples need") {
		t.Errorf("huge generated inputs: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	good, _ := Encode(sample())
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "no PWQR header"},
		{"weights file", []byte("PWGW\x01\x00\x00\x00\x00\x00\x00\x00"), "no PWQR header"},
		{"version", append([]byte("PWQR\x02\x00\x00\x00"), good[8:]...), "version 2"},
		{"short meta", good[:20], "its description claims"},
		{"cut value", good[:len(good)-2], "not a whole number of samples"},
	} {
		if _, err := Decode(tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.name, err, tc.want)
		}
	}
}

// FuzzDecode: any bytes are read or refused, never a panic or a huge
// allocation, and what is read encodes back to the same bytes.
func FuzzDecode(f *testing.F) {
	good, _ := Encode(sample())
	f.Add(good)
	f.Add(good[:40])
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode(b)
		if err != nil {
			return
		}
		if _, err := Encode(r); err != nil {
			t.Fatalf("a decoded reference does not encode: %v", err)
		}
	})
}
