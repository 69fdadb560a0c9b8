package validate

import (
	"fmt"
	"unicode/utf8"

	"github.com/pwagen/pwagen/internal/wasmbin"
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
	d := wasmbin.New(b, 8)
	m := &modInfo{typesKnown: true}
	for d.Pos < len(b) {
		start := d.Pos
		id := d.Byte()
		size := d.U32()
		if d.Err != nil {
			return nil, &FormatError{start, "truncated: the file ends inside a section header"}
		}
		end := d.Pos + int(size)
		if int(size) > len(b)-d.Pos {
			return nil, &FormatError{start, fmt.Sprintf("truncated: the %s claims %d bytes but the file ends %d bytes later", sectionName(id), size, len(b)-d.Pos)}
		}
		sd := wasmbin.New(b[:end], d.Pos)
		if err := m.section(sd, id); err != nil {
			return nil, err
		}
		if sd.Err != nil {
			return nil, fail(sd, start, "malformed "+sectionName(id))
		}
		d.Pos = end
	}
	m.features()
	return m, nil
}

func (m *modInfo) section(d *wasmbin.Decoder, id byte) error {
	switch id {
	case 1:
		m.typeSection(d)
	case 2:
		m.importSection(d)
	case 3:
		for n := d.U32(); n > 0 && d.Err == nil; n-- {
			m.funcs = append(m.funcs, d.U32())
		}
	case 5:
		for i, n := 0, d.U32(); uint32(i) < n && d.Err == nil; i++ {
			mem := memOf(d.Limits())
			mem.Where = fmt.Sprintf("memory section, memory[%d]", len(m.memories))
			m.memories = append(m.memories, mem)
		}
	case 7:
		for n := d.U32(); n > 0 && d.Err == nil; n-- {
			e := Export{Name: d.Name()}
			k := d.Byte()
			e.Kind, e.index = kindName(k), d.U32()
			m.exports = append(m.exports, e)
		}
	case 13:
		m.unknownOnce("exception-handling", "tag section")
	case 0, 4, 6, 8, 9, 10, 11, 12:
		// Left to wazero.
	default:
		return &FormatError{d.Pos, fmt.Sprintf("unknown section id %d", id)}
	}
	return nil
}

func (m *modInfo) typeSection(d *wasmbin.Decoder) {
	n := d.U32()
	for i := uint32(0); i < n && d.Err == nil; i++ {
		switch form := d.Byte(); form {
		case 0x60:
			ft := &funcType{params: d.ValTypes(), results: d.ValTypes()}
			m.types = append(m.types, ft)
		case 0x4e, 0x50, 0x4f, 0x5e, 0x5f:
			// rec, sub, sub final, array, struct: the GC proposal. Stop here:
			// its encoding is not worth decoding to report "cannot validate".
			m.unknown = append(m.unknown, unsupported{"gc", fmt.Sprintf("type section, type[%d]", i)})
			m.typesKnown = false
			d.Pos = len(d.B)
			return
		default:
			d.Fail("type[%d]: unknown type form 0x%02x", i, form)
		}
	}
}

func (m *modInfo) importSection(d *wasmbin.Decoder) {
	for n := d.U32(); n > 0 && d.Err == nil; n-- {
		im := Import{Module: d.Name(), Name: d.Name()}
		k := d.Byte()
		im.Kind = kindName(k)
		switch k {
		case 0:
			im.typ = d.U32()
			m.funcs = append(m.funcs, im.typ)
		case 1:
			d.ValType()
			d.Limits()
		case 2:
			mem := memOf(d.Limits())
			mem.Where = fmt.Sprintf("import %s.%s", im.Module, im.Name)
			m.memories = append(m.memories, mem)
		case 3:
			d.ValType()
			d.Byte()
		case 4:
			d.Byte()
			im.typ = d.U32()
			m.unknownOnce("exception-handling", fmt.Sprintf("import %s.%s (a tag)", im.Module, im.Name))
		default:
			d.Fail("import %s.%s: unknown import kind 0x%02x", im.Module, im.Name, k)
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

func fail(d *wasmbin.Decoder, start int, what string) error {
	return &FormatError{start, fmt.Sprintf("%s: %v", what, d.Err)}
}

// memOf is the memInfo of decoded limits.
func memOf(l wasmbin.Limits) memInfo {
	return memInfo{Min: l.Min, Max: l.Max, HasMax: l.HasMax, Shared: l.Shared, Is64: l.Is64, CustomPage: l.CustomPage}
}
