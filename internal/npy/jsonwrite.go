package npy

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
)

// WriteJSON writes a's values as nested JSON arrays in its shape, as
// [[1, 2.5], [3, 4]], the form ParseJSON reads. Floats are written in the
// shortest form that reads back to the same value of their type; NaN and
// infinities, which JSON lacks, are written as null.
func WriteJSON(w io.Writer, a *Array) error {
	n := a.Len()
	if have := len(a.F32) + len(a.F64) + len(a.I64); have != n {
		return fmt.Errorf("npy: %s array of shape %v holds %d values, want %d", a.DType, a.Shape, have, n)
	}
	bw := bufio.NewWriter(w)
	i := 0
	var nest func(d int)
	nest = func(d int) {
		if d == len(a.Shape) {
			bw.WriteString(a.format(i))
			i++
			return
		}
		bw.WriteByte('[')
		for k := 0; k < a.Shape[d]; k++ {
			if k > 0 {
				bw.WriteString(", ")
			}
			nest(d + 1)
		}
		bw.WriteByte(']')
	}
	nest(0)
	return bw.Flush()
}

func (a *Array) format(i int) string {
	var f float64
	bits := 64
	switch {
	case a.F32 != nil:
		f, bits = float64(a.F32[i]), 32
	case a.F64 != nil:
		f = a.F64[i]
	default:
		return strconv.FormatInt(a.I64[i], 10)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "null"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}
