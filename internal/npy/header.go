package npy

import (
	"fmt"
	"strconv"
	"strings"
)

type header struct {
	kind  kind
	shape []int
}

// parseHeader parses NumPy's header, a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }.
func parseHeader(s string) (header, error) {
	p := &parser{s: strings.TrimRight(s, " \n\x00")}
	var h header
	seen := map[string]bool{}
	if !p.eat('{') {
		return h, fmt.Errorf("not a dict")
	}
	for !p.eat('}') {
		key, err := p.str()
		if err != nil {
			return h, err
		}
		if seen[key] {
			return h, fmt.Errorf("key %q twice", key)
		}
		seen[key] = true
		if !p.eat(':') {
			return h, fmt.Errorf("no ':' after %q", key)
		}
		switch key {
		case "descr":
			if p.peek() == '[' {
				return h, fmt.Errorf("a structured dtype; pwagen reads plain numeric arrays")
			}
			d, err := p.str()
			if err != nil {
				return h, err
			}
			k, ok := kindOfDescr(d)
			if !ok {
				return h, descrError(d)
			}
			h.kind = k
		case "fortran_order":
			switch {
			case p.word("False"):
			case p.word("True"):
				return h, fmt.Errorf("the array is in Fortran order; save np.ascontiguousarray(a) instead")
			default:
				return h, fmt.Errorf("fortran_order is neither True nor False")
			}
		case "shape":
			if h.shape, err = p.tuple(); err != nil {
				return h, err
			}
		default:
			return h, fmt.Errorf("unknown key %q", key)
		}
		if !p.eat(',') && p.peek() != '}' {
			return h, fmt.Errorf("no ',' after %q", key)
		}
	}
	if p.i != len(p.s) {
		return h, fmt.Errorf("text after the dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("no %q key", k)
		}
	}
	return h, nil
}

func descrError(d string) error {
	if len(d) == 3 && d[0] == '>' {
		return fmt.Errorf("dtype %q is big-endian; save a.astype('<%s') instead", d, d[1:])
	}
	return fmt.Errorf("dtype %q: pwagen reads float16/32/64, int8/16/32/64, uint8/16/32 and bool; convert with a.astype(np.float32)", d)
}

type parser struct {
	s string
	i int
}

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *parser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *parser) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) word(w string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a quoted Python string without escapes.
func (p *parser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("a string was expected at byte %d", p.i)
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at byte %d", p.i)
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

// tuple reads a shape: (), (3,), (2, 3) or (2, 3,).
func (p *parser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("shape is not a tuple")
	}
	shape := []int{}
	for !p.eat(')') {
		if len(shape) == maxRank {
			return nil, fmt.Errorf("shape has more than %d dimensions", maxRank)
		}
		p.space()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i {
			rest := p.s[p.i:]
			if len(rest) > 8 {
				rest = rest[:8]
			}
			return nil, fmt.Errorf("shape holds %q at byte %d, not a non-negative integer", rest, p.i)
		}
		d, err := strconv.ParseInt(p.s[p.i:j], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("shape dimension %s is too large", p.s[p.i:j])
		}
		p.i = j
		shape = append(shape, int(d))
		p.word("L") // Python 2 longs
		if !p.eat(',') && p.peek() != ')' {
			return nil, fmt.Errorf("no ',' in shape at byte %d", p.i)
		}
	}
	return shape, nil
}
