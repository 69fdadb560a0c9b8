package validate

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// This file decodes a WebAssembly binary only as far as validate needs: the
// section layout, the types of functions, imports, exports, memories and the
// markers of proposals wazero cannot compile (memory64, GC, multi-memory,
// custom page sizes). Code bodies are left to wazero.

// FormatError says why some bytes are not a WebAssembly module, and where.
type FormatError struct {
	Offset int    // byte offset of the problem
	Msg    string // what is wrong
}

func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return e.Msg
	}
	return fmt.Sprintf("%s (at byte %d)", e.Msg, e.Offset)
}

// Value types of the binary format.
const (
	valI32  = 0x7f
	valI64  = 0x7e
	valF32  = 0x7d
	valF64  = 0x7c
	valV128 = 0x7b
)

type funcType struct {
	params, results []byte
}

// memInfo is one memory, imported or defined, in pages of 64 KiB.
type memInfo struct {
	Min, Max   uint64
	HasMax     bool
	Shared     bool
	Is64       bool
	CustomPage bool
	Where      string // "import env.memory" or "memory[0]"
}

// Import is one import of the module.
type Import struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	Kind   string `json:"-"` // func, table, memory, global, tag
	typ    uint32
}

// Export is one export of the module.
type Export struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"` // func, table, memory, global, tag
	index uint32
}

// modInfo is what the decoder learned.
type modInfo struct {
	types      []*funcType // nil for non-function (GC) types
	imports    []Import
	exports    []Export
	funcs      []uint32 // type index of every function, imported ones first
	memories   []memInfo
	unknown    []unsupported // proposals wazero v1.12 cannot compile
	typesKnown bool          // false when the type section holds GC types
}

// unsupported is a proposal the module uses that wazero cannot compile.
type unsupported struct {
	Feature string // name as in the browser table, e.g. "memory64"
	Where   string
}

var kindNames = [...]string{"func", "table", "memory", "global", "tag"}

func kindName(k byte) string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind 0x%02x", k)
}

var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "data count", "tag"}

func sectionName(id byte) string {
	if int(id) < len(sectionNames) {
		return sectionNames[id] + " section"
	}
	return fmt.Sprintf("section %d", id)
}

// decode reads the module structure. Any error is a *FormatError.
func decode(b []byte) (*modInfo, error) {
	if len(b) == 0 {
		return nil, &FormatError{-1, "the file is empty, not a WebAssembly module"}
	}
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		if len(b) >= 4 && string(b[:4]) == "\x00asm" {
			return nil, &FormatError{-1, fmt.Sprintf("truncated: %d bytes, shorter than the 8-byte WebAssembly header", len(b))}
		}
		return nil, &FormatError{-1, "not a WebAssembly module: it does not start with the bytes \\0asm" + looksLike(b)}
	}
	switch v := b[4:8]; {
	case string(v) == "\x01\x00\x00\x00":
	case v[2] == 1 && v[3] == 0:
		return nil, &FormatError{4, "a WebAssembly component (component model), not a core module; browsers load core modules only"}
	default:
		return nil, &FormatError{4, fmt.Sprintf("unknown WebAssembly binary version %x (want 01000000)", v)}
	}
	d := &decoder{b: b, pos: 8}
	m := &modInfo{typesKnown: true}
	for d.pos < len(b) {
		start := d.pos
		id := d.byte()
		size := d.u32()
		if d.err != nil {
			return nil, &FormatError{start, "truncated: the file ends inside a section header"}
		}
		end := d.pos + int(size)
		if int(size) > len(b)-d.pos {
			return nil, &FormatError{start, fmt.Sprintf("truncated: the %s claims %d bytes but the file ends %d bytes later", sectionName(id), size, len(b)-d.pos)}
		}
		sd := &decoder{b: b[:end], pos: d.pos}
		if err := m.section(sd, id); err != nil {
			return nil, err
		}
		if sd.err != nil {
			return nil, sd.fail(start, "malformed "+sectionName(id))
		}
		d.pos = end
	}
	m.features()
	return m, nil
}

func (m *modInfo) section(d *decoder, id byte) error {
	switch id {
	case 1:
		m.typeSection(d)
	case 2:
		m.importSection(d)
	case 3:
		for n := d.u32(); n > 0 && d.err == nil; n-- {
			m.funcs = append(m.funcs, d.u32())
		}
	case 5:
		for i, n := 0, d.u32(); uint32(i) < n && d.err == nil; i++ {
			mem := d.limits()
			mem.Where = fmt.Sprintf("memory section, memory[%d]", len(m.memories))
			m.memories = append(m.memories, mem)
		}
	case 7:
		for n := d.u32(); n > 0 && d.err == nil; n-- {
			e := Export{Name: d.name()}
			k := d.byte()
			e.Kind, e.index = kindName(k), d.u32()
			m.exports = append(m.exports, e)
		}
	case 13:
		m.unknownOnce("exception-handling", "tag section")
	case 0, 4, 6, 8, 9, 10, 11, 12:
		// Left to wazero.
	default:
		return &FormatError{d.pos, fmt.Sprintf("unknown section id %d", id)}
	}
	return nil
}

func (m *modInfo) typeSection(d *decoder) {
	n := d.u32()
	for i := uint32(0); i < n && d.err == nil; i++ {
		switch form := d.byte(); form {
		case 0x60:
			ft := &funcType{params: d.valTypes(), results: d.valTypes()}
			m.types = append(m.types, ft)
		case 0x4e, 0x50, 0x4f, 0x5e, 0x5f:
			// rec, sub, sub final, array, struct: the GC proposal. Stop here:
			// its encoding is not worth decoding to report "cannot validate".
			m.unknown = append(m.unknown, unsupported{"gc", fmt.Sprintf("type section, type[%d]", i)})
			m.typesKnown = false
			d.pos = len(d.b)
			return
		default:
			d.setErr(fmt.Errorf("type[%d]: unknown type form 0x%02x", i, form))
		}
	}
}

func (m *modInfo) importSection(d *decoder) {
	for n := d.u32(); n > 0 && d.err == nil; n-- {
		im := Import{Module: d.name(), Name: d.name()}
		k := d.byte()
		im.Kind = kindName(k)
		switch k {
		case 0:
			im.typ = d.u32()
			m.funcs = append(m.funcs, im.typ)
		case 1:
			d.valType()
			d.limits()
		case 2:
			mem := d.limits()
			mem.Where = fmt.Sprintf("import %s.%s", im.Module, im.Name)
			m.memories = append(m.memories, mem)
		case 3:
			d.valType()
			d.byte()
		case 4:
			d.byte()
			im.typ = d.u32()
			m.unknownOnce("exception-handling", fmt.Sprintf("import %s.%s (a tag)", im.Module, im.Name))
		default:
			d.setErr(fmt.Errorf("import %s.%s: unknown import kind 0x%02x", im.Module, im.Name, k))
		}
		m.imports = append(m.imports, im)
	}
}

// features records the proposals visible in the memory declarations.
func (m *modInfo) features() {
	for i, mem := range m.memories {
		if mem.Is64 {
			m.unknown = append(m.unknown, unsupported{"memory64", mem.Where})
		}
		if mem.CustomPage {
			m.unknown = append(m.unknown, unsupported{"custom-page-sizes", mem.Where})
		}
		if i == 1 {
			m.unknown = append(m.unknown, unsupported{"multi-memory", mem.Where})
		}
	}
}

func (m *modInfo) unknownOnce(feature, where string) {
	for _, u := range m.unknown {
		if u.Feature == feature {
			return
		}
	}
	m.unknown = append(m.unknown, unsupported{feature, where})
}

// funcSigOfType returns type index t, or nil when it is no known
// function type.
func (m *modInfo) funcSigOfType(t uint32) *funcType {
	if int(t) >= len(m.types) {
		return nil
	}
	return m.types[t]
}

// funcSig returns the type of function index i, or nil when unknown.
func (m *modInfo) funcSig(i uint32) *funcType {
	if int(i) >= len(m.funcs) {
		return nil
	}
	t := m.funcs[i]
	if int(t) >= len(m.types) {
		return nil
	}
	return m.types[t]
}

// looksLike names what a non-wasm file probably is, for the error message.
func looksLike(b []byte) string {
	head := b[:min(len(b), 512)]
	switch {
	case len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b:
		return " (it is gzip-compressed: decompress it first)"
	case len(b) >= 4 && string(b[:4]) == "\x7fELF":
		return " (it is an ELF executable: build with GOOS=wasip1 GOARCH=wasm)"
	case utf8.Valid(head) || utf8.Valid(head[:max(0, len(head)-3)]):
		return " (it looks like a text file)"
	}
	return ""
}

// decoder reads LEB128 and friends; the first error sticks.
type decoder struct {
	b   []byte
	pos int
	err error
}

var errEOF = errors.New("unexpected end")

func (d *decoder) setErr(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) fail(start int, what string) error {
	return &FormatError{start, fmt.Sprintf("%s: %v", what, d.err)}
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.pos >= len(d.b) {
		d.setErr(errEOF)
		return 0
	}
	c := d.b[d.pos]
	d.pos++
	return c
}

func (d *decoder) uleb(bits uint) uint64 {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c := d.byte()
		if d.err != nil {
			return 0
		}
		if shift >= bits || (shift+7 > bits && uint64(c&0x7f)>>(bits-shift) != 0) {
			d.setErr(fmt.Errorf("integer too large for %d bits at byte %d", bits, d.pos-1))
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
}

func (d *decoder) u32() uint32 { return uint32(d.uleb(32)) }

func (d *decoder) name() string {
	n := d.u32()
	if d.err != nil {
		return ""
	}
	if int(n) > len(d.b)-d.pos {
		d.setErr(errEOF)
		return ""
	}
	s := string(d.b[d.pos : d.pos+int(n)])
	d.pos += int(n)
	return s
}

func (d *decoder) valTypes() []byte {
	n := d.u32()
	if int(n) > len(d.b)-d.pos {
		d.setErr(errEOF)
		return nil
	}
	out := make([]byte, 0, n)
	for ; n > 0 && d.err == nil; n-- {
		out = append(out, d.valType())
	}
	return out
}

// valType reads a value type, including the typed references (0x63, 0x64)
// whose heap type follows as a signed LEB128.
func (d *decoder) valType() byte {
	t := d.byte()
	if t == 0x63 || t == 0x64 {
		for d.err == nil && d.byte()&0x80 != 0 {
		}
	}
	return t
}

// limits reads memory or table limits: flag bit 0 has-max, bit 1 shared,
// bit 2 64-bit (memory64), bit 3 custom page size.
func (d *decoder) limits() memInfo {
	flag := d.byte()
	if flag > 0x0f {
		d.setErr(fmt.Errorf("invalid limits flag 0x%02x", flag))
		return memInfo{}
	}
	bits := uint(32)
	m := memInfo{HasMax: flag&1 != 0, Shared: flag&2 != 0, Is64: flag&4 != 0}
	if m.Is64 {
		bits = 64
	}
	m.Min = d.uleb(bits)
	if m.HasMax {
		m.Max = d.uleb(bits)
	}
	if flag&8 != 0 {
		d.u32() // page size log2
		m.CustomPage = true
	}
	return m
}
