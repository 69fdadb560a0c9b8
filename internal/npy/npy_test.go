package npy

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const limit = 1 << 20

// TestReadNumPyFiles reads each fixture numpy.save wrote (testdata/make.py).
func TestReadNumPyFiles(t *testing.T) {
	for _, tt := range []struct {
		file  string
		dtype string
		shape []int
		f32   []float32
		f64   []float64
		i64   []int64
	}{
		{"f4_2x3.npy", "float32", []int{2, 3}, []float32{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5}, nil, nil},
		{"f4_v2.npy", "float32", []int{2, 3}, []float32{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5}, nil, nil},
		{"f4_v3.npy", "float32", []int{2, 3}, []float32{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5}, nil, nil},
		{"f4_0x3.npy", "float32", []int{0, 3}, []float32{}, nil, nil},
		{"f8_3.npy", "float64", []int{3}, nil, []float64{0.1, -2, 1e300}, nil},
		{"f2_4.npy", "float16", []int{4}, []float32{1, -2, 0.5, float32(math.Inf(1))}, nil, nil},
		{"i4_scalar.npy", "int32", []int{}, nil, nil, []int64{-7}},
		{"i8_2x2x2.npy", "int64", []int{2, 2, 2}, nil, nil, []int64{-4 << 40, -3 << 40, -2 << 40, -1 << 40, 0, 1 << 40, 2 << 40, 3 << 40}},
		{"u1_3.npy", "uint8", []int{3}, nil, nil, []int64{0, 128, 255}},
		{"i1_3.npy", "int8", []int{3}, nil, nil, []int64{-128, 0, 127}},
		{"i2_2.npy", "int16", []int{2}, nil, nil, []int64{-32768, 32767}},
		{"u2_2.npy", "uint16", []int{2}, nil, nil, []int64{0, 65535}},
		{"u4_1.npy", "uint32", []int{1}, nil, nil, []int64{4000000000}},
		{"b1_3.npy", "bool", []int{3}, nil, nil, []int64{1, 0, 1}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			a, err := ReadFile(filepath.Join("testdata", tt.file), limit)
			if err != nil {
				t.Fatal(err)
			}
			if a.DType != tt.dtype || !reflect.DeepEqual(a.Shape, tt.shape) ||
				!reflect.DeepEqual(a.F32, tt.f32) || !reflect.DeepEqual(a.F64, tt.f64) || !reflect.DeepEqual(a.I64, tt.i64) {
				t.Fatalf("got %+v", a)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "f4_2x3.npy"))
	if err != nil {
		t.Fatal(err)
	}
	hdr := func(dict string) []byte { return []byte(header1Raw(dict)) }
	for _, tt := range []struct {
		name string
		b    []byte
		lim  int64
		want string
	}{
		{"big-endian", file(t, "bad_bigendian.npy"), limit, `dtype ">f4" is big-endian; save a.astype('<f4') instead`},
		{"fortran order", file(t, "bad_fortran.npy"), limit, "Fortran order; save np.ascontiguousarray(a) instead"},
		{"structured", file(t, "bad_structured.npy"), limit, "a structured dtype"},
		{"complex", file(t, "bad_complex.npy"), limit, `dtype "<c8": pwagen reads`},
		{"truncated data", good[:len(good)-3], limit, ".npy data holds 21 bytes, but shape [2 3] of float32 needs 24; the file is truncated"},
		{"trailing data", append(append([]byte{}, good...), 0), limit, "runs past the 24 bytes"},
		{"truncated header", good[:40], limit, ".npy header is truncated: 118 bytes declared"},
		{"not npy", []byte("PK\x03\x04 zip file"), limit, "no \\x93NUMPY magic"},
		{"short", []byte("\x93NUM"), limit, "shorter than its 8-byte preamble"},
		{"version 4", []byte("\x93NUMPY\x04\x00\x00\x00"), limit, ".npy format version 4.0"},
		{"huge v2 header", []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"), limit, "header declares 4294967295 bytes"},
		{"over limit", good, 20, "array [2 3] float32 needs 24 bytes in memory, over the limit of 20 bytes by 4"},
		{"huge shape", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (2000000000, 2000000000, 2000000000), }"), limit, "too many elements"},
		{"negative dim", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), limit, "not a non-negative integer"},
		{"no shape", hdr("{'descr': '<f4', 'fortran_order': False, }"), limit, `no "shape" key`},
		{"unknown key", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}"), limit, `unknown key "x"`},
		{"not a dict", hdr("[1, 2]"), limit, "not a dict"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tt.b), tt.lim)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// header1Raw builds a version 1.0 preamble around any dict text.
func header1Raw(dict string) string {
	return magic + "\x01\x00" + string([]byte{byte(len(dict)), byte(len(dict) >> 8)}) + dict
}

func file(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWriteMatchesNumPy writes each fixture back byte for byte as numpy.save did.
func TestWriteMatchesNumPy(t *testing.T) {
	for _, name := range []string{"f4_2x3.npy", "f4_0x3.npy", "f8_3.npy", "i4_scalar.npy", "i8_2x2x2.npy",
		"u1_3.npy", "i1_3.npy", "i2_2.npy", "u2_2.npy", "u4_1.npy", "b1_3.npy"} {
		t.Run(name, func(t *testing.T) {
			want := file(t, name)
			a, err := Read(bytes.NewReader(want), limit)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := Write(&buf, a); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("wrote\n%q\nnumpy wrote\n%q", buf.Bytes(), want)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		a    *Array
		want string
	}{
		{"value out of range", &Array{DType: "int8", Shape: []int{1}, I64: []int64{300}}, "value 300 at index 0 does not fit int8"},
		{"wrong count", &Array{DType: "float32", Shape: []int{2, 2}, F32: []float32{1}}, "holds 1 values, want 4"},
		{"unknown dtype", &Array{DType: "complex64"}, `cannot write dtype "complex64"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(&bytes.Buffer{}, tt.a)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestRoundTrip writes and reads back arrays with long headers and many ranks.
func TestRoundTrip(t *testing.T) {
	for _, a := range []*Array{
		{DType: "float32", Shape: []int{1, 3, 224, 224}, F32: make([]float32, 3*224*224)},
		{DType: "int64", Shape: []int{}, I64: []int64{math.MinInt64}},
		{DType: "float64", Shape: []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2}, F64: []float64{math.NaN(), math.Copysign(0, -1)}},
	} {
		var buf bytes.Buffer
		if err := Write(&buf, a); err != nil {
			t.Fatal(err)
		}
		if (len(buf.Bytes())-a.Len()*8)%64 != 0 && a.DType != "float32" {
			t.Fatalf("header not aligned to 64 bytes")
		}
		b, err := Read(&buf, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if b.DType != a.DType || !reflect.DeepEqual(b.Shape, a.Shape) || b.Len() != a.Len() {
			t.Fatalf("round trip: %v %v, want %v %v", b.DType, b.Shape, a.DType, a.Shape)
		}
		var again bytes.Buffer
		Write(&again, b)
		var first bytes.Buffer
		Write(&first, a)
		if !bytes.Equal(again.Bytes(), first.Bytes()) {
			t.Fatal("second write differs from the first")
		}
	}
}

func TestConversions(t *testing.T) {
	a := &Array{DType: "int32", Shape: []int{2}, I64: []int64{3, -4}}
	if got := a.Float32(); !reflect.DeepEqual(got, []float32{3, -4}) {
		t.Fatalf("Float32 = %v", got)
	}
	f := &Array{DType: "float64", Shape: []int{2}, F64: []float64{2, 0.5}}
	if _, ok := f.Int64(); ok {
		t.Fatal("Int64 of 0.5 is ok")
	}
	f.F64[1] = -1
	if got, ok := f.Int64(); !ok || !reflect.DeepEqual(got, []int64{2, -1}) {
		t.Fatalf("Int64 = %v, %v", got, ok)
	}
	if got := f.Float32(); !reflect.DeepEqual(got, []float32{2, -1}) {
		t.Fatalf("Float32 = %v", got)
	}
}
