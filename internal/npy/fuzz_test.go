package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzRead feeds truncated and hostile .npy files to Read: an array or an
// error, never a panic; an array read writes back and reads back the same.
func FuzzRead(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*.npy"))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Read(bytes.NewReader(b), 1<<20)
		if err != nil {
			return
		}
		if n := a.Len(); len(a.F32)+len(a.F64)+len(a.I64) != n {
			t.Fatalf("%s %v holds %d+%d+%d values, want %d", a.DType, a.Shape, len(a.F32), len(a.F64), len(a.I64), n)
		}
		if a.DType == "float16" {
			return // read-only
		}
		var buf bytes.Buffer
		if err := Write(&buf, a); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(&buf, 1<<20); err != nil {
			t.Fatalf("reading back: %v", err)
		}
	})
}

// FuzzParseJSON: an array whose values fill its shape and that WriteJSON
// writes back to the same array, or an error.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{"[[1,2],[3,4]]", "[[1,2],[3]]", "[1.5e3, -2]", "7", "[[], []]", "[[[1]],[[2]]]", `[1, "a"]`, "[[1,2],[3,[4]]]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseJSON(b, 1<<20)
		if err != nil {
			return
		}
		if n := a.Len(); len(a.F64)+len(a.I64) != n {
			t.Fatalf("shape %v with %d+%d values", a.Shape, len(a.F64), len(a.I64))
		}
		var out bytes.Buffer
		if err := WriteJSON(&out, a); err != nil {
			t.Fatal(err)
		}
		b2, err := ParseJSON(out.Bytes(), 1<<22)
		if err != nil {
			t.Fatalf("reading back %s: %v", out.Bytes(), err)
		}
		if !reflect.DeepEqual(b2.Shape, a.Shape) || !reflect.DeepEqual(b2.Float64(), a.Float64()) {
			t.Fatalf("round trip of %s: %v %v, want %v %v", b, b2.Shape, b2.Float64(), a.Shape, a.Float64())
		}
	})
}
