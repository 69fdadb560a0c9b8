// Package wasmbin reads the byte-level encoding of WebAssembly binaries:
// bytes, LEB128 numbers, counts, names, value types and limits. Every read
// is bounded by the slice it was given; the first error sticks and says at
// which byte and what went wrong, so callers read a whole section and check
// Err once.
package wasmbin

import "fmt"

// Error is a decoding failure at byte Offset of the decoder's slice.
type Error struct {
	Offset int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("%s at byte %d", e.Msg, e.Offset) }

// Decoder reads from B starting at Pos. Reads never go past len(B): to
// bound a section, give the decoder B[:end].
type Decoder struct {
	B   []byte
	Pos int
	Err error
}

// New returns a decoder of b that starts reading at pos.
func New(b []byte, pos int) *Decoder { return &Decoder{B: b, Pos: pos} }

// Left is how many bytes remain.
func (d *Decoder) Left() int { return len(d.B) - d.Pos }

// Fail records an error at the current position unless one is recorded.
func (d *Decoder) Fail(format string, a ...any) {
	if d.Err == nil {
		d.Err = &Error{d.Pos, fmt.Sprintf(format, a...)}
	}
}

func (d *Decoder) failAt(pos int, format string, a ...any) {
	if d.Err == nil {
		d.Err = &Error{pos, fmt.Sprintf(format, a...)}
	}
}

// Byte reads one byte; 0 after an error.
func (d *Decoder) Byte() byte {
	if d.Err != nil {
		return 0
	}
	if d.Pos >= len(d.B) {
		d.Fail("unexpected end: the data ends in the middle of a value")
		return 0
	}
	c := d.B[d.Pos]
	d.Pos++
	return c
}

// Skip moves past n bytes, which must be there.
func (d *Decoder) Skip(n uint64) {
	if d.Err != nil {
		return
	}
	if n > uint64(d.Left()) {
		d.Fail("unexpected end: %d bytes to skip but %d left", n, d.Left())
		return
	}
	d.Pos += int(n)
}

// Uleb reads an unsigned LEB128 number of at most bits bits (32 or 64).
func (d *Decoder) Uleb(bits uint) uint64 {
	start := d.Pos
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c := d.Byte()
		if d.Err != nil {
			return 0
		}
		if shift >= bits || (shift+7 > bits && uint64(c&0x7f)>>(bits-shift) != 0) {
			d.failAt(start, "integer too large for %d bits", bits)
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
}

// U32 reads an unsigned 32-bit LEB128 number.
func (d *Decoder) U32() uint32 { return uint32(d.Uleb(32)) }

// S32 reads a signed 32-bit LEB128 number (the immediate of i32.const).
func (d *Decoder) S32() int32 {
	start := d.Pos
	var v int64
	for shift := uint(0); ; shift += 7 {
		c := d.Byte()
		if d.Err != nil {
			return 0
		}
		if shift >= 35 {
			d.failAt(start, "signed integer too large for 32 bits")
			return 0
		}
		v |= int64(c&0x7f) << shift
		if c&0x80 == 0 {
			if shift+7 < 64 && c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			if v != int64(int32(v)) {
				d.failAt(start, "signed integer too large for 32 bits")
				return 0
			}
			return int32(v)
		}
	}
}

// Count reads a vector length. Each item takes at least one byte, so a
// count beyond the bytes left is an error (and never a long loop).
func (d *Decoder) Count() int {
	start := d.Pos
	n := d.U32()
	if d.Err != nil {
		return 0
	}
	if uint64(n) > uint64(d.Left()) {
		d.failAt(start, "a count of %d is more than the %d bytes left", n, d.Left())
		return 0
	}
	return int(n)
}

// Name reads a length-prefixed name.
func (d *Decoder) Name() string {
	start := d.Pos
	n := d.U32()
	if d.Err != nil {
		return ""
	}
	if uint64(n) > uint64(d.Left()) {
		d.failAt(start, "a name of %d bytes runs past the end (%d bytes left)", n, d.Left())
		return ""
	}
	s := string(d.B[d.Pos : d.Pos+int(n)])
	d.Pos += int(n)
	return s
}

// ValType reads a value type, including the typed references (0x63, 0x64)
// whose heap type follows as a signed LEB128.
func (d *Decoder) ValType() byte {
	t := d.Byte()
	if t == 0x63 || t == 0x64 {
		for d.Err == nil && d.Byte()&0x80 != 0 {
		}
	}
	return t
}

// ValTypes reads a vector of value types.
func (d *Decoder) ValTypes() []byte {
	n := d.Count()
	out := make([]byte, 0, n)
	for ; n > 0 && d.Err == nil; n-- {
		out = append(out, d.ValType())
	}
	return out
}

// Limits are memory or table limits, in pages for a memory.
type Limits struct {
	Flags      byte
	Min, Max   uint64
	HasMax     bool // flag bit 0
	Shared     bool // flag bit 1 (threads)
	Is64       bool // flag bit 2 (memory64)
	CustomPage bool // flag bit 3 (custom page sizes)
}

// Limits reads memory or table limits.
func (d *Decoder) Limits() Limits {
	flag := d.Byte()
	if flag > 0x0f {
		d.failAt(d.Pos-1, "invalid limits flag 0x%02x", flag)
		return Limits{}
	}
	l := Limits{Flags: flag, HasMax: flag&1 != 0, Shared: flag&2 != 0, Is64: flag&4 != 0, CustomPage: flag&8 != 0}
	bits := uint(32)
	if l.Is64 {
		bits = 64
	}
	l.Min = d.Uleb(bits)
	if l.HasMax {
		l.Max = d.Uleb(bits)
	}
	if l.CustomPage {
		d.U32() // page size log2
	}
	return l
}

// Section reads the header of the section at d.Pos and returns its id,
// the byte it starts at and a decoder bounded by its body; d moves past
// the section. ok is false at the end of d, or after an error (in d.Err).
func (d *Decoder) Section() (id byte, start int, body *Decoder, ok bool) {
	if d.Err != nil || d.Pos >= len(d.B) {
		return 0, d.Pos, nil, false
	}
	start = d.Pos
	id = d.Byte()
	size := d.U32()
	if d.Err != nil {
		return id, start, nil, false
	}
	if uint64(size) > uint64(d.Left()) {
		d.failAt(start, "section %d claims %d bytes but %d are left", id, size, d.Left())
		return id, start, nil, false
	}
	body = New(d.B[:d.Pos+int(size)], d.Pos)
	d.Pos += int(size)
	return id, start, body, true
}
