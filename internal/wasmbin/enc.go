package wasmbin

import (
	"encoding/binary"
	"math"
	"strings"
)

// The encoder: a Module collects types, imports, functions, one memory,
// globals, exports and data, and Bytes writes them in the binary format.
// Nothing depends on map order, so the same calls give the same bytes.

// Value types.
const (
	I32 byte = 0x7f
	I64 byte = 0x7e
	F32 byte = 0x7d
	F64 byte = 0x7c
)

// FuncType is a function signature.
type FuncType struct{ Params, Results []byte }

func (t FuncType) key() string { return string(t.Params) + "|" + string(t.Results) }

// Module is a WebAssembly module under construction. Imports must all be
// added before the first Func, so that function indices stay fixed.
type Module struct {
	types   []FuncType
	imports []funcImport
	funcs   []funcBody
	memMin  uint32
	hasMem  bool
	globals []global
	exports []export
	data    []dataSeg
	custom  []dataSeg // name in b[:off], content after
}

type funcImport struct {
	module, name string
	typ          uint32
}

type funcBody struct {
	typ    uint32
	locals []byte
	code   []byte
}

type global struct {
	typ  byte
	mut  bool
	init int64
}

type export struct {
	name string
	kind byte
	idx  uint32
}

type dataSeg struct {
	off uint32
	b   []byte
}

// Type returns the index of a signature, adding it the first time.
func (m *Module) Type(t FuncType) uint32 {
	for i, u := range m.types {
		if u.key() == t.key() {
			return uint32(i)
		}
	}
	m.types = append(m.types, t)
	return uint32(len(m.types) - 1)
}

// ImportFunc imports a function and returns its index.
func (m *Module) ImportFunc(module, name string, t FuncType) uint32 {
	if len(m.funcs) > 0 {
		panic("wasmbin: ImportFunc after Func")
	}
	m.imports = append(m.imports, funcImport{module, name, m.Type(t)})
	return uint32(len(m.imports) - 1)
}

// Func defines a function with extra locals (after the parameters) and
// its body (without the final end, which Bytes adds). It returns its index.
func (m *Module) Func(t FuncType, locals []byte, code []byte) uint32 {
	m.funcs = append(m.funcs, funcBody{m.Type(t), locals, code})
	return uint32(len(m.imports) + len(m.funcs) - 1)
}

// SetFunc replaces the body of function idx (defined, not imported): for
// functions that call each other, declare first, fill in later.
func (m *Module) SetFunc(idx uint32, locals, code []byte) {
	f := &m.funcs[int(idx)-len(m.imports)]
	f.locals, f.code = locals, code
}

// Memory defines the module's memory with a minimum of min 64 KiB pages
// and no maximum.
func (m *Module) Memory(min uint32) { m.memMin, m.hasMem = min, true }

// GlobalI32 defines a mutable i32 global and returns its index.
func (m *Module) GlobalI32(init int32) uint32 {
	m.globals = append(m.globals, global{I32, true, int64(init)})
	return uint32(len(m.globals) - 1)
}

// Export kinds.
const (
	KindFunc   byte = 0
	KindMemory byte = 2
)

// Export exports a function or the memory under name.
func (m *Module) Export(name string, kind byte, idx uint32) {
	m.exports = append(m.exports, export{name, kind, idx})
}

// Data places b at byte offset off of the memory when the module starts.
func (m *Module) Data(off uint32, b []byte) { m.data = append(m.data, dataSeg{off, b}) }

// Custom adds a custom section; custom sections come first, right after
// the header, where a reader of the file's first bytes sees them.
func (m *Module) Custom(name string, data []byte) {
	m.custom = append(m.custom, dataSeg{uint32(len(name)), append([]byte(name), data...)})
}

// Bytes encodes the module.
func (m *Module) Bytes() []byte {
	out := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	for _, c := range m.custom {
		b := AppendName(nil, string(c.b[:c.off]))
		b = append(b, c.b[c.off:]...)
		out = append(out, 0)
		out = AppendU32(out, uint32(len(b)))
		out = append(out, b...)
	}
	section := func(id byte, n int, body func(b []byte) []byte) {
		if n == 0 {
			return
		}
		b := AppendU32(nil, uint32(n))
		b = body(b)
		out = append(out, id)
		out = AppendU32(out, uint32(len(b)))
		out = append(out, b...)
	}
	section(1, len(m.types), func(b []byte) []byte {
		for _, t := range m.types {
			b = append(b, 0x60)
			b = appendVec(b, t.Params)
			b = appendVec(b, t.Results)
		}
		return b
	})
	section(2, len(m.imports), func(b []byte) []byte {
		for _, im := range m.imports {
			b = AppendName(b, im.module)
			b = AppendName(b, im.name)
			b = append(b, KindFunc)
			b = AppendU32(b, im.typ)
		}
		return b
	})
	section(3, len(m.funcs), func(b []byte) []byte {
		for _, f := range m.funcs {
			b = AppendU32(b, f.typ)
		}
		return b
	})
	if m.hasMem {
		section(5, 1, func(b []byte) []byte { return AppendU32(append(b, 0), m.memMin) })
	}
	section(6, len(m.globals), func(b []byte) []byte {
		for _, g := range m.globals {
			b = append(b, g.typ, boolByte(g.mut), 0x41)
			b = AppendS64(b, g.init)
			b = append(b, 0x0b)
		}
		return b
	})
	section(7, len(m.exports), func(b []byte) []byte {
		for _, e := range m.exports {
			b = AppendName(b, e.name)
			b = append(b, e.kind)
			b = AppendU32(b, e.idx)
		}
		return b
	})
	if len(m.data) > 0 {
		// The data count section: memory.copy needs it in a module that
		// also has data (bulk memory validation).
		section(12, len(m.data), func(b []byte) []byte { return b })
	}
	section(10, len(m.funcs), func(b []byte) []byte {
		for _, f := range m.funcs {
			body := appendLocals(nil, f.locals)
			body = append(body, f.code...)
			body = append(body, 0x0b)
			b = AppendU32(b, uint32(len(body)))
			b = append(b, body...)
		}
		return b
	})
	section(11, len(m.data), func(b []byte) []byte {
		for _, d := range m.data {
			b = append(b, 0, 0x41)
			b = AppendS64(b, int64(int32(d.off)))
			b = append(b, 0x0b)
			b = AppendU32(b, uint32(len(d.b)))
			b = append(b, d.b...)
		}
		return b
	})
	return out
}

// The data count section (id 12) must come before the code section (10):
// sections are ordered by their place in the spec, not by id, and Bytes
// writes them in that order.

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func appendVec(b, ts []byte) []byte {
	b = AppendU32(b, uint32(len(ts)))
	return append(b, ts...)
}

// appendLocals writes locals as runs of one type.
func appendLocals(b, ls []byte) []byte {
	var runs [][2]uint32
	for _, t := range ls {
		if n := len(runs); n > 0 && runs[n-1][1] == uint32(t) {
			runs[n-1][0]++
			continue
		}
		runs = append(runs, [2]uint32{1, uint32(t)})
	}
	b = AppendU32(b, uint32(len(runs)))
	for _, r := range runs {
		b = AppendU32(b, r[0])
		b = append(b, byte(r[1]))
	}
	return b
}

// AppendU32 appends v as unsigned LEB128.
func AppendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// AppendS64 appends v as signed LEB128.
func AppendS64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// AppendName appends a UTF-8 name with its length.
func AppendName(b []byte, s string) []byte {
	b = AppendU32(b, uint32(len(s)))
	return append(b, s...)
}

// Code builds a function body instruction by instruction.
type Code struct{ B []byte }

// Opcodes Code uses by name; the rest go through Op.
const (
	OpBlock     = 0x02
	OpLoop      = 0x03
	OpIf        = 0x04
	OpElse      = 0x05
	OpEnd       = 0x0b
	OpBr        = 0x0c
	OpBrIf      = 0x0d
	OpReturn    = 0x0f
	OpDrop      = 0x1a
	OpI32Eqz    = 0x45
	OpI32Eq     = 0x46
	OpI32Ne     = 0x47
	OpI32LtS    = 0x48
	OpI32LtU    = 0x49
	OpI32GtU    = 0x4b
	OpI32LeU    = 0x4d
	OpI64Ne     = 0x52
	OpI32Add    = 0x6a
	OpI32Sub    = 0x6b
	OpI32Mul    = 0x6c
	OpI32DivU   = 0x6e
	OpF32Max    = 0x97
	OpF64Add    = 0xa0
	OpF64Div    = 0xa3
	OpF32Demote = 0xb6
	OpF64Promo  = 0xbb
	blockVoid   = 0x40
)

// Op appends raw opcodes.
func (c *Code) Op(ops ...byte) *Code { c.B = append(c.B, ops...); return c }

// I32 pushes an i32 constant.
func (c *Code) I32(v int32) *Code { c.B = AppendS64(append(c.B, 0x41), int64(v)); return c }

// F64 pushes an f64 constant.
func (c *Code) F64(v float64) *Code {
	c.B = binary.LittleEndian.AppendUint64(append(c.B, 0x44), math.Float64bits(v))
	return c
}

// F32 pushes an f32 constant.
func (c *Code) F32(v float32) *Code {
	c.B = binary.LittleEndian.AppendUint32(append(c.B, 0x43), math.Float32bits(v))
	return c
}

func (c *Code) idx(op byte, i uint32) *Code { c.B = AppendU32(append(c.B, op), i); return c }

// Call calls function i.
func (c *Code) Call(i uint32) *Code { return c.idx(0x10, i) }

// Get, Set and Tee are local.get, local.set and local.tee.
func (c *Code) Get(i uint32) *Code { return c.idx(0x20, i) }
func (c *Code) Set(i uint32) *Code { return c.idx(0x21, i) }
func (c *Code) Tee(i uint32) *Code { return c.idx(0x22, i) }

// GGet and GSet are global.get and global.set.
func (c *Code) GGet(i uint32) *Code { return c.idx(0x23, i) }
func (c *Code) GSet(i uint32) *Code { return c.idx(0x24, i) }

// Br and BrIf branch to the label depth levels out.
func (c *Code) Br(depth uint32) *Code   { return c.idx(OpBr, depth) }
func (c *Code) BrIf(depth uint32) *Code { return c.idx(OpBrIf, depth) }

// Block, Loop and If open a structure without results; End closes it.
func (c *Code) Block() *Code { return c.Op(OpBlock, blockVoid) }
func (c *Code) Loop() *Code  { return c.Op(OpLoop, blockVoid) }
func (c *Code) If() *Code    { return c.Op(OpIf, blockVoid) }
func (c *Code) End() *Code   { return c.Op(OpEnd) }

// mem appends a load or store with its alignment (log2) and offset.
func (c *Code) mem(op byte, align, off uint32) *Code {
	c.B = AppendU32(AppendU32(append(c.B, op), align), off)
	return c
}

// Loads and stores at the address on the stack plus off.
func (c *Code) I32Load(off uint32) *Code  { return c.mem(0x28, 2, off) }
func (c *Code) I64Load(off uint32) *Code  { return c.mem(0x29, 3, off) }
func (c *Code) F32Load(off uint32) *Code  { return c.mem(0x2a, 2, off) }
func (c *Code) I32Store(off uint32) *Code { return c.mem(0x36, 2, off) }
func (c *Code) F32Store(off uint32) *Code { return c.mem(0x38, 2, off) }

// Narrow loads to an i32: a signed or unsigned byte, an unsigned 16-bit
// value (the int8 and fp16 weights).
func (c *Code) I32Load8S(off uint32) *Code  { return c.mem(0x2c, 0, off) }
func (c *Code) I32Load8U(off uint32) *Code  { return c.mem(0x2d, 0, off) }
func (c *Code) I32Load16U(off uint32) *Code { return c.mem(0x2f, 1, off) }

// MemorySize, MemoryGrow, MemoryCopy (dst, src, n on the stack).
func (c *Code) MemorySize() *Code { return c.Op(0x3f, 0) }
func (c *Code) MemoryGrow() *Code { return c.Op(0x40, 0) }
func (c *Code) MemoryCopy() *Code { return c.Op(0xfc, 10, 0, 0) }

// Names of value types, for messages and dumps.
func TypeName(t byte) string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	}
	return "?"
}

// String prints a signature as (i32, i32) -> (f32).
func (t FuncType) String() string {
	names := func(ts []byte) string {
		var s []string
		for _, v := range ts {
			s = append(s, TypeName(v))
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return names(t.Params) + " -> " + names(t.Results)
}

// I64 pushes an i64 constant.
func (c *Code) I64(v int64) *Code { c.B = AppendS64(append(c.B, 0x42), v); return c }
