package hosts

import (
	"fmt"
	"maps"
	"net/http"
	"path"
	"slices"
	"sort"
	"strings"
)

// File is one file of the package, by its OUT-relative slash path.
type File struct {
	Name   string `json:"name"`             // e.g. "model-1a2b3c4d.wasm", "weights/0123456789abcdef.bin", "index.html"
	Hashed bool   `json:"hashed,omitempty"` // the name carries a content hash: cache it forever
}

// Spec is what the rules are derived from.
type Spec struct {
	Files     []File `json:"files"`     // every file in the package
	Isolation string `json:"isolation"` // "none" | "headers" | "service-worker"
	Threads   bool   `json:"threads"`   // the model needs threads: implies COOP/COEP headers
	// Precompressed: a .br and a .gz sit beside each file that
	// Compressible names (when they came out smaller), for the servers
	// that can send them as they are. They are not in Files.
	Precompressed bool `json:"precompressed"`
	// Library: the folder is a library that pages of other origins load
	// (pwagen package --lib): every file is sent with CORS and
	// Cross-Origin-Resource-Policy: cross-origin, so that an isolated page
	// (COEP require-corp) may load it too, and without a
	// Content-Security-Policy, which is the page's to set.
	Library bool `json:"library,omitempty"`
}

// Compressible says whether a package file is worth compressing, by its
// type: text, JavaScript, CSS, HTML, JSON, SVG and WebAssembly; not images
// or weight shards (application/octet-stream).
func Compressible(name string) bool {
	t, ok := contentTypes[extOf(name)]
	return ok && compressible(t)
}

// Rule gives headers to every path its Pattern matches (see the package doc).
type Rule struct {
	Pattern string
	Headers []Header
}

// Header is one response header.
type Header struct{ Name, Value string }

// The header values pwagen sends.
const (
	CacheImmutable = "public, max-age=31536000, immutable"
	CacheNoCache   = "no-cache"
	CSP            = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
		"style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; " +
		"base-uri 'self'; frame-ancestors 'none'"
)

// contentTypes maps the extensions pwagen writes (and a few neighbours) to
// their types. A fixed table, not mime.TypeByExtension, so that the output
// never depends on the machine's /etc/mime.types.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".wasm":        "application/wasm",
	".webmanifest": "application/manifest+json",
	".json":        "application/json",
	".bin":         "application/octet-stream",
	".png":         "image/png",
	".svg":         "image/svg+xml",
	".ico":         "image/x-icon",
	".webp":        "image/webp",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".txt":         "text/plain; charset=utf-8",
	".map":         "application/json",
}

// The isolation modes of [deploy] isolation: how a page becomes
// cross-origin isolated (COOP and COEP), which threads need.
const (
	IsolationNone          = "none"           // not isolated
	IsolationHeaders       = "headers"        // the host sends COOP and COEP
	IsolationServiceWorker = "service-worker" // sw.js adds them (hosts that cannot, like GitHub Pages)
)

// Isolations lists the valid values of Spec.Isolation.
var Isolations = []string{IsolationNone, IsolationHeaders, IsolationServiceWorker}

// Rules derives the one rule list from the package, in a fixed order:
// "/*" (security and isolation headers for every response), then one
// "/*.ext" rule per extension (Content-Type, and Cache-Control when the
// extension groups files, see below), then the "/dir/*" rules, "/" and the
// exact paths, each group sorted.
//
// Every file gets Cache-Control: the immutable one when its name carries a
// content hash, no-cache otherwise (and "/" gets no-cache). To keep the
// list short for any number of files, Rules groups the files, in one of
// two ways, whichever makes fewer rules (by extension when equal):
//
//   - by extension: a "/*.ext" rule when every file with that extension
//     has the same Cache-Control, and an exact rule for every other file;
//   - by folder: a "/dir/*" rule for each outermost folder whose files all
//     have the same Cache-Control, and an exact rule for every other file
//     (those at the top level, and those directly in a folder that mixes
//     hashed and stable names).
//
// The two never mix, since "/*.ext" and "/dir/*" can match the same path
// (/dir/x.ext), and no two rules that can may set the same header.
func Rules(s Spec) ([]Rule, error) {
	if err := checkSpec(s); err != nil {
		return nil, err
	}
	if s.Library {
		return assembleBest(libraryHeaders, s.Files), nil
	}
	global := []Header{
		{"X-Content-Type-Options", "nosniff"},
		{"Referrer-Policy", "strict-origin-when-cross-origin"},
		{"Cross-Origin-Resource-Policy", "same-origin"},
	}
	if s.Isolation == IsolationHeaders || s.Threads {
		global = append(global,
			Header{"Cross-Origin-Opener-Policy", "same-origin"},
			Header{"Cross-Origin-Embedder-Policy", "require-corp"})
	}
	global = append(global, Header{"Content-Security-Policy", CSP})
	return assembleBest(global, s.Files), nil
}

// libraryHeaders are the headers of every file of a library (Spec.Library).
var libraryHeaders = []Header{
	{"X-Content-Type-Options", "nosniff"},
	{"Access-Control-Allow-Origin", "*"},
	{"Cross-Origin-Resource-Policy", "cross-origin"},
	{"Timing-Allow-Origin", "*"},
}

// assembleBest assembles the files' rules grouped by extension or by
// folder, whichever makes fewer rules.
func assembleBest(global []Header, files []File) []Rule {
	files = slices.Clone(files)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	rules := assemble(global, files, byExtension(files))
	if byDir := assemble(global, files, byFolder(files)); len(byDir) < len(rules) {
		rules = byDir
	}
	return rules
}

// cacheOf is the Cache-Control a file gets.
func cacheOf(f File) string {
	if f.Hashed {
		return CacheImmutable
	}
	return CacheNoCache
}

// cachePlan says which rules give the files their Cache-Control.
type cachePlan struct {
	ext   map[string]string // extension → the Cache-Control of its "/*.ext" rule
	dirs  []Rule            // "/dir/*" rules, disjoint
	exact []Rule            // one rule per remaining file
}

func exactRule(f File) Rule {
	return Rule{Pattern: "/" + f.Name, Headers: []Header{{"Cache-Control", cacheOf(f)}}}
}

// byExtension groups by extension: a "/*.ext" rule for each extension
// whose files all get the same Cache-Control, an exact rule for the rest.
func byExtension(files []File) cachePlan {
	same := map[string]string{} // ext → the one Cache-Control of its files, "" if they differ
	for _, f := range files {
		ext := extOf(f.Name)
		if ext == "" {
			continue
		}
		if c, seen := same[ext]; !seen {
			same[ext] = cacheOf(f)
		} else if c != cacheOf(f) {
			same[ext] = ""
		}
	}
	p := cachePlan{ext: map[string]string{}}
	for ext, c := range same {
		if c != "" {
			p.ext[ext] = c
		}
	}
	for _, f := range files {
		if p.ext[extOf(f.Name)] == "" {
			p.exact = append(p.exact, exactRule(f))
		}
	}
	return p
}

// byFolder groups by folder: a "/dir/*" rule for each outermost folder
// whose files (at any depth) all get the same Cache-Control, an exact rule
// for the rest. files must be sorted by name, so that the files under one
// folder are next to each other.
func byFolder(files []File) cachePlan {
	var p cachePlan
	var walk func(dir string, files []File) // dir is "" (the top level) or "a/b/"
	walk = func(dir string, files []File) {
		if dir != "" {
			c := cacheOf(files[0])
			if !slices.ContainsFunc(files, func(f File) bool { return cacheOf(f) != c }) {
				p.dirs = append(p.dirs, Rule{Pattern: "/" + dir + "*", Headers: []Header{{"Cache-Control", c}}})
				return
			}
		}
		for i := 0; i < len(files); {
			seg, _, inFolder := strings.Cut(strings.TrimPrefix(files[i].Name, dir), "/")
			if !inFolder {
				p.exact = append(p.exact, exactRule(files[i]))
				i++
				continue
			}
			sub := dir + seg + "/"
			j := i + 1
			for j < len(files) && strings.HasPrefix(files[j].Name, sub) {
				j++
			}
			walk(sub, files[i:j])
			i = j
		}
	}
	walk("", files)
	return p
}

// assemble puts a plan into the rule list in its fixed order.
func assemble(global []Header, files []File, p cachePlan) []Rule {
	rules := []Rule{{Pattern: "/*", Headers: global}}
	extSet := map[string]bool{}
	for _, f := range files {
		if ext := extOf(f.Name); ext != "" {
			extSet[ext] = true
		}
	}
	exts := slices.Sorted(maps.Keys(extSet))
	for _, ext := range exts {
		var hs []Header
		if ct, ok := contentTypes[ext]; ok {
			hs = append(hs, Header{"Content-Type", ct})
		}
		if c := p.ext[ext]; c != "" {
			hs = append(hs, Header{"Cache-Control", c})
		}
		if len(hs) > 0 {
			rules = append(rules, Rule{Pattern: "/*" + ext, Headers: hs})
		}
	}
	dirs := slices.Clone(p.dirs)
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].Pattern < dirs[j].Pattern })
	rules = append(rules, dirs...)
	rules = append(rules, Rule{Pattern: "/", Headers: []Header{{"Cache-Control", CacheNoCache}}})
	exact := slices.Clone(p.exact)
	sort.Slice(exact, func(i, j int) bool { return exact[i].Pattern < exact[j].Pattern })
	return append(rules, exact...)
}

// singleFiles explains, for a host limit error, where the rules go: how
// many are for single files, which folder has the most, and how to group
// them.
func singleFiles(rules []Rule) string {
	perDir := map[string]int{}
	n := 0
	for _, r := range rules {
		if k, _ := patternKind(r.Pattern); k == kindExact && r.Pattern != "/" {
			n++
			perDir[path.Dir(r.Pattern)]++
		}
	}
	if n == 0 {
		return "the rules are per folder and per extension already; shorten the list of file types"
	}
	top := ""
	for _, d := range slices.Sorted(maps.Keys(perDir)) {
		if top == "" || perDir[d] > perDir[top] {
			top = d
		}
	}
	where := strings.TrimPrefix(top, "/") + "/"
	if top == "/" {
		where = "the top level"
	}
	return fmt.Sprintf("%d rules are for single files, %d of them in %s (a folder or an extension whose files are all content-hashed or all not costs one rule, every other file one each): "+
		"keep files with stable names in folders of their own, apart from hashed files (pwagen writes those at the top level and in icons/, weights/, kernels/ and assets/)",
		n, perDir[top], where)
}

// extOf is the extension of the last path segment, "" if none.
func extOf(name string) string {
	base := path.Base(name)
	i := strings.LastIndexByte(base, '.')
	if i < 0 || i == len(base)-1 { // no dot, or "a."; ".gz" has the extension .gz, as hosts match it
		return ""
	}
	return base[i:]
}

// HeadersFor is what a well-configured host sends for urlPath: the union of
// the headers of every matching rule. A path ending in "/" is served as its
// index.html, so it gets that file's Content-Type.
func HeadersFor(rules []Rule, urlPath string) http.Header {
	h := http.Header{}
	for _, r := range rules {
		if !Match(r.Pattern, urlPath) {
			continue
		}
		for _, hd := range r.Headers {
			h.Set(hd.Name, hd.Value)
		}
	}
	if strings.HasSuffix(urlPath, "/") && h.Get("Content-Type") == "" {
		if ct := HeadersFor(rules, urlPath+"index.html").Get("Content-Type"); ct != "" {
			h.Set("Content-Type", ct)
		}
	}
	return h
}

// Match reports whether pattern (see the package doc) matches urlPath.
func Match(pattern, urlPath string) bool {
	switch kind, stem := patternKind(pattern); kind {
	case kindAll:
		return strings.HasPrefix(urlPath, "/")
	case kindPrefix:
		return strings.HasPrefix(urlPath, stem)
	case kindSuffix:
		return strings.HasPrefix(urlPath, "/") && strings.HasSuffix(urlPath, stem)
	case kindExact:
		return urlPath == pattern
	}
	return false
}

type kind int

const (
	kindBad    kind = iota
	kindAll         // "/*"
	kindPrefix      // "/dir/*": stem "/dir/"
	kindSuffix      // "/*.ext": stem ".ext"
	kindExact       // "/a/b.js"
)

func patternKind(p string) (kind, string) {
	switch {
	case !strings.HasPrefix(p, "/"):
		return kindBad, ""
	case p == "/*":
		return kindAll, "/"
	case strings.HasPrefix(p, "/*."):
		ext := p[2:]
		if strings.ContainsAny(ext, "*/") || len(ext) < 2 {
			return kindBad, ""
		}
		return kindSuffix, ext
	case strings.HasSuffix(p, "/*"):
		stem := p[:len(p)-1]
		if strings.Contains(stem, "*") || strings.Contains(stem, "//") {
			return kindBad, ""
		}
		return kindPrefix, stem
	case strings.Contains(p, "*"):
		return kindBad, ""
	}
	return kindExact, p
}

// overlap reports whether some path matches both patterns, and an example.
func overlap(p, q string) (string, bool) {
	kp, sp := patternKind(p)
	kq, sq := patternKind(q)
	if kp > kq { // order the pair: all < prefix < suffix < exact
		p, q, kp, kq, sp, sq = q, p, kq, kp, sq, sp
	}
	switch {
	case kq == kindExact:
		return q, Match(p, q)
	case kp == kindAll:
		return example(q), true
	case kp == kindPrefix && kq == kindPrefix:
		if len(sp) < len(sq) {
			p, q, sp, sq = q, p, sq, sp
		}
		return example(p), strings.HasPrefix(sp, sq)
	case kp == kindPrefix && kq == kindSuffix:
		return sp + "x" + sq, true
	default: // two suffixes
		if len(sp) < len(sq) {
			p, q, sp, sq = q, p, sq, sp
		}
		return example(p), strings.HasSuffix(sp, sq)
	}
}

// example is one path the pattern matches.
func example(p string) string {
	switch k, stem := patternKind(p); k {
	case kindAll:
		return "/x"
	case kindPrefix:
		return stem + "x"
	case kindSuffix:
		return "/x" + stem
	}
	return p
}

// checkSpec rejects specs whose file names no host could express safely.
func checkSpec(s Spec) error {
	if !slices.Contains(Isolations, s.Isolation) {
		return &ConfigError{Key: "deploy.isolation", Value: s.Isolation,
			Problem: "is not a valid isolation mode", Hint: hintOneOf(s.Isolation, Isolations)}
	}
	seen := map[string]bool{}
	for _, f := range s.Files {
		if err := checkFileName(f.Name); err != nil {
			return err
		}
		if seen[f.Name] {
			return fmt.Errorf("hosts: file %q is listed twice in the package", f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

func checkFileName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("hosts: file name %q %s; rename it (host configs quote file names, so they may use only letters, digits and . _ - ~ @ /)", name, why)
	}
	switch {
	case name == "":
		return bad("is empty")
	case strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/"):
		return bad("must be relative to OUT, without a leading or trailing /")
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return bad("has an empty, . or .. segment")
		}
	}
	if ext := extOf(name); strings.ToLower(ext) != ext {
		return fmt.Errorf("hosts: file name %q has an upper-case extension; rename it to lower case (hosts differ on whether .PNG is .png)", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-~@/", c)) {
			return bad(fmt.Sprintf("has the character %q", c))
		}
	}
	return nil
}
