package templates

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"
)

// Data is what the project templates may use: what a new project is
// called, derived from its folder's name.
type Data struct {
	Name      string // the app's full name: "My app"
	ShortName string // 12 characters or fewer, for a home screen
	Module    string // a valid Go module path: "example.com/my-app"
}

// DataFor names the project in the folder dir: its words (letters and
// digits in any script), the first capitalized, for the app; the same
// words folded to ASCII for the Go module path, which allows no other
// letters ("app" when none are left, as for "数字").
func DataFor(dir string) Data {
	base := filepath.Base(filepath.Clean(dir))
	words := strings.FieldsFunc(base, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		words = []string{"model"}
	}
	name := strings.Join(words, " ")
	first, size := utf8.DecodeRuneInString(name)
	name = string(unicode.ToTitle(first)) + name[size:]
	short := []rune(name)
	if len(short) > 12 {
		short = []rune(strings.TrimSpace(string(short[:12])))
	}
	var ascii []string
	for _, w := range words {
		if a := foldASCII(w); a != "" {
			ascii = append(ascii, a)
		}
	}
	mod := strings.ToLower(strings.Join(ascii, "-"))
	if mod == "" {
		mod = "app"
	}
	return Data{Name: name, ShortName: string(short), Module: "example.com/" + mod}
}

// latin folds the accented Latin letters of Latin-1 and Latin Extended-A
// that have a plain ASCII reading.
var latin = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ą': "a",
	'ç': "c", 'ć': "c", 'č': "c", 'ď': "d", 'đ': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ę': "e", 'ě': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'ł': "l",
	'ñ': "n", 'ń': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o",
	'ř': "r", 'ś': "s", 'š': "s", 'ß': "ss", 'ť': "t",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u",
	'ý': "y", 'ÿ': "y", 'ź': "z", 'ż': "z", 'ž': "z",
	'æ': "ae", 'œ': "oe", 'þ': "th", 'ð': "d",
}

// foldASCII keeps the ASCII letters and digits of w, reads the accented
// Latin ones as ASCII and drops the rest.
func foldASCII(w string) string {
	var b strings.Builder
	for _, r := range w {
		switch l := unicode.ToLower(r); {
		case l < utf8.RuneSelf && (unicode.IsLetter(l) || unicode.IsDigit(l)):
			b.WriteRune(l)
		case latin[l] != "":
			b.WriteString(latin[l])
		}
	}
	return b.String()
}

// ExistsError is a project folder that exists and holds files: pwagen new
// never writes into it.
type ExistsError struct{ Dir string }

func (e *ExistsError) Error() string {
	return e.Dir + " exists and is not empty; nothing was changed"
}

// Scaffold writes the project template tmpl into dir, named after dir.
func Scaffold(dir string, tmpl fs.FS) error {
	return Create(dir, func(put func(string, []byte) error) error {
		return Render(tmpl, DataFor(dir), func(string) bool { return true }, put)
	})
}

// Create makes the project folder dir, which must not exist or be empty
// (else *ExistsError), from the files fill puts (paths with slashes,
// relative to dir). It builds the folder beside dir and renames it in, so
// a failure leaves nothing behind.
func Create(dir string, fill func(put func(rel string, data []byte) error) error) error {
	entries, err := os.ReadDir(dir)
	exists := err == nil
	switch {
	case err == nil && len(entries) > 0:
		return &ExistsError{Dir: dir}
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".pwagen-new-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	err = fill(func(p string, data []byte) error {
		dst := filepath.Join(tmp, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if exists { // and empty: os.Rename never replaces a folder
		if err := os.Remove(dir); err != nil {
			return err
		}
	}
	return os.Rename(tmp, dir)
}

// Render puts every file of fsys that keep accepts; files ending in .tmpl
// are rendered with text/template and data, and lose the suffix.
func Render(fsys fs.FS, data any, keep func(string) bool, put func(string, []byte) error) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !keep(p) {
			return err
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".tmpl") {
			t, err := template.New(p).Option("missingkey=error").Parse(string(src))
			if err != nil {
				return fmt.Errorf("template %s: %w", p, err)
			}
			var buf bytes.Buffer
			if err := t.Execute(&buf, data); err != nil {
				return fmt.Errorf("template %s: %w", p, err)
			}
			src, p = buf.Bytes(), strings.TrimSuffix(p, ".tmpl")
		}
		return put(p, src)
	})
}
