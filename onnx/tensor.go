package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/pwagen/pwagen/onnx/onnxpb"
)

// Tensor is a decoded tensor. Its values are in exactly one slice:
// F32 for float32, float16 and bfloat16; F64 for float64; I64 for every
// integer type (uint64 as its bit pattern); Bool; Str for strings.
type Tensor struct {
	Name  string
	DType DType
	Dims  []int64
	F32   []float32
	F64   []float64
	I64   []int64
	Bool  []bool
	Str   [][]byte
}

// Len is the number of elements, the product of Dims (1 for a scalar).
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Dims {
		n *= int(d)
	}
	return n
}

// tensor decodes one TensorProto; what names it in errors, as `initializer "W"`.
func (d *decoder) tensor(p *onnxpb.TensorProto, what string) (*Tensor, error) {
	dt, ok := dtypeOf(p.GetDataType())
	if !ok {
		if p.GetDataType() == 0 {
			return nil, fmt.Errorf("%s has no data_type; the exporter wrote an incomplete tensor", what)
		}
		return nil, fmt.Errorf("%s has data type %s (%d), which pwagen does not read; convert it to float32, float16 or an integer type before export",
			what, protoTypeName(p.GetDataType()), p.GetDataType())
	}
	if p.Segment != nil {
		return nil, fmt.Errorf("%s is a segment of a larger tensor, which pwagen does not read; save the model with whole tensors", what)
	}
	n, err := d.count(p.GetDims(), what)
	if err != nil {
		return nil, err
	}
	if err := d.charge(what, n*dt.memSize()); err != nil {
		return nil, err
	}
	t := &Tensor{Name: p.GetName(), DType: dt, Dims: append([]int64{}, p.GetDims()...)}
	if p.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		if dt == String {
			return nil, fmt.Errorf("%s: string tensors cannot be external data", what)
		}
		raw, err := d.external(p, what, n*dt.wireSize())
		if err != nil {
			return nil, err
		}
		return t, t.fromRaw(raw)
	}
	return t, t.fromFields(p, n, what)
}

// count checks dims against the limits and returns their product.
func (d *decoder) count(dims []int64, what string) (int64, error) {
	if len(dims) > d.lim.MaxRank {
		return 0, &LimitError{What: what + "'s rank", Field: "MaxRank", Size: int64(len(dims)), Limit: int64(d.lim.MaxRank), Unit: "dimensions"}
	}
	n := int64(1)
	for i, v := range dims {
		if v < 0 {
			return 0, fmt.Errorf("%s has a negative dimension %d at index %d of %v; the file is corrupt", what, v, i, dims)
		}
		if v > d.lim.MaxDim {
			return 0, &LimitError{What: fmt.Sprintf("%s's dimension %d", what, i), Field: "MaxDim", Size: v, Limit: d.lim.MaxDim}
		}
		if v != 0 && n > math.MaxInt64/8/v {
			return 0, fmt.Errorf("%s has dimensions %v whose product overflows; the file is corrupt", what, dims)
		}
		n *= v
	}
	return n, nil
}

// charge counts size decoded bytes against the tensor and total limits.
func (d *decoder) charge(what string, size int64) error {
	if size > d.lim.MaxTensorBytes {
		return &LimitError{What: what, Field: "MaxTensorBytes", Size: size, Limit: d.lim.MaxTensorBytes, Unit: "bytes"}
	}
	if d.total+size > d.lim.MaxTotalBytes {
		return &LimitError{What: "the model's tensors with " + what, Field: "MaxTotalBytes", Size: d.total + size, Limit: d.lim.MaxTotalBytes, Unit: "bytes"}
	}
	d.total += size
	return nil
}

// fromFields decodes raw_data or the typed field that holds dt.
func (t *Tensor) fromFields(p *onnxpb.TensorProto, n int64, what string) error {
	typed, field := typedLen(p, t.DType)
	raw := p.GetRawData()
	switch {
	case raw != nil && typed > 0:
		return fmt.Errorf("%s has both raw_data and %s; the file is corrupt", what, field)
	case raw != nil:
		if t.DType == String {
			return fmt.Errorf("%s is a string tensor with raw_data; the file is corrupt", what)
		}
		if want := n * t.DType.wireSize(); int64(len(raw)) != want {
			return fmt.Errorf("%s: raw_data holds %d bytes, but %v %s needs %d; the file is corrupt or truncated",
				what, len(raw), t.Dims, t.DType, want)
		}
		return t.fromRaw(raw)
	case int64(typed) != n:
		if typed == 0 {
			return fmt.Errorf("%s has no data (%d elements of %s expected in raw_data or %s); re-export the model with its weights", what, n, t.DType, field)
		}
		return fmt.Errorf("%s: %s holds %d values, but dims %v need %d; the file is corrupt", what, field, typed, t.Dims, n)
	}
	switch t.DType {
	case Float32:
		t.F32 = append([]float32{}, p.GetFloatData()...)
	case Float64:
		t.F64 = append([]float64{}, p.GetDoubleData()...)
	case Int64:
		t.I64 = append([]int64{}, p.GetInt64Data()...)
	case Uint32, Uint64:
		t.I64 = make([]int64, n)
		for i, v := range p.GetUint64Data() {
			t.I64[i] = int64(v)
		}
	case String:
		t.Str = p.GetStringData()
	default: // everything ONNX keeps in int32_data
		return t.fromInt32(p.GetInt32Data())
	}
	return nil
}

func typedLen(p *onnxpb.TensorProto, dt DType) (int, string) {
	switch dt {
	case Float32:
		return len(p.GetFloatData()), "float_data"
	case Float64:
		return len(p.GetDoubleData()), "double_data"
	case Int64:
		return len(p.GetInt64Data()), "int64_data"
	case Uint32, Uint64:
		return len(p.GetUint64Data()), "uint64_data"
	case String:
		return len(p.GetStringData()), "string_data"
	}
	return len(p.GetInt32Data()), "int32_data"
}

func (t *Tensor) fromInt32(v []int32) error {
	switch t.DType {
	case Float16, BFloat16:
		t.F32 = make([]float32, len(v))
		for i, x := range v {
			t.F32[i] = half(t.DType, uint16(x))
		}
	case Bool:
		t.Bool = make([]bool, len(v))
		for i, x := range v {
			t.Bool[i] = x != 0
		}
	default:
		t.I64 = make([]int64, len(v))
		for i, x := range v {
			t.I64[i] = int64(x)
		}
	}
	return nil
}

// fromRaw decodes little-endian raw bytes whose length was checked.
func (t *Tensor) fromRaw(b []byte) error {
	le := binary.LittleEndian
	n := int64(len(b)) / t.DType.wireSize()
	switch t.DType {
	case Float32:
		t.F32 = make([]float32, n)
		for i := range t.F32 {
			t.F32[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case Float16, BFloat16:
		t.F32 = make([]float32, n)
		for i := range t.F32 {
			t.F32[i] = half(t.DType, le.Uint16(b[2*i:]))
		}
	case Float64:
		t.F64 = make([]float64, n)
		for i := range t.F64 {
			t.F64[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
	case Bool:
		t.Bool = make([]bool, n)
		for i := range t.Bool {
			t.Bool[i] = b[i] != 0
		}
	default:
		t.I64 = make([]int64, n)
		for i := range t.I64 {
			t.I64[i] = rawInt(t.DType, b, i)
		}
	}
	return nil
}

func rawInt(dt DType, b []byte, i int) int64 {
	le := binary.LittleEndian
	switch dt {
	case Int8:
		return int64(int8(b[i]))
	case Uint8:
		return int64(b[i])
	case Int16:
		return int64(int16(le.Uint16(b[2*i:])))
	case Uint16:
		return int64(le.Uint16(b[2*i:]))
	case Int32:
		return int64(int32(le.Uint32(b[4*i:])))
	case Uint32:
		return int64(le.Uint32(b[4*i:]))
	}
	return int64(le.Uint64(b[8*i:])) // int64, uint64
}

// half widens a float16 or bfloat16 bit pattern to float32.
func half(dt DType, h uint16) float32 {
	if dt == BFloat16 {
		return math.Float32frombits(uint32(h) << 16)
	}
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
