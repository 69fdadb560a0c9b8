package swgen

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"text/template"
)

//go:embed sw.js.tmpl
var swTmpl string

var tmpl = template.Must(template.New("sw.js").Funcs(template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}).Parse(swTmpl))

// Entry is one precached URL, relative to the scope. Revision is a content
// hash, or "" for names that already carry one.
type Entry struct {
	URL, Revision string
}

// MarshalJSON writes an entry as the pair the service worker reads.
func (e Entry) MarshalJSON() ([]byte, error) { return json.Marshal([2]string{e.URL, e.Revision}) }

// Config is what the service worker needs to know about a package.
type Config struct {
	// Version names this package's cache; it changes when any file does.
	Version string
	// Precache is the app shell. The first entry must be the navigation
	// fallback, "./".
	Precache []Entry
	// Lazy are URLs cached on first use (the .wasm), never at install.
	Lazy []string
	// Isolate adds COOP, COEP and CORP to every response, for hosts that
	// cannot send them (isolation = "service-worker").
	Isolate bool
	// Concurrency bounds parallel fetches at install (default 6).
	Concurrency int
}

// Generate writes sw.js for c, unminified; the packager minifies it.
func Generate(w io.Writer, c Config) error {
	if len(c.Precache) == 0 || c.Precache[0].URL != "./" {
		return fmt.Errorf("swgen: the first precache entry must be \"./\", the navigation fallback (never index.html, which hosts may redirect)")
	}
	if c.Version == "" {
		return fmt.Errorf("swgen: no version")
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 6
	}
	if c.Lazy == nil {
		c.Lazy = []string{}
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, c); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
