package hosts

import (
	"fmt"
	"net/http"
	"path"
	"slices"
	"sort"
	"strings"
)

// File is one file of the package, by its OUT-relative slash path.
type File struct {
	Name   string // e.g. "model-1a2b3c4d.wasm", "weights/0123456789abcdef.bin", "index.html"
	Hashed bool   // the name carries a content hash: cache it forever
}

// Spec is what the rules are derived from.
type Spec struct {
	Files     []File // every file in the package
	Isolation string // "none" | "headers" | "service-worker"
	Threads   bool   // the model needs threads: implies COOP/COEP headers
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

// Isolations lists the valid values of Spec.Isolation.
var Isolations = []string{"none", "headers", "service-worker"}

// Rules derives the one rule list from the package, in a fixed order:
// "/*" (security and isolation headers for every response), then one rule
// per extension (Content-Type, and the immutable Cache-Control when every
// file with that extension is content-hashed), then "/" and the exact paths
// (no-cache for stable names, immutable for hashed files whose extension
// also has stable names, such as app-<hash>.js beside sw.js).
func Rules(s Spec) ([]Rule, error) {
	if err := checkSpec(s); err != nil {
		return nil, err
	}
	global := []Header{
		{"X-Content-Type-Options", "nosniff"},
		{"Referrer-Policy", "strict-origin-when-cross-origin"},
		{"Cross-Origin-Resource-Policy", "same-origin"},
	}
	if s.Isolation == "headers" || s.Threads {
		global = append(global,
			Header{"Cross-Origin-Opener-Policy", "same-origin"},
			Header{"Cross-Origin-Embedder-Policy", "require-corp"})
	}
	global = append(global, Header{"Content-Security-Policy", CSP})
	rules := []Rule{{Pattern: "/*", Headers: global}}

	// allHashed[ext] is true when every file with that extension is hashed.
	allHashed := map[string]bool{}
	for _, f := range s.Files {
		ext := extOf(f.Name)
		if ext == "" {
			continue
		}
		if h, seen := allHashed[ext]; seen {
			allHashed[ext] = h && f.Hashed
		} else {
			allHashed[ext] = f.Hashed
		}
	}
	exts := make([]string, 0, len(allHashed))
	for ext := range allHashed {
		exts = append(exts, ext)
	}
	sort.Strings(exts)
	for _, ext := range exts {
		var hs []Header
		if ct, ok := contentTypes[ext]; ok {
			hs = append(hs, Header{"Content-Type", ct})
		}
		if allHashed[ext] {
			hs = append(hs, Header{"Cache-Control", CacheImmutable})
		}
		if len(hs) > 0 {
			rules = append(rules, Rule{Pattern: "/*" + ext, Headers: hs})
		}
	}

	rules = append(rules, Rule{Pattern: "/", Headers: []Header{{"Cache-Control", CacheNoCache}}})
	names := make([]File, len(s.Files))
	copy(names, s.Files)
	sort.Slice(names, func(i, j int) bool { return names[i].Name < names[j].Name })
	for _, f := range names {
		switch {
		case !f.Hashed:
			rules = append(rules, Rule{Pattern: "/" + f.Name, Headers: []Header{{"Cache-Control", CacheNoCache}}})
		case !allHashed[extOf(f.Name)]:
			rules = append(rules, Rule{Pattern: "/" + f.Name, Headers: []Header{{"Cache-Control", CacheImmutable}}})
		}
	}
	return rules, nil
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
