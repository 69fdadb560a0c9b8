package wasmbin

import (
	"fmt"
	"strings"
	"testing"
)

// TestDecoder: each read on good bytes gives the value; on bad bytes the
// error names what and the byte where the bad value starts.
func TestDecoder(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		read func(d *Decoder) any
		want any
		err  string // substring of the error; "" for none
	}{
		{"byte", []byte{7}, func(d *Decoder) any { return d.Byte() }, byte(7), ""},
		{"byte at end", nil, func(d *Decoder) any { return d.Byte() }, byte(0), "unexpected end: the data ends in the middle of a value at byte 0"},
		{"u32", []byte{0xe5, 0x8e, 0x26}, func(d *Decoder) any { return d.U32() }, uint32(624485), ""},
		{"u32 max", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, func(d *Decoder) any { return d.U32() }, uint32(1<<32 - 1), ""},
		{"u32 too large", []byte{0xff, 0xff, 0xff, 0xff, 0x1f}, func(d *Decoder) any { return d.U32() }, uint32(0), "integer too large for 32 bits at byte 0"},
		{"u32 too long", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0}, func(d *Decoder) any { return d.U32() }, uint32(0), "integer too large for 32 bits at byte 0"},
		{"u32 cut", []byte{0x80, 0x80}, func(d *Decoder) any { return d.U32() }, uint32(0), "unexpected end: the data ends in the middle of a value at byte 2"},
		{"u64", []byte{0x80, 0x80, 0x80, 0x80, 0x10}, func(d *Decoder) any { return d.Uleb(64) }, uint64(1 << 32), ""},
		{"s32 negative", []byte{0x7f}, func(d *Decoder) any { return d.S32() }, int32(-1), ""},
		{"s32 min", []byte{0x80, 0x80, 0x80, 0x80, 0x78}, func(d *Decoder) any { return d.S32() }, int32(-1 << 31), ""},
		{"s32 1024", []byte{0x80, 0x08}, func(d *Decoder) any { return d.S32() }, int32(1024), ""},
		{"s32 too large", []byte{0x80, 0x80, 0x80, 0x80, 0x08}, func(d *Decoder) any { return d.S32() }, int32(0), "signed integer too large for 32 bits at byte 0"},
		{"count", []byte{2, 0, 0}, func(d *Decoder) any { return d.Count() }, 2, ""},
		{"count past end", []byte{5, 0}, func(d *Decoder) any { return d.Count() }, 0, "a count of 5 is more than the 1 bytes left at byte 0"},
		{"name", []byte{3, 'e', 'n', 'v'}, func(d *Decoder) any { return d.Name() }, "env", ""},
		{"name past end", []byte{9, 'e'}, func(d *Decoder) any { return d.Name() }, "", "a name of 9 bytes runs past the end (1 bytes left) at byte 0"},
		{"valtypes", []byte{2, 0x7f, 0x64, 0x70}, func(d *Decoder) any { return string(d.ValTypes()) }, "\x7f\x64", ""},
		{"skip past end", []byte{1}, func(d *Decoder) any { d.Skip(2); return d.Pos }, 0, "unexpected end: 2 bytes to skip but 1 left at byte 0"},
		{"limits shared", []byte{3, 1, 16}, func(d *Decoder) any { return d.Limits() }, Limits{Flags: 3, Min: 1, Max: 16, HasMax: true, Shared: true}, ""},
		{"limits memory64", []byte{4, 0x80, 0x80, 0x80, 0x80, 0x10}, func(d *Decoder) any { return d.Limits() }, Limits{Flags: 4, Min: 1 << 32, Is64: true}, ""},
		{"limits custom page", []byte{8, 1, 0}, func(d *Decoder) any { return d.Limits() }, Limits{Flags: 8, Min: 1, CustomPage: true}, ""},
		{"limits bad flag", []byte{0x10, 1}, func(d *Decoder) any { return d.Limits() }, Limits{}, "invalid limits flag 0x10 at byte 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(tt.b, 0)
			got := tt.read(d)
			if got != tt.want {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
			switch {
			case tt.err == "" && d.Err != nil:
				t.Errorf("error %v, want none", d.Err)
			case tt.err != "" && (d.Err == nil || !strings.Contains(d.Err.Error(), tt.err)):
				t.Errorf("error %v, want %q", d.Err, tt.err)
			}
		})
	}
}

// TestSection: sections come out in order, each bounded by its size; a
// size past the end is an error at the section's first byte.
func TestSection(t *testing.T) {
	d := New([]byte{1, 2, 0xaa, 0xbb, 5, 0, 11, 9, 1}, 0)
	var got []string
	for {
		id, start, body, ok := d.Section()
		if !ok {
			break
		}
		got = append(got, fmt.Sprintf("%d@%d:%x", id, start, body.B[body.Pos:]))
	}
	if want := "1@0:aabb 5@4:"; strings.Join(got, " ") != want {
		t.Errorf("sections %q, want %q", strings.Join(got, " "), want)
	}
	if d.Err == nil || d.Err.Error() != "section 11 claims 9 bytes but 1 are left at byte 6" {
		t.Errorf("error %v, want the section at byte 6", d.Err)
	}
}

// TestErrorSticks: after the first error every read gives zero and the
// error stays the first one.
func TestErrorSticks(t *testing.T) {
	d := New([]byte{0x80}, 0)
	d.U32()
	first := d.Err
	if first == nil {
		t.Fatal("no error for a cut number")
	}
	if d.Byte() != 0 || d.Name() != "" || d.Count() != 0 || d.Err != first {
		t.Errorf("reads after an error: err %v, want %v", d.Err, first)
	}
}

// FuzzDecoder: any bytes, read as any mix of values, end in a value or an
// error, never a panic, a read past the slice or a position going back.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0, 1, 3, 'e', 'n', 'v', 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{5, 4, 3, 2, 1, 0, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		ops, data := b[:len(b)/2], b[len(b)/2:]
		d := New(data, 0)
		for _, op := range ops {
			pos := d.Pos
			switch op % 10 {
			case 0:
				d.Byte()
			case 1:
				d.U32()
			case 2:
				d.Uleb(64)
			case 3:
				d.S32()
			case 4:
				d.Count()
			case 5:
				d.Name()
			case 6:
				d.ValTypes()
			case 7:
				d.Limits()
			case 8:
				d.Skip(uint64(op))
			case 9:
				if _, _, body, ok := d.Section(); ok && (body.Pos > len(body.B) || len(body.B) > len(data)) {
					t.Fatalf("section body %d..%d outside the data (%d bytes)", body.Pos, len(body.B), len(data))
				}
			}
			if d.Pos < pos || d.Pos > len(data) {
				t.Fatalf("position %d after %d, with %d bytes", d.Pos, pos, len(data))
			}
			if d.Err != nil {
				var e *Error
				if !asError(d.Err, &e) || e.Offset < 0 || e.Offset > len(data) {
					t.Fatalf("error %v: want an *Error within the data", d.Err)
				}
			}
		}
	})
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}
