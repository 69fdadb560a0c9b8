package modules

import (
	"errors"
	"fmt"
)

// reader reads the parts of a WebAssembly binary that SharedMemoryPatch and
// ThreadsLayout need; every read is bounded by the module's length.
type reader struct {
	b   []byte
	i   int
	err error
}

func (r *reader) byte() byte {
	if r.i >= len(r.b) {
		if r.err == nil {
			r.err = errors.New("the module ends in the middle of a section")
		}
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := r.byte()
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	if r.err == nil {
		r.err = fmt.Errorf("a LEB128 number at byte %d is too long", r.i)
	}
	return v
}

// count reads a vector length: each item takes at least one byte, so a
// count beyond the bytes left is an error (and no long loop).
func (r *reader) count() int {
	n := r.uleb()
	if n > uint64(len(r.b)-r.i) {
		if r.err == nil {
			r.err = fmt.Errorf("a count of %d at byte %d is more than the %d bytes left", n, r.i, len(r.b)-r.i)
		}
		return 0
	}
	return int(n)
}

func (r *reader) name() string {
	u := r.uleb()
	if u > uint64(len(r.b)-r.i) {
		if r.err == nil {
			r.err = fmt.Errorf("a name at byte %d runs past the end", r.i)
		}
		return ""
	}
	n := int(u)
	r.i += n
	return string(r.b[r.i-n : r.i])
}

func (r *reader) limits() {
	if r.byte()&1 != 0 {
		r.uleb()
		r.uleb()
		return
	}
	r.uleb()
}
