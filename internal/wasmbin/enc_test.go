package wasmbin

import (
	"encoding/hex"
	"math"
	"testing"

	"github.com/pwagen/pwagen/internal/golden"
)

// TestLEBRoundTrip: what the encoder writes, the decoder reads back.
func TestLEBRoundTrip(t *testing.T) {
	for _, v := range []uint32{0, 1, 63, 64, 127, 128, 624485, 1<<31 - 1, 1 << 31, math.MaxUint32} {
		d := New(AppendU32(nil, v), 0)
		if got := d.U32(); got != v || d.Err != nil || d.Left() != 0 {
			t.Errorf("U32 %d: read %d, err %v, %d bytes left", v, got, d.Err, d.Left())
		}
	}
	for _, v := range []int32{0, 1, -1, 63, 64, -64, -65, 1024, math.MaxInt32, math.MinInt32} {
		d := New(AppendS64(nil, int64(v)), 0)
		if got := d.S32(); got != v || d.Err != nil || d.Left() != 0 {
			t.Errorf("S32 %d: read %d, err %v, %d bytes left", v, got, d.Err, d.Left())
		}
	}
}

// sample is a module with one of each thing the encoder writes.
func sample() []byte {
	var m Module
	m.Custom("pwagen", []byte("hello"))
	add := m.ImportFunc("kernels", "add", FuncType{Params: []byte{I32, I32, I32, I32}})
	m.Memory(2)
	g := m.GlobalI32(-5)
	var c Code
	c.I32(1024).I32(2048).I32(3072).I32(16).Call(add).
		Block().Loop().GGet(g).Op(OpI32Eqz).BrIf(1).Br(0).End().End().
		I32(8).F32Load(4).F32(1.5).Op(OpF32Max).Op(OpDrop).
		I32(8).I32Load8S(1).I32(8).I32Load8U(2).Op(OpI32Add).I32Load16U(6).Op(OpDrop).
		I32(0).I32(8).I32(4).MemoryCopy().
		F64(0.25).Op(OpDrop).I64(-1).Op(OpDrop).
		GGet(g)
	f := m.Func(FuncType{Params: []byte{I32}, Results: []byte{I32}}, []byte{I32, I32, F64}, c.B)
	m.Export("memory", KindMemory, 0)
	m.Export("run", KindFunc, f)
	m.Data(1024, []byte{1, 2, 3, 4})
	return m.Bytes()
}

// TestEncoderGolden: the sample module's bytes, as hex (update with
// -update after checking the new bytes with wasm2wat).
func TestEncoderGolden(t *testing.T) {
	b := sample()
	golden.Assert(t, []byte(hex.Dump(b)))
	if string(sample()) != string(b) {
		t.Fatal("two encodings of the same module differ")
	}
}

// TestEncoderSections: the encoded sample is a module the decoder walks
// section by section, in the spec's order.
func TestEncoderSections(t *testing.T) {
	b := sample()
	d := New(b, 8)
	var ids []byte
	for d.Left() > 0 {
		id, _, _, ok := d.Section()
		if !ok {
			t.Fatalf("section: %v", d.Err)
		}
		ids = append(ids, id)
	}
	want := []byte{0, 1, 2, 3, 5, 6, 7, 12, 10, 11}
	if string(ids) != string(want) {
		t.Fatalf("sections %v, want %v", ids, want)
	}
}
