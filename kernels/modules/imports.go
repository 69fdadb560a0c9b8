package modules

import (
	"errors"
	"fmt"
)

// Import is one function a module imports from module "kernels", with its
// signature in the value type names of Func.
type Import struct {
	Name            string
	Params, Results []string
}

// Imports lists the functions that the WebAssembly module wasm imports
// from module "kernels". It reads only the type and import sections.
func Imports(wasm []byte) ([]Import, error) {
	r := &reader{b: wasm}
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		return nil, errors.New("not a WebAssembly module (no \\0asm header)")
	}
	r.i = 8
	var types [][2][]string
	var out []Import
	for r.i < len(r.b) && r.err == nil {
		id := r.byte()
		size := int(r.uleb())
		end := r.i + size
		if r.err != nil || end > len(r.b) || end < r.i {
			return nil, fmt.Errorf("section %d at byte %d runs past the end of the module", id, r.i)
		}
		switch id {
		case 1: // types
			for range r.count() {
				if r.byte() != 0x60 {
					return nil, fmt.Errorf("type section at byte %d: not a function type", r.i-1)
				}
				params, results := r.vals(), r.vals()
				types = append(types, [2][]string{params, results})
			}
		case 2: // imports
			for range r.count() {
				mod, name, kind := r.name(), r.name(), r.byte()
				switch kind {
				case 0: // func
					t := int(r.uleb())
					if mod != Module {
						continue
					}
					if t >= len(types) {
						return nil, fmt.Errorf("import %s.%s: type %d out of range", mod, name, t)
					}
					out = append(out, Import{Name: name, Params: types[t][0], Results: types[t][1]})
				case 1: // table
					r.byte()
					r.limits()
				case 2: // memory
					r.limits()
				case 3: // global
					r.byte()
					r.byte()
				default:
					return nil, fmt.Errorf("import %s.%s: unknown kind %d", mod, name, kind)
				}
			}
			return out, r.err
		}
		r.i = end
	}
	return out, r.err
}

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

var valNames = map[byte]string{0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref"}

func (r *reader) vals() []string {
	var s []string
	for range r.count() {
		b := r.byte()
		if n, ok := valNames[b]; ok {
			s = append(s, n)
		} else {
			s = append(s, fmt.Sprintf("type 0x%02x", b))
		}
	}
	return s
}

// Check returns an error naming each import that pwagen's kernels do not
// supply, or supply with another signature.
func Check(imports []Import) error {
	var errs []error
	for _, im := range imports {
		f, ok := Lookup(im.Name)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("imports kernels.%s, which pwagen's kernels do not supply (they supply %v); use package kernels' API rather than your own //go:wasmimport kernels", im.Name, Names()))
		case fmt.Sprint(f.Params, f.Results) != fmt.Sprint(im.Params, im.Results):
			errs = append(errs, fmt.Errorf("imports kernels.%s as %v -> %v, but pwagen's kernel is %v -> %v; use package kernels from the same pwagen version", im.Name, im.Params, im.Results, f.Params, f.Results))
		}
	}
	return errors.Join(errs...)
}
