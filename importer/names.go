package importer

import (
	"fmt"
	"strings"
	"unicode"
)

// goName turns an ONNX name ("/conv1/Conv_output_0", "fc.weight") into a Go
// identifier in lower camel case with the given prefix.
func goName(prefix, s string) string {
	var b strings.Builder
	b.WriteString(prefix)
	up := prefix != ""
	for _, r := range s {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if up {
				r = unicode.ToUpper(r)
				up = false
			}
			b.WriteRune(r)
			continue
		}
		up = b.Len() > 0
	}
	name := b.String()
	if name == "" || unicode.IsDigit(rune(name[0])) {
		name = "t" + name
	}
	if len(name) > 40 {
		name = name[:40]
	}
	if goKeywords[name] {
		name += "_"
	}
	return name
}

var goKeywords = map[string]bool{
	"break": true, "case": true, "chan": true, "const": true, "continue": true, "default": true,
	"defer": true, "else": true, "fallthrough": true, "for": true, "func": true, "go": true, "goto": true,
	"if": true, "import": true, "interface": true, "map": true, "package": true, "range": true,
	"return": true, "select": true, "struct": true, "switch": true, "type": true, "var": true,
	// names the generated code uses itself
	"in": true, "a": true, "kernels": true, "math": true, "inputLen": true, "outputLen": true,
	"predict": true, "loadWeights": true, "out": true, "b": true, "err": true,
}

// namer hands out unique identifiers.
type namer map[string]bool

func (n namer) name(prefix, s string) string {
	base := goName(prefix, s)
	name := base
	for i := 2; n[name]; i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	n[name] = true
	return name
}
