package hosts

import (
	"fmt"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	for _, tt := range []struct {
		pattern, path string
		want          bool
	}{
		{"/*", "/", true},
		{"/*", "/a/b.js", true},
		{"/", "/", true},
		{"/", "/index.html", false},
		{"/sw.js", "/sw.js", true},
		{"/sw.js", "/a/sw.js", false},
		{"/*.wasm", "/model-1.wasm", true},
		{"/*.wasm", "/a/b/model.wasm", true},
		{"/*.wasm", "/model.wasm.map", false},
		{"/weights/*", "/weights/0.bin", true},
		{"/weights/*", "/weights", false},
		{"/weights/*", "/weightsx/0.bin", false},
		{"/a/*.js", "/a/b.js", false}, // not a pattern form: matches nothing
	} {
		if got := Match(tt.pattern, tt.path); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

func TestOverlap(t *testing.T) {
	for _, tt := range []struct {
		p, q string
		want bool
	}{
		{"/*", "/sw.js", true},
		{"/*.js", "/sw.js", true},
		{"/*.js", "/a.css", false},
		{"/*.gz", "/*.tar.gz", true},
		{"/*.js", "/*.css", false},
		{"/weights/*", "/*.bin", true},
		{"/a/*", "/b/*", false},
		{"/a/*", "/a/b/*", true},
		{"/", "/index.html", false},
		{"/weights/*", "/weights/x.bin", true},
	} {
		for _, pair := range [][2]string{{tt.p, tt.q}, {tt.q, tt.p}} {
			ex, got := overlap(pair[0], pair[1])
			if got != tt.want {
				t.Errorf("overlap(%q, %q) = %v, want %v", pair[0], pair[1], got, tt.want)
			}
			if got && !(Match(pair[0], ex) && Match(pair[1], ex)) {
				t.Errorf("overlap(%q, %q): example %q does not match both", pair[0], pair[1], ex)
			}
		}
	}
}

func TestHeadersFor(t *testing.T) {
	rules, err := Rules(Spec{Files: fixtureFiles, Isolation: "headers"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path, name, want string
	}{
		{"/", "Content-Type", "text/html; charset=utf-8"}, // from index.html
		{"/", "Cache-Control", "no-cache"},
		{"/index.html", "Cache-Control", "no-cache"},
		{"/sw.js", "Cache-Control", "no-cache"},
		{"/pwagen.js", "Cache-Control", "no-cache"},
		{"/manifest.webmanifest", "Content-Type", "application/manifest+json"},
		{"/manifest.webmanifest", "Cache-Control", "no-cache"},
		{"/app-1a2b3c4d.js", "Cache-Control", CacheImmutable},
		{"/app-1a2b3c4d.js", "Content-Type", "text/javascript; charset=utf-8"},
		{"/model-9c0d1e2f.wasm", "Content-Type", "application/wasm"},
		{"/model-9c0d1e2f.wasm", "Cache-Control", CacheImmutable},
		{"/weights/0123456789abcdef.bin", "Content-Type", "application/octet-stream"},
		{"/icons/icon-192-1a1a1a1a.png", "Cache-Control", CacheImmutable},
		{"/model-9c0d1e2f.wasm", "Cross-Origin-Embedder-Policy", "require-corp"},
		{"/sw.js", "Cross-Origin-Opener-Policy", "same-origin"},
		{"/sw.js", "Cross-Origin-Resource-Policy", "same-origin"},
		{"/", "Content-Security-Policy", CSP},
		{"/", "X-Content-Type-Options", "nosniff"},
		{"/", "Referrer-Policy", "strict-origin-when-cross-origin"},
		{"/unknown.js", "Cache-Control", ""}, // a stable extension: no blanket immutable
	} {
		if got := HeadersFor(rules, tt.path).Get(tt.name); got != tt.want {
			t.Errorf("HeadersFor(%s)[%s] = %q, want %q", tt.path, tt.name, got, tt.want)
		}
	}
	none, _ := Rules(Spec{Files: fixtureFiles, Isolation: "none"})
	if h := HeadersFor(none, "/"); h.Get("Cross-Origin-Embedder-Policy") != "" || h.Get("Cross-Origin-Opener-Policy") != "" {
		t.Errorf("isolation none sends COOP/COEP: %v", h)
	}
	threads, _ := Rules(Spec{Files: fixtureFiles, Isolation: "none", Threads: true})
	if h := HeadersFor(threads, "/"); h.Get("Cross-Origin-Embedder-Policy") != "require-corp" {
		t.Errorf("threads without COEP: %v", h)
	}
}

func TestCSPHasNoUnsafeInline(t *testing.T) {
	if strings.Contains(CSP, "unsafe-inline") || strings.Contains(CSP, "'unsafe-eval'") {
		t.Fatalf("CSP allows inline or eval: %s", CSP)
	}
	for _, need := range []string{"'wasm-unsafe-eval'", "worker-src 'self'", "object-src 'none'"} {
		if !strings.Contains(CSP, need) {
			t.Errorf("CSP lacks %s", need)
		}
	}
}

// Every rule list Rules makes passes Write's own checks, for any mix of
// hashed and stable names.
func TestRulesAreDisjoint(t *testing.T) {
	specs := []Spec{
		{Isolation: "none"},
		{Isolation: "none", Files: []File{{"a.js", true}, {"b.js", false}, {"c/d.js", true}}},
		{Isolation: "headers", Files: []File{{"x.tar.gz", true}, {"y.gz", false}, {"LICENSE", false}, {".well-known/x", false}}},
	}
	for i, s := range specs {
		rules, err := Rules(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkRules(rules); err != nil {
			t.Errorf("spec %d: %v", i, err)
		}
	}
}

func ExampleHeadersFor() {
	rules, _ := Rules(Spec{Isolation: "headers", Files: []File{
		{Name: "index.html"}, {Name: "sw.js"}, {Name: "model-1a2b3c4d.wasm", Hashed: true},
	}})
	h := HeadersFor(rules, "/model-1a2b3c4d.wasm")
	for _, name := range []string{"Content-Type", "Cache-Control", "Cross-Origin-Embedder-Policy"} {
		fmt.Printf("%s: %s\n", name, h.Get(name))
	}
	fmt.Println("sw.js:", HeadersFor(rules, "/sw.js").Get("Cache-Control"))
	// Output:
	// Content-Type: application/wasm
	// Cache-Control: public, max-age=31536000, immutable
	// Cross-Origin-Embedder-Policy: require-corp
	// sw.js: no-cache
}

func ExampleCheck() {
	fmt.Println(Check([]string{"netlfy"}, "none"))
	// Output:
	// deploy.hosts: "netlfy" is not a host pwagen knows; did you mean "netlify"? (one of "netlify", "cloudflare", "vercel", "firebase", "azure", "nginx", "apache", "caddy", "github-pages", "s3-cloudfront")
}
