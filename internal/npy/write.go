package npy

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Write writes a as a version 1.0 .npy file, byte for byte as numpy.save does.
// Float types are written from F32 or F64, integer types from I64 (each value
// must fit the type).
func Write(w io.Writer, a *Array) error {
	k, ok := kindOfName(a.DType)
	if !ok || k.name == "float16" {
		return fmt.Errorf("npy: cannot write dtype %q", a.DType)
	}
	n := a.Len()
	for _, d := range a.Shape {
		if d < 0 {
			return fmt.Errorf("npy: negative dimension in shape %v", a.Shape)
		}
	}
	data := make([]byte, n*k.size)
	if err := encode(data, a, k, n); err != nil {
		return err
	}
	hdr := header1(k.descr, a.Shape)
	if _, err := io.WriteString(w, hdr); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// header1 is the magic, version 1.0 and the dict, padded with spaces and a
// newline to a multiple of 64 bytes, as NumPy writes it.
func header1(descr string, shape []int) string {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		tuple = "(" + dims[0] + ",)"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, tuple)
	total := len(magic) + 2 + 2 + len(dict) + 1
	pad := (64 - total%64) % 64
	dict += strings.Repeat(" ", pad) + "\n"
	var b [2]byte
	binary.LittleEndian.PutUint16(b[:], uint16(len(dict)))
	return magic + "\x01\x00" + string(b[:]) + dict
}

func encode(data []byte, a *Array, k kind, n int) error {
	le := binary.LittleEndian
	var have int
	switch k.name {
	case "float32":
		have = len(a.F32)
	case "float64":
		have = len(a.F64)
	default:
		have = len(a.I64)
	}
	if have != n {
		return fmt.Errorf("npy: %s array of shape %v holds %d values, want %d", k.name, a.Shape, have, n)
	}
	switch k.name {
	case "float32":
		for i, v := range a.F32 {
			le.PutUint32(data[4*i:], math.Float32bits(v))
		}
		return nil
	case "float64":
		for i, v := range a.F64 {
			le.PutUint64(data[8*i:], math.Float64bits(v))
		}
		return nil
	}
	lo, hi := intRange(k.name)
	for i, v := range a.I64 {
		if v < lo || v > hi {
			return fmt.Errorf("npy: value %d at index %d does not fit %s", v, i, k.name)
		}
		switch k.size {
		case 1:
			data[i] = byte(v)
		case 2:
			le.PutUint16(data[2*i:], uint16(v))
		case 4:
			le.PutUint32(data[4*i:], uint32(v))
		default:
			le.PutUint64(data[8*i:], uint64(v))
		}
	}
	return nil
}

func intRange(name string) (int64, int64) {
	switch name {
	case "int8":
		return math.MinInt8, math.MaxInt8
	case "uint8":
		return 0, math.MaxUint8
	case "bool":
		return 0, 1
	case "int16":
		return math.MinInt16, math.MaxInt16
	case "uint16":
		return 0, math.MaxUint16
	case "int32":
		return math.MinInt32, math.MaxInt32
	case "uint32":
		return 0, math.MaxUint32
	}
	return math.MinInt64, math.MaxInt64
}
