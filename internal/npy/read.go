package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"unicode/utf8"
)

const (
	magic = "\x93NUMPY"
	// maxHeader bounds the header dict; NumPy itself reads at most 10000 bytes.
	maxHeader = 64 << 10
	maxRank   = 32
)

// ReadFile reads a .npy file; limit bounds the array's bytes in memory.
func ReadFile(path string, limit int64) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	a, err := Read(bufio.NewReader(f), limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Read reads a .npy stream of version 1.0, 2.0 or 3.0 to its end; limit
// bounds the array's bytes in memory (integers take 8 bytes an element).
func Read(r io.Reader, limit int64) (*Array, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, errors.New("not a .npy file: shorter than its 8-byte preamble; save arrays with numpy.save")
	}
	if string(pre[:6]) != magic {
		return nil, errors.New("not a .npy file: no \\x93NUMPY magic; save arrays with numpy.save, or give JSON")
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, errors.New(".npy header length is truncated")
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, errors.New(".npy header length is truncated")
		}
		n := binary.LittleEndian.Uint32(b[:])
		if n > maxHeader {
			return nil, fmt.Errorf(".npy header declares %d bytes, over the limit of %d; the file is corrupt", n, maxHeader)
		}
		hlen = int(n)
	default:
		return nil, fmt.Errorf(".npy format version %d.%d: pwagen reads 1.0, 2.0 and 3.0", pre[6], pre[7])
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, fmt.Errorf(".npy header is truncated: %d bytes declared", hlen)
	}
	if pre[6] < 3 && !isASCII(hb) || !utf8.Valid(hb) {
		return nil, errors.New(".npy header is not text; the file is corrupt")
	}
	h, err := parseHeader(string(hb))
	if err != nil {
		return nil, fmt.Errorf(".npy header %q: %w", strings.TrimSpace(string(hb)), err)
	}
	return readData(r, h, limit)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// readData reads exactly the bytes the header declares and decodes them.
func readData(r io.Reader, h header, limit int64) (*Array, error) {
	n := int64(1)
	for _, d := range h.shape {
		if d != 0 && n > math.MaxInt64/16/int64(d) {
			return nil, fmt.Errorf("shape %v has too many elements", h.shape)
		}
		n *= int64(d)
	}
	if mem := n * int64(h.kind.mem); mem > limit || n*int64(h.kind.size) > limit {
		return nil, fmt.Errorf("array %v %s needs %d bytes in memory, over the limit of %d bytes by %d; give a smaller input",
			h.shape, h.kind.name, max(mem, n*int64(h.kind.size)), limit, max(mem, n*int64(h.kind.size))-limit)
	}
	want := n * int64(h.kind.size)
	data, err := io.ReadAll(io.LimitReader(r, want+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) < want {
		return nil, fmt.Errorf(".npy data holds %d bytes, but shape %v of %s needs %d; the file is truncated", len(data), h.shape, h.kind.name, want)
	}
	if int64(len(data)) > want {
		return nil, fmt.Errorf(".npy data runs past the %d bytes shape %v of %s needs; the file is corrupt (or holds several arrays)", want, h.shape, h.kind.name)
	}
	return decode(data, h.kind, h.shape), nil
}

func decode(b []byte, k kind, shape []int) *Array {
	le := binary.LittleEndian
	a := &Array{DType: k.name, Shape: shape}
	n := len(b) / k.size
	switch k.name {
	case "float32":
		a.F32 = make([]float32, n)
		for i := range a.F32 {
			a.F32[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case "float16":
		a.F32 = make([]float32, n)
		for i := range a.F32 {
			a.F32[i] = halfToFloat(le.Uint16(b[2*i:]))
		}
	case "float64":
		a.F64 = make([]float64, n)
		for i := range a.F64 {
			a.F64[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
	default:
		a.I64 = make([]int64, n)
		for i := range a.I64 {
			a.I64[i] = intAt(k.name, b, i)
		}
	}
	return a
}

func intAt(name string, b []byte, i int) int64 {
	le := binary.LittleEndian
	switch name {
	case "int8":
		return int64(int8(b[i]))
	case "uint8":
		return int64(b[i])
	case "bool":
		if b[i] != 0 {
			return 1
		}
		return 0
	case "int16":
		return int64(int16(le.Uint16(b[2*i:])))
	case "uint16":
		return int64(le.Uint16(b[2*i:]))
	case "int32":
		return int64(int32(le.Uint32(b[4*i:])))
	case "uint32":
		return int64(le.Uint32(b[4*i:]))
	}
	return int64(le.Uint64(b[8*i:]))
}

func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
