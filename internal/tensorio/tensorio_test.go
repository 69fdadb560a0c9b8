package tensorio

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/runner"
)

var (
	plain = runner.Signature{Known: true, Inputs: []runner.TensorInfo{{Name: "x", DType: "float32", Shape: []int{1, 4}}}}
	typed = runner.Signature{Known: true, Inputs: []runner.TensorInfo{
		{Name: "ids", DType: "int64", Shape: []int{1, 3}},
		{Name: "mask", DType: "bool", Shape: []int{1, 3}},
	}}
)

// TestReadAndEncode: the inputs pwagen predict and the edge executable
// read, and every refusal a BadInput that says what to give.
func TestReadAndEncode(t *testing.T) {
	dir := t.TempDir()
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	four, three := file("four.json", "[[1, 2, 3, 4]]"), file("three.json", "[5, 6, 7]")
	frac, mask := file("frac.json", "[[1.5, 2, 3]]"), file("mask.json", "[[1, 0, 1]]")
	text := file("notes.txt", "hello")
	for _, tc := range []struct {
		name  string
		sig   runner.Signature
		flags []string
		want  string // "" for success
	}{
		{"one input", plain, []string{four}, ""},
		{"one input by name", plain, []string{"x=" + four}, ""},
		{"two by name", typed, []string{"ids=" + three, "mask=" + mask}, ""},
		{"unknown name", typed, []string{"tokens=" + three}, `the model has no input "tokens"; its inputs are ids, mask`},
		{"two unnamed", typed, []string{three}, "the model has 2 inputs (ids, mask); give each as --input NAME=FILE"},
		{"twice", plain, []string{four, "x=" + four}, `--input gives "x" twice`},
		{"missing", typed, []string{"ids=" + three}, `no --input for "mask" (bool [1 3]); give it as --input mask=FILE`},
		{"not an array", plain, []string{text}, "neither a .npy array nor JSON"},
		{"wrong shape", typed, []string{"ids=" + four, "mask=" + mask}, `input "ids" has shape [1 4] (4 values); the model takes int64 [1 3] (3 values)`},
		{"fractions", typed, []string{"ids=" + frac, "mask=" + mask}, `input "ids" takes int64, and holds float64 values such as 1.5; give whole numbers`},
		{"plain wrong shape", plain, []string{three}, `the input has shape [3] (3 values); input "x" of the model has shape [1 4] (4 values)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ins, err := ReadInputs(tc.sig, tc.flags)
			if err == nil {
				if tc.sig.Inputs[0].DType == "float32" {
					_, err = MatchInput(tc.sig, ins[0])
				} else {
					_, err = EncodeTyped(tc.sig, ins)
				}
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("%v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v; want %q", err, tc.want)
			case err != nil && !errors.As(err, new(BadInput)):
				t.Fatalf("%T is not a BadInput", err)
			}
		})
	}
}

// TestDecodeTyped: the outputs come back by name, dtype and shape.
func TestDecodeTyped(t *testing.T) {
	sig := runner.Signature{Known: true, Outputs: []runner.TensorInfo{
		{Name: "p", DType: "float32", Shape: []int{2}}, {Name: "k", DType: "int64", Shape: []int{1}},
	}}
	buf := []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 7, 0, 0, 0, 0, 0, 0, 0}
	outs, first, err := DecodeTyped(sig, buf)
	if err != nil || len(outs) != 2 || len(first) != 2 || first[0] != 1 || first[1] != 2 || outs[1].Values.([]any)[0] != int64(7) {
		t.Fatalf("%+v %v %v", outs, first, err)
	}
	if _, _, err := DecodeTyped(sig, buf[:8]); err == nil || !strings.Contains(err.Error(), "returned 8 bytes of outputs; its signature lays out 16") {
		t.Errorf("short buffer: %v", err)
	}
}
