package swgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/pwagen/pwagen/templates"
)

var tmpl = template.Must(template.New("sw.js").Funcs(template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}).Parse(templates.ServiceWorker))

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
	// SHA256 maps URLs of Precache or Lazy to the hex SHA-256 of their
	// bytes, or its first 16 digits or more. The service worker keeps such
	// a file only if what the host sent matches: a damaged file answered
	// 200 is never cached. Give it for every file whose name carries a
	// hash (those are cache-first, so a damaged copy would stay); stable
	// names are revalidated online.
	SHA256 map[string]string
	// Isolate adds COOP, COEP and CORP to every response, for hosts that
	// cannot send them (isolation = "service-worker").
	Isolate bool
	// Concurrency bounds parallel fetches at install (default 6, the
	// connections a browser opens to one HTTP/1.1 host).
	Concurrency int
}

var (
	versionRe  = regexp.MustCompile(`^[0-9A-Za-z._-]{1,64}$`)
	revisionRe = regexp.MustCompile(`^[0-9A-Za-z_-]{0,64}$`)
	sha256Re   = regexp.MustCompile(`^[0-9a-f]{16,64}$`)
)

// check refuses what would make a broken service worker, saying which
// entry and why.
func (c *Config) check() error {
	if !versionRe.MatchString(c.Version) {
		return fmt.Errorf("swgen: version %q: want 1 to 64 letters, digits, '.', '_' or '-' (it names the cache)", c.Version)
	}
	if len(c.Precache) == 0 || c.Precache[0].URL != "./" {
		return fmt.Errorf("swgen: the first precache entry must be \"./\", the navigation fallback (never index.html, which hosts may redirect)")
	}
	seen := map[string]string{}
	for i, e := range c.Precache {
		if err := checkURL(e.URL); err != nil {
			return fmt.Errorf("swgen: precache entry %d: %w", i, err)
		}
		if !revisionRe.MatchString(e.Revision) {
			return fmt.Errorf("swgen: precache entry %d (%s): revision %q: want up to 64 letters, digits, '_' or '-'", i, e.URL, e.Revision)
		}
		if prev, dup := seen[e.URL]; dup {
			return fmt.Errorf("swgen: %s is precached twice (%s); list each URL once", e.URL, prev)
		}
		seen[e.URL] = fmt.Sprintf("entry %d", i)
	}
	for i, u := range c.Lazy {
		if err := checkURL(u); err != nil {
			return fmt.Errorf("swgen: lazy entry %d: %w", i, err)
		}
		if prev, dup := seen[u]; dup {
			return fmt.Errorf("swgen: %s is both lazy and precached (%s); a URL is one or the other", u, prev)
		}
		seen[u] = fmt.Sprintf("lazy entry %d", i)
	}
	for _, u := range slices.Sorted(maps.Keys(c.SHA256)) {
		if _, ok := seen[u]; !ok {
			return fmt.Errorf("swgen: SHA256 has %s, which is neither precached nor lazy; give sums only for listed URLs", u)
		}
		if !sha256Re.MatchString(c.SHA256[u]) {
			return fmt.Errorf("swgen: SHA256 of %s is %q; want 16 to 64 lowercase hex digits, the start of its SHA-256", u, c.SHA256[u])
		}
	}
	return nil
}

// checkURL accepts a URL relative to the scope, inside it: "app-1a2b.js",
// "icons/x.png" or "./".
func checkURL(u string) error {
	switch {
	case u == "./":
		return nil
	case u == "" || strings.HasPrefix(u, "/") || strings.Contains(u, "://") || strings.ContainsAny(u, "?#\\ \"'<>"):
		return fmt.Errorf("URL %q: want a path relative to the scope, such as \"app-1a2b3c4d.js\"", u)
	}
	for _, seg := range strings.Split(u, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("URL %q: empty, \".\" or \"..\" segment; want a clean path inside the scope", u)
		}
	}
	return nil
}

// Generate writes sw.js for c, unminified; the packager minifies it.
func Generate(w io.Writer, c Config) error {
	if err := c.check(); err != nil {
		return err
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 6
	}
	// The template's view: each URL with its sum ("" for none).
	v := struct {
		Config
		Shell    [][]string
		LazySums [][2]string
	}{Config: c, Shell: [][]string{}, LazySums: [][2]string{}}
	for _, e := range c.Precache {
		row := []string{e.URL, e.Revision}
		if sum, ok := c.SHA256[e.URL]; ok {
			row = append(row, sum)
		}
		v.Shell = append(v.Shell, row)
	}
	for _, u := range c.Lazy {
		v.LazySums = append(v.LazySums, [2]string{u, c.SHA256[u]})
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, v); err != nil {
		return fmt.Errorf("swgen: %w (a pwagen bug; please report it)", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}
