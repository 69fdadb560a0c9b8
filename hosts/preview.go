package hosts

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pwagen/pwagen/internal/precompress"
)

// SpecFile is the package's record of the Spec its host rules came from,
// which pwagen package writes into OUT beside the hosts' files: which
// files it named by their content hash, isolation, threads. Preview reads
// it, so that no second rule guesses which names are hashed.
const SpecFile = ".pwagen-spec.json"

// maxSpec bounds the SpecFile a preview reads.
const maxSpec = 64 << 20

// MarshalSpec is the SpecFile of s: JSON, the same bytes for the same spec.
func MarshalSpec(s Spec) []byte {
	b, _ := marshal(s)
	return b
}

// PackageSpec is the spec pwagen package gave Rules for the package in
// root, from its SpecFile, with the project's isolation (a library keeps
// its own, none). A package
// without one (from an older pwagen) gets every file no-cache, which is
// never stale.
func PackageSpec(root *os.Root, isolation string) (Spec, error) {
	f, err := root.Open(SpecFile)
	if errors.Is(err, fs.ErrNotExist) {
		return stableSpec(root, isolation)
	}
	if err != nil {
		return Spec{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSpec+1))
	if err != nil {
		return Spec{}, err
	}
	if len(data) > maxSpec {
		return Spec{}, fmt.Errorf("%s: over %d MiB; is it pwagen's? run pwagen package again", SpecFile, maxSpec>>20)
	}
	var s Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return Spec{}, fmt.Errorf("%s: %v; run pwagen package again", SpecFile, err)
	}
	if !s.Library { // a library's headers do not depend on a project
		s.Isolation = isolation
	}
	return s, nil
}

// stableSpec lists every file of root but the hosts' own and the .br and
// .gz beside files, none hashed.
func stableSpec(root *os.Root, isolation string) (Spec, error) {
	spec := Spec{Isolation: isolation}
	err := fs.WalkDir(root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || hostFiles[name] {
			return err
		}
		if isSibling(root, name) {
			spec.Precompressed = true
			return nil
		}
		spec.Files = append(spec.Files, File{Name: name})
		return nil
	})
	return spec, err
}

// IsHostFile says whether name, in OUT, is a file only hosts read (Write's
// files, SpecFile): not part of the package the rules describe.
func IsHostFile(name string) bool { return hostFiles[name] }

// hostFiles are the names Write may put into OUT: host configuration, not
// part of the package the rules describe.
var hostFiles = func() map[string]bool {
	names := map[string]bool{SpecFile: true}
	for _, iso := range []string{IsolationNone, IsolationServiceWorker} {
		inOut, _, err := Write(nil, Spec{Isolation: iso}, nil)
		if err != nil {
			continue
		}
		for n := range inOut {
			names[n] = true
		}
	}
	return names
}()

// Preview serves a package read-only from an os.Root, so no path, symlink
// or ".." can escape it, with the headers of the package's host rules: the
// same rules, from the same spec (SpecFile), that pwagen package wrote the
// hosts' configurations from. `pwagen package` replaces OUT with a new
// folder: the preview notices and serves the new one. pwagen serve, bench
// and the tests serve packages with it.
type Preview struct {
	out       string
	isolation string // the project's [deploy] isolation

	mu     sync.Mutex
	dir    os.FileInfo // the folder root and rules were made from
	root   *os.Root
	rules  []Rule
	global http.Header // the "/*" rule's headers: every response, errors too
}

func NewPreview(out, isolation string) (*Preview, error) {
	p := &Preview{out: out, isolation: isolation}
	_, _, _, err := p.current()
	return p, err
}

// current returns the root and rules of the folder now at p.out.
func (p *Preview) current() (*os.Root, []Rule, http.Header, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fi, err := os.Stat(p.out)
	if err != nil {
		return nil, nil, nil, err
	}
	if p.dir != nil && os.SameFile(fi, p.dir) {
		return p.root, p.rules, p.global, nil
	}
	root, err := os.OpenRoot(p.out)
	if err != nil {
		return nil, nil, nil, err
	}
	spec, err := PackageSpec(root, p.isolation)
	if err != nil {
		root.Close()
		return nil, nil, nil, err
	}
	rules, err := Rules(spec)
	if err != nil {
		root.Close()
		return nil, nil, nil, err
	}
	if p.root != nil {
		p.root.Close()
	}
	p.dir, p.root, p.rules = fi, root, rules
	p.global = http.Header{}
	for _, r := range rules {
		if r.Pattern == "/*" {
			for _, h := range r.Headers {
				p.global.Set(h.Name, h.Value)
			}
		}
	}
	return root, rules, p.global, nil
}

// Rules is the rule list the preview serves the package by now.
func (p *Preview) Rules() ([]Rule, error) {
	_, rules, _, err := p.current()
	return rules, err
}

func (p *Preview) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	root, rules, global, err := p.current()
	if err != nil {
		p.fail(w, nil, http.StatusServiceUnavailable, "the package is gone: "+err.Error())
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		p.fail(w, global, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	if !fs.ValidPath(name) || strings.Contains(name, "\\") {
		p.fail(w, global, http.StatusBadRequest, "bad path")
		return
	}
	f, err := root.Open(name)
	if err != nil {
		// Never a fallback page: a missing .wasm must be a 404.
		p.fail(w, global, http.StatusNotFound, "404 not found: "+name)
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		p.fail(w, global, http.StatusNotFound, "404 not found: "+name)
		return
	}
	urlPath := "/" + name
	if name == "index.html" && r.URL.Path != "/index.html" {
		urlPath = r.URL.Path
	}
	for k, v := range HeadersFor(rules, urlPath) {
		w.Header()[k] = v
	}
	// A .br or .gz asked for by its own name is bytes, as nginx's
	// default_type says, not a sniffed application/gzip.
	if isSibling(root, name) && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	// A .br or .gz that pwagen package wrote beside the file goes out as
	// it is, as nginx's gzip_static and Caddy's precompressed send it:
	// the file's own headers, Content-Encoding, its length, and Vary.
	if enc, pre := precompressed(root, name, r.Header.Values("Accept-Encoding")); pre != nil || enc != "" {
		w.Header().Add("Vary", "Accept-Encoding")
		if pre != nil {
			defer pre.Close()
			fi, err := pre.Stat()
			if err != nil {
				p.fail(w, global, http.StatusInternalServerError, err.Error())
				return
			}
			// ServeContent leaves Content-Length to the caller when
			// Content-Encoding is set, and a Range would count the
			// compressed bytes: send the whole file, as nginx does.
			f = pre
			w.Header().Set("Content-Encoding", enc)
			w.Header().Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
			r = r.Clone(r.Context())
			r.Header.Del("Range")
		}
	}
	// ServeContent, not ServeFile: the file server answers /index.html with
	// a redirect, which a service worker must never cache. It streams the
	// file from disk and answers Range requests; its own errors (416, 412)
	// keep the headers set above.
	http.ServeContent(w, r, name, time.Time{}, f)
}

// precompressed returns the sibling of name that pwagen package wrote for
// the best encoding the request accepts (brotli, then gzip), open, with
// its Content-Encoding. With no sibling fit for the request it returns a
// nil file, and enc "-" when name has siblings (the answer varies with
// Accept-Encoding all the same) or "" when it has none.
func precompressed(root *os.Root, name string, accept []string) (enc string, f *os.File) {
	if !Compressible(name) {
		return "", nil
	}
	varies := ""
	for _, e := range []struct{ enc, suffix string }{{"br", precompress.BrSuffix}, {"gzip", precompress.GzSuffix}} {
		fi, err := root.Stat(name + e.suffix)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		varies = "-"
		if !acceptsEncoding(accept, e.enc) {
			continue
		}
		if f, err := root.Open(name + e.suffix); err == nil {
			return e.enc, f
		}
	}
	return varies, nil
}

// isSibling says whether name is a .br or .gz beside a compressible file.
func isSibling(root *os.Root, name string) bool {
	for _, suffix := range []string{precompress.BrSuffix, precompress.GzSuffix} {
		if base, ok := strings.CutSuffix(name, suffix); ok && Compressible(base) {
			if fi, err := root.Stat(base); err == nil && fi.Mode().IsRegular() {
				return true
			}
		}
	}
	return false
}

// acceptsEncoding reads Accept-Encoding (RFC 9110 12.5.3): enc is
// acceptable when it is listed, or "*" is, with a q-value above 0.
func acceptsEncoding(values []string, enc string) bool {
	star := false
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(item, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			ok := true
			for _, p := range strings.Split(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(strings.TrimSpace(k), "q") {
					q, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
					ok = err == nil && q > 0
				}
			}
			switch name {
			case enc:
				return ok
			case "*":
				star = ok
			}
		}
	}
	return star
}

// fail answers an error with the headers every response gets.
func (p *Preview) fail(w http.ResponseWriter, global http.Header, code int, msg string) {
	for k, v := range global {
		w.Header()[k] = v
	}
	http.Error(w, msg, code)
}
