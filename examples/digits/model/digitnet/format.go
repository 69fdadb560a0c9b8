package digitnet

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
)

// Errors are built with strconv rather than fmt: fmt would add about 0.5 MB
// to the WebAssembly module.
func itoa(v int) string { return strconv.Itoa(v) }

// The weights file (weights/digits.bin), all integers and floats little-endian:
//
//	offset  size  field
//	0       8     magic "PWDIGIT1"
//	8       4     uint32 C1, channels of the first convolution
//	12      4     uint32 C2, channels of the second convolution
//	16      4     uint32 Hidden, units of the hidden dense layer
//	20      ...   float32 tensors, in this order, each row-major:
//	              conv1.weight C1×1×5×5, conv1.bias C1,
//	              conv2.weight C2×C1×5×5, conv2.bias C2,
//	              fc1.weight Hidden×(C2·4·4), fc1.bias Hidden,
//	              fc2.weight 10×Hidden, fc2.bias 10
//
// The file ends right after the last tensor.
const (
	Magic      = "PWDIGIT1"
	headerLen  = len(Magic) + 3*4
	maxChannel = 1024 // limit on C1, C2 and Hidden
)

// Marshal encodes n in the weights file format.
func (n *Net) Marshal() []byte {
	b := make([]byte, 0, headerLen+4*n.paramCount())
	b = append(b, Magic...)
	for _, v := range []int{n.C1, n.C2, n.Hidden} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	for _, t := range n.tensors() {
		for _, v := range *t.data {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return b
}

func (n *Net) paramCount() int {
	c := 0
	for _, t := range n.tensors() {
		c += t.size()
	}
	return c
}

// Unmarshal decodes a weights file. Its errors give the offset and what was
// expected there.
func Unmarshal(b []byte) (*Net, error) {
	if len(b) < headerLen {
		return nil, errors.New("weights: file is " + itoa(len(b)) + " bytes, shorter than the " + itoa(headerLen) + "-byte header; is this a digits weights file?")
	}
	if string(b[:len(Magic)]) != Magic {
		return nil, errors.New("weights: offset 0: magic " + strconv.Quote(string(b[:len(Magic)])) + ", want " + strconv.Quote(Magic) + "; this is not a digits weights file (regenerate it with `go generate ./examples/digits/...`)")
	}
	var dims [3]int
	for i, name := range []string{"C1", "C2", "Hidden"} {
		off := len(Magic) + 4*i
		v := binary.LittleEndian.Uint32(b[off:])
		if v == 0 || v > maxChannel {
			return nil, errors.New("weights: offset " + itoa(off) + ": " + name + " = " + strconv.FormatUint(uint64(v), 10) + ", want 1 to " + itoa(maxChannel))
		}
		dims[i] = int(v)
	}
	n := &Net{C1: dims[0], C2: dims[1], Hidden: dims[2]}
	want := headerLen + 4*n.paramCount()
	if len(b) != want {
		return nil, errors.New("weights: file is " + itoa(len(b)) + " bytes; a network with C1=" + itoa(n.C1) + " C2=" + itoa(n.C2) + " Hidden=" + itoa(n.Hidden) +
			" needs " + itoa(want) + " (" + offBy(len(b)-want) + "); the file is truncated or from another version")
	}
	off := headerLen
	for _, t := range n.tensors() {
		data := make([]float32, t.size())
		for i := range data {
			data[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[off:]))
			off += 4
		}
		*t.data = data
	}
	return n, nil
}

func offBy(d int) string {
	if d < 0 {
		return itoa(-d) + " bytes short"
	}
	return itoa(d) + " bytes too many"
}
