package npy

import "math"

// Array is an n-dimensional array in C order. Its values are in one slice:
// F32 for float32 and float16, F64 for float64, I64 for every integer type and bool.
type Array struct {
	DType string // "float32", "float64", "float16", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "bool"
	Shape []int  // [] for a scalar
	F32   []float32
	F64   []float64
	I64   []int64
}

// Len is the number of elements, the product of Shape (1 for a scalar).
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// Float32 gives the values as float32, converting (and rounding) other types.
// For a float32 array it returns F32 itself.
func (a *Array) Float32() []float32 {
	switch {
	case a.F32 != nil:
		return a.F32
	case a.F64 != nil:
		out := make([]float32, len(a.F64))
		for i, v := range a.F64 {
			out[i] = float32(v)
		}
		return out
	}
	out := make([]float32, len(a.I64))
	for i, v := range a.I64 {
		out[i] = float32(v)
	}
	return out
}

// Float64 gives the values as float64, converting other types.
func (a *Array) Float64() []float64 {
	switch {
	case a.F64 != nil:
		return a.F64
	case a.F32 != nil:
		out := make([]float64, len(a.F32))
		for i, v := range a.F32 {
			out[i] = float64(v)
		}
		return out
	}
	out := make([]float64, len(a.I64))
	for i, v := range a.I64 {
		out[i] = float64(v)
	}
	return out
}

// Int64 gives the values as int64; float values must be whole numbers in
// range, or ok is false.
func (a *Array) Int64() (v []int64, ok bool) {
	if a.I64 != nil || (a.F32 == nil && a.F64 == nil) {
		return a.I64, true
	}
	f := a.Float64()
	out := make([]int64, len(f))
	for i, x := range f {
		if x != math.Trunc(x) || x < -(1<<63) || x >= 1<<63 {
			return nil, false
		}
		out[i] = int64(x)
	}
	return out, true
}
