package importer

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"github.com/pwagen/pwagen/internal/size"
	"math"
)

// The weights file of an imported model (little-endian):
//
//	offset  size  field
//	0       4     magic "PWGW"
//	4       4     uint32 version: 1, or 3 when a tensor is not float32
//	8       4     uint32 count: tensors in the table
//	12      4     uint32 reserved (0)
//	16      8     uint64 file size in bytes
//	24      8     fingerprint: the first 8 bytes of SHA-256 of the rest
//	32      table, an entry per tensor: version 1, 24 bytes: uint32 dtype
//	              (1 = float32), uint32 reserved, uint64 byte offset, uint64
//	              element count; version 3, 12 bytes: uint32 dtype (1 =
//	              float32, 2 = int8 whose scales, one per row, are the next
//	              entry, 3 = fp16, 4 = int8 row scales: a float32 base, then
//	              one byte per row, kernels.DecodeScales), uint32 byte offset,
//	              uint32 element count (dtype 4: rows)
//	…       data, each tensor at a 16-byte-aligned offset (one v128), zero padded
//
// Version 2 (24-byte entries, float32 scales) is no longer written: a
// quantized project is imported again as a whole, model code and weights
// together. The generated code holds the offsets and the fingerprint as
// constants, so a weights file from another import is refused, not
// misread.
const (
	weightsMagic   = "PWGW"
	weightsVersion = 1
	// weightsVersionQuant is the version of a file with int8 or fp16 tensors.
	weightsVersionQuant = 3
	weightsAlign        = 16
	tableEntry          = 24
	tableEntryQuant     = 12
	headerSize          = 32
)

// weightEntry is one tensor's place in the weights file.
type weightEntry struct {
	Value  *Value
	Offset int
}

// layoutWeights writes the plan's constants and returns the file and where
// each went.
func layoutWeights(ws []*Value, quant map[*Value]any) ([]byte, []weightEntry, [8]byte, error) {
	version, entry := weightsVersion, tableEntry
	for _, v := range ws {
		if weightDType(quant[v]) != 1 {
			version, entry = weightsVersionQuant, tableEntryQuant
		}
	}
	off := headerSize + entry*len(ws)
	entries := make([]weightEntry, len(ws))
	for i, v := range ws {
		off = (off + weightsAlign - 1) / weightsAlign * weightsAlign
		entries[i] = weightEntry{Value: v, Offset: off}
		off += weightBytes(quant[v], v.Len())
	}
	if off > size.Wasm32Memory || version == weightsVersionQuant && off > math.MaxUint32 {
		return nil, nil, [8]byte{}, fmt.Errorf("the weights need %d bytes (%s); pwagen's limit is %s, a wasm32 memory", off, size.Human(int64(off)), size.Human(size.Wasm32Memory-1))
	}
	b := make([]byte, off)
	copy(b, weightsMagic)
	binary.LittleEndian.PutUint32(b[4:], uint32(version))
	binary.LittleEndian.PutUint32(b[8:], uint32(len(ws)))
	binary.LittleEndian.PutUint64(b[16:], uint64(off))
	for i, e := range entries {
		t := b[headerSize+entry*i:]
		binary.LittleEndian.PutUint32(t, weightDType(quant[e.Value]))
		if version == weightsVersionQuant {
			binary.LittleEndian.PutUint32(t[4:], uint32(e.Offset))
			binary.LittleEndian.PutUint32(t[8:], uint32(e.Value.Len()))
		} else {
			binary.LittleEndian.PutUint64(t[8:], uint64(e.Offset))
			binary.LittleEndian.PutUint64(t[16:], uint64(e.Value.Len()))
		}
		switch d := quant[e.Value].(type) {
		case []int8:
			for j, x := range d {
				b[e.Offset+j] = byte(x)
			}
		case []uint16:
			for j, x := range d {
				binary.LittleEndian.PutUint16(b[e.Offset+2*j:], x)
			}
		case scales8:
			binary.LittleEndian.PutUint32(b[e.Offset:], math.Float32bits(d.base))
			copy(b[e.Offset+4:], d.codes)
		default:
			for j, x := range e.Value.Const.F[:e.Value.Len()] {
				binary.LittleEndian.PutUint32(b[e.Offset+4*j:], math.Float32bits(x))
			}
		}
	}
	sum := sha256.Sum256(b[headerSize:])
	var fp [8]byte
	copy(fp[:], sum[:8])
	copy(b[24:], fp[:])
	return b, entries, fp, nil
}

// weightDType is a tensor's dtype code in the table.
func weightDType(q any) uint32 {
	switch q.(type) {
	case []int8:
		return 2
	case []uint16:
		return 3
	case scales8:
		return 4
	}
	return 1
}

// weightBytes is the size in the file of a tensor of n values.
func weightBytes(q any, n int) int {
	switch q.(type) {
	case []int8:
		return n
	case []uint16:
		return 2 * n
	case scales8:
		return 4 + n
	}
	return 4 * n
}

// weightGoType is a tensor's Go element type and the weights.go function
// that views it.
func weightGoType(q any) (typ, view string) {
	switch q.(type) {
	case []int8:
		return "int8", "i8"
	case []uint16:
		return "uint16", "f16"
	case scales8:
		return "float32", "sc8"
	}
	return "float32", "f32"
}
