package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pwagen/pwagen/internal/suggest"
)

// decodeError turns go-toml's errors into *Error with a position, and a
// suggestion for unknown keys.
func decodeError(name string, data []byte, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var errs []error
		for i := range strict.Errors {
			de := &strict.Errors[i]
			line, col := de.Position()
			key := strings.Join(de.Key(), ".")
			e := &Error{File: name, Line: line, Col: col, Key: key, Msg: fmt.Sprintf("unknown key %q", key)}
			e.Suggestion = closestKey(key, knownKeys())
			if e.Suggestion == "" {
				e.Msg += fmt.Sprintf("; known keys are %s", strings.Join(knownKeys(), ", "))
			}
			errs = append(errs, e)
		}
		return errors.Join(errs...)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if m := fieldRe.FindStringSubmatch(msg); m != nil {
			if key, ok := keyForField(m[1]); ok {
				msg = fmt.Sprintf("%s: %s", key, strings.Replace(msg, "struct field "+m[1], "a value", 1))
			}
		}
		return &Error{File: name, Line: line, Col: col, Key: strings.Join(de.Key(), "."), Msg: msg}
	}
	// Type mismatches come without a position; find the key's line.
	msg := strings.TrimPrefix(err.Error(), "toml: ")
	e := &Error{File: name, Msg: msg}
	if m := fieldRe.FindStringSubmatch(msg); m != nil {
		if key, ok := keyForField(m[1]); ok {
			e.Key, e.Line = key, keyLines(data)[key]
			e.Msg = fmt.Sprintf("%s: %s", key, strings.Replace(msg, "struct field "+m[1], "a value", 1))
		}
	}
	return e
}

var fieldRe = regexp.MustCompile(`struct field (\w+(?:\.\w+)*)`)

// keyForField maps a Go field path such as "Config.Budget.Memory" or
// "Budget.Memory" to its TOML key "budget.memory".
func keyForField(path string) (string, bool) {
	parts := strings.Split(path, ".")
	t := reflect.TypeFor[Config]()
	var keys []string
	for _, p := range parts {
		if p == t.Name() || p == "config" {
			continue
		}
		f, ok := t.FieldByName(p)
		if !ok {
			return "", false
		}
		keys = append(keys, strings.Split(f.Tag.Get("toml"), ",")[0])
		t = f.Type
	}
	return strings.Join(keys, "."), len(keys) > 0
}

// knownKeys lists every key a pwagen.toml may have, as "table.key".
func knownKeys() []string {
	var keys []string
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		table := f.Tag.Get("toml")
		if table == "-" || f.Type.Kind() != reflect.Struct {
			continue
		}
		for j := range f.Type.NumField() {
			keys = append(keys, table+"."+f.Type.Field(j).Tag.Get("toml"))
		}
	}
	return keys
}

// suggest returns the known key closest to key, if it is close enough to be
// a typo. A key in the wrong table ("model.memory") suggests the right one.
func closestKey(key string, known []string) string {
	best, bestD := "", 3
	leaf := key[strings.LastIndex(key, ".")+1:]
	for _, k := range known {
		d := suggest.Distance(key, k)
		if kl := k[strings.LastIndex(k, ".")+1:]; kl == leaf {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

var (
	tableRe = regexp.MustCompile(`^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]`)
	keyRe   = regexp.MustCompile(`^\s*([A-Za-z0-9_-]+)\s*=`)
)

// keyLines maps "table.key" to its 1-based line, for errors found after
// decoding. It reads the simple shape pwagen.toml files have.
func keyLines(data []byte) map[string]int {
	lines := map[string]int{}
	table := ""
	for i, l := range strings.Split(string(data), "\n") {
		if m := tableRe.FindStringSubmatch(l); m != nil {
			table = m[1]
			lines[table] = i + 1
		} else if m := keyRe.FindStringSubmatch(l); m != nil {
			k := m[1]
			if table != "" {
				k = table + "." + k
			}
			if _, dup := lines[k]; !dup {
				lines[k] = i + 1
			}
		}
	}
	return lines
}
