package npy

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseJSON(t *testing.T) {
	for _, tt := range []struct {
		in    string
		dtype string
		shape []int
		f64   []float64
		i64   []int64
	}{
		{"[[1,2],[3,4]]", "int64", []int{2, 2}, nil, []int64{1, 2, 3, 4}},
		{"[[1.5, 2], [3, -4e2]]", "float64", []int{2, 2}, []float64{1.5, 2, 3, -400}, nil},
		{"7", "int64", []int{}, nil, []int64{7}},
		{"[]", "int64", []int{0}, nil, []int64{}},
		{"[[], []]", "int64", []int{2, 0}, nil, []int64{}},
		{"[[[1]], [[2]], [[3]]]", "int64", []int{3, 1, 1}, nil, []int64{1, 2, 3}},
		{" [ 1 , 2 , 3 ] \n", "int64", []int{3}, nil, []int64{1, 2, 3}},
		{"[9223372036854775807]", "int64", []int{1}, nil, []int64{9223372036854775807}},
		{"[1e400]", "", nil, nil, nil}, // out of range: an error, checked below
	} {
		t.Run(tt.in, func(t *testing.T) {
			a, err := ParseJSON([]byte(tt.in), limit)
			if tt.dtype == "" {
				if err == nil || !strings.Contains(err.Error(), "out of range") {
					t.Fatalf("error %v, want out of range", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.DType != tt.dtype || !reflect.DeepEqual(a.Shape, tt.shape) || !reflect.DeepEqual(a.F64, tt.f64) || !reflect.DeepEqual(a.I64, tt.i64) {
				t.Fatalf("got %+v", a)
			}
		})
	}
}

func TestParseJSONErrors(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"[[1,2],[3]]", "at [1] has 1 elements, but the first array at its depth has 2"},
		{"[[1,2],[3,4,5]]", "at [1] has more than 2 elements"},
		{"[[1,2],[3,[4]]]", "at [1][1]: an array where a number was expected"},
		{"[[1,2],3]", "at [1]: a number where an array was expected"},
		{"[[[1],[2]],[[3],[4,5]]]", "at [1][1] has more than 1 elements"},
		{"[[], [1]]", "at [1] has more than 0 elements"},
		{"[[1], []]", "at [1] has 0 elements, but the first array at its depth has 1"},
		{`[1, "a"]`, `at [1]: the string "a", not a number`},
		{"[1, null]", "at [1]: null, not a number"},
		{"[true]", "at [0]: true, not a number"},
		{`{"x": 1}`, "at the top level: an object"},
		{"[1, 2", "ends early"},
		{"[1] [2]", "more after its first value"},
		{"", "ends early at the top level"},
		{"[1,]", "invalid character"},
		{strings.Repeat("[", 40) + "1" + strings.Repeat("]", 40), "arrays nest deeper than 32"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseJSON([]byte(tt.in), limit)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := ParseJSON([]byte("[1, 2, 3]"), 4); err == nil || !strings.Contains(err.Error(), "JSON input is 9 bytes, over the limit of 4 by 5") {
		t.Fatalf("error %v, want the size limit", err)
	}
}

func TestWriteJSON(t *testing.T) {
	for _, tt := range []struct {
		a    *Array
		want string
	}{
		{&Array{DType: "float32", Shape: []int{2, 2}, F32: []float32{1, 2.5, 0.1, -3e-9}}, "[[1, 2.5], [0.1, -3e-09]]"},
		{&Array{DType: "int64", Shape: []int{}, I64: []int64{-7}}, "-7"},
		{&Array{DType: "float64", Shape: []int{2, 0}}, "[[], []]"},
		{&Array{DType: "float64", Shape: []int{3}, F64: []float64{math.NaN(), math.Inf(1), 1e300}}, "[null, null, 1e+300]"},
	} {
		var b strings.Builder
		if err := WriteJSON(&b, tt.a); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("WriteJSON = %s, want %s", b.String(), tt.want)
		}
	}
	if err := WriteJSON(&strings.Builder{}, &Array{DType: "float32", Shape: []int{2}, F32: []float32{1}}); err == nil {
		t.Error("WriteJSON of a short array gave no error")
	}
}

// TestJSONRoundTrip: float32 values written by WriteJSON read back exactly.
func TestJSONRoundTrip(t *testing.T) {
	a := &Array{DType: "float32", Shape: []int{2, 3}, F32: []float32{0.1, -1.5e-7, 3.4028235e38, 1, 0, 123.456}}
	var b strings.Builder
	if err := WriteJSON(&b, a); err != nil {
		t.Fatal(err)
	}
	got, err := ParseJSON([]byte(b.String()), limit)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Shape, a.Shape) || !reflect.DeepEqual(got.Float32(), a.F32) {
		t.Fatalf("round trip %s gave %v %v", b.String(), got.Shape, got.Float32())
	}
}
