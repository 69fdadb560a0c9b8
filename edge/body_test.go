package edge

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/internal/tensorio"
	"github.com/pwagen/pwagen/runner"
)

var (
	oneInput = runner.Signature{Known: true, Inputs: []runner.TensorInfo{{Name: "x", DType: "float32", Shape: []int{1, 4}}}}
	twoInput = runner.Signature{Known: true, Inputs: []runner.TensorInfo{
		{Name: "ids", DType: "int64", Shape: []int{1, 3}},
		{Name: "mask", DType: "bool", Shape: []int{1, 3}},
	}}
)

func TestParseBody(t *testing.T) {
	var nb bytes.Buffer
	npy.Write(&nb, &npy.Array{DType: "float32", Shape: []int{1, 4}, F32: []float32{1, 2, 3, 4}})
	for _, tc := range []struct {
		name string
		sig  runner.Signature
		body string
		want string // the shapes read, or the error
	}{
		{"bare array", oneInput, "[[1, 2, 3, 4]]", "[[1 4]]"},
		{"inputs array", oneInput, `{"inputs": [1, 2, 3, 4]}`, "[[4]]"},
		{"inputs by name", oneInput, `{"inputs": {"x": [[1, 2, 3, 4]]}}`, "[[1 4]]"},
		{"npy", oneInput, nb.String(), "[[1 4]]"},
		{"two by name", twoInput, `{"inputs": {"mask": [[1, 1, 0]], "ids": [[5, 6, 7]]}}`, "[[1 3] [1 3]]"},
		{"two, one missing", twoInput, `{"inputs": {"ids": [[5, 6, 7]]}}`, `"inputs" lacks "mask" (bool [1 3])`},
		{"two as a bare array", twoInput, `[[5, 6, 7]]`, `the model has 2 inputs (ids, mask)`},
		{"unknown name", oneInput, `{"inputs": {"y": [1]}}`, `"inputs" has "y", which is not an input of the model (x)`},
		{"no inputs", oneInput, `{"input": [1]}`, `the JSON body has no "inputs"`},
		{"empty", oneInput, " \n", "the body is empty"},
		{"text", oneInput, "hello", "the body is neither"},
		{"bad npy", oneInput, "\x93NUMPY\x01\x00", "the .npy body"},
		{"ragged", oneInput, "[[1, 2], [3]]", "the body is neither"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arrs, err := parseBody(tc.sig, []byte(tc.body), 1<<20)
			var got string
			if err != nil {
				got = err.Error()
			} else {
				var shapes []string
				for _, a := range arrs {
					shapes = append(shapes, tensorio.ShapeText(a.Shape))
				}
				got = "[" + strings.Join(shapes, " ") + "]"
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %q; want %q", got, tc.want)
			}
		})
	}
}

// FuzzParseBody: any body is read or refused with a badInput error, never
// a panic, and what is read has one array per input.
func FuzzParseBody(f *testing.F) {
	for _, s := range []string{"[[1, 2, 3, 4]]", `{"inputs": {"ids": [[1, 2, 3]], "mask": [[1, 0, 1]]}}`, `{"inputs": [1]}`, "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, sig := range []runner.Signature{oneInput, twoInput} {
			arrs, err := parseBody(sig, body, 1<<16)
			if err != nil {
				if _, ok := err.(tensorio.BadInput); !ok {
					t.Fatalf("%T %v: not a BadInput", err, err)
				}
				continue
			}
			if len(arrs) != len(sig.Inputs) {
				t.Fatalf("%d arrays for %d inputs", len(arrs), len(sig.Inputs))
			}
			for _, a := range arrs {
				if a == nil {
					t.Fatal("nil array")
				}
				if _, err := tensorio.EncodeTyped(sig, arrs); err != nil {
					if _, ok := err.(tensorio.BadInput); !ok {
						t.Fatalf("encodeTyped: %T %v", err, err)
					}
				}
			}
		}
	})
}
