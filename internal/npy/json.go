package npy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParseJSON reads a number or nested JSON arrays of numbers, as [[1, 2], [3, 4]]
// (shape [2, 2]). Whole numbers alone give an int64 array, any other a float64
// one. limit bounds the input's length in bytes.
func ParseJSON(b []byte, limit int64) (*Array, error) {
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("JSON input is %d bytes, over the limit of %d by %d; give a smaller input or a .npy file", len(b), limit, int64(len(b))-limit)
	}
	p := &jsonParser{dec: json.NewDecoder(bytes.NewReader(b)), rank: -1}
	p.dec.UseNumber()
	if err := p.value(nil); err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, errors.New("JSON input has more after its first value; give one array")
	}
	a := &Array{Shape: p.shape}
	if a.Shape == nil { // a scalar
		a.Shape = []int{}
	}
	if p.float {
		a.DType, a.F64 = "float64", make([]float64, len(p.nums))
		for i, s := range p.nums {
			a.F64[i], _ = strconv.ParseFloat(s, 64) // syntax checked by value
		}
	} else {
		a.DType, a.I64 = "int64", make([]int64, len(p.nums))
		for i, s := range p.nums {
			a.I64[i], _ = strconv.ParseInt(s, 10, 64)
		}
	}
	return a, nil
}

type jsonParser struct {
	dec   *json.Decoder
	rank  int   // depth of the numbers; -1 until the first number or empty array
	shape []int // the first array's length at each depth; -1 while it is open
	nums  []string
	float bool
}

// value reads one value at path (the indices from the top).
func (p *jsonParser) value(path []int) error {
	tok, err := p.dec.Token()
	if err != nil {
		return jsonError(err, path)
	}
	switch v := tok.(type) {
	case json.Number:
		return p.number(v, path)
	case json.Delim:
		if v != '[' {
			return fmt.Errorf("JSON input at %s: an object, not a number or an array", where(path))
		}
		return p.array(path)
	case string:
		return fmt.Errorf("JSON input at %s: the string %q, not a number", where(path), v)
	case bool:
		return fmt.Errorf("JSON input at %s: %v, not a number", where(path), v)
	default:
		return fmt.Errorf("JSON input at %s: null, not a number", where(path))
	}
}

func (p *jsonParser) number(v json.Number, path []int) error {
	if p.rank == -1 { // the first number: every open array is a first one
		p.rank = len(path)
	}
	if len(path) != p.rank {
		return fmt.Errorf("JSON input at %s: a number where an array was expected; arrays must be rectangular", where(path))
	}
	s := string(v)
	if _, err := strconv.ParseInt(s, 10, 64); err != nil {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return fmt.Errorf("JSON input at %s: %s is out of range", where(path), s)
		}
		p.float = true
	}
	p.nums = append(p.nums, s)
	return nil
}

// array reads the elements of an array whose '[' was read. The first array
// at each depth sets the length of all others there; they follow it, so
// their length is known when they open.
func (p *jsonParser) array(path []int) error {
	d := len(path)
	if d >= maxRank {
		return fmt.Errorf("JSON input at %s: arrays nest deeper than %d", where(path), maxRank)
	}
	if p.rank != -1 && d >= p.rank {
		return fmt.Errorf("JSON input at %s: an array where a number was expected; arrays must be rectangular", where(path))
	}
	first := len(p.shape) == d
	if first {
		p.shape = append(p.shape, -1)
	}
	n := 0
	for p.dec.More() {
		if !first && n == p.shape[d] {
			return fmt.Errorf("JSON input at %s has more than %d elements, the length of the first array at its depth; arrays must be rectangular", where(path), n)
		}
		if err := p.value(append(path[:d:d], n)); err != nil {
			return err
		}
		n++
	}
	if _, err := p.dec.Token(); err != nil { // ']'
		return jsonError(err, path)
	}
	switch {
	case first:
		p.shape[d] = n
		if p.rank == -1 { // empty: the innermost dimension
			p.rank = d + 1
		}
	case n != p.shape[d]:
		return fmt.Errorf("JSON input at %s has %d elements, but the first array at its depth has %d; arrays must be rectangular", where(path), n, p.shape[d])
	}
	return nil
}

func jsonError(err error, path []int) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("JSON input ends early at %s", where(path))
	}
	return fmt.Errorf("JSON input at %s: %v", where(path), err)
}

func where(path []int) string {
	if len(path) == 0 {
		return "the top level"
	}
	var b strings.Builder
	for _, i := range path {
		fmt.Fprintf(&b, "[%d]", i)
	}
	return b.String()
}
