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
	for _, tt := range ruleCases {
		specs = append(specs, Spec{Isolation: "headers", Files: tt.files})
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

// benchFiles is what `pwagen package` makes of the bench fixture with n
// web files (bench/fixture.LayoutFor): the package files, the images a
// fifth of the files, copied under their names into img/ and, referenced
// from CSS, hashed by esbuild into assets/, and a JSON file per 16 in data/.
func benchFiles(n int) []File {
	r := max(n-4, 4)
	png, json := max(r/5, 1), max(r/16, 1)
	files := packageFiles(
		[]File{{"icons/maskable-512-3c3c3c3c.png", true}, {"kernels/forwarder-3c3c3c3c.wasm", true}, {"kernels/simd-4d4d4d4d.wasm", true}, {"kernels/scalar-5e5e5e5e.wasm", true}},
		folder("img/i%04d.png", png, false),
		folder("data/d%04d.json", json, false),
	)
	for i := range png {
		files = append(files, File{fmt.Sprintf("assets/i%04d-ABC%05d.png", i, i), true})
	}
	return files
}

// ruleCases are packages of many shapes, with the most rules each may
// take.
var ruleCases = []struct {
	name     string
	files    []File
	maxRules int
}{
	{"empty", nil, 2},
	{"fixture", fixtureFiles, 12},
	{"many-files", manyFiles, 26},
	{"bench 20", benchFiles(20), 23},
	{"bench 200", benchFiles(200), 23},
	{"bench 2000", benchFiles(2000), 23},
	{"2000 stable files in four folders", packageFiles(
		folder("img/p%04d.png", 800, false), folder("data/d%04d.json", 600, false),
		folder("docs/page%04d.html", 400, false), folder("media/clips/c%04d.webp", 200, false)), 24},
	{"user files at the top level", packageFiles(
		[]File{{"favicon.ico", false}, {"robots.txt", false}, {"about.html", false}, {"LICENSE", false}}), 16},
	{"2000 stable pages at the top level", packageFiles(folder("page%04d.html", 2000, false)), 12},
	{"a user file among the icons", packageFiles([]File{{"icons/extra.png", false}}), 17},
	{"user files among esbuild's assets", packageFiles(
		[]File{{"assets/a-ABCDEFGH.png", true}, {"assets/b-BCDEFGHI.png", true}, {"assets/own.png", false}},
		folder("assets/img/x%03d.png", 50, false)), 22},
	{"nested user folders", packageFiles(
		folder("docs/guide/p%03d.html", 30, false), folder("docs/img/i%03d.svg", 30, false),
		[]File{{"docs/index.html", false}, {"lib/v1/x-1a2b3c4d.js", true}, {"lib/v2/y.js", false}}), 20},
	{"all stable", folder("f%03d.txt", 300, false), 3},
	{"all hashed", folder("f%03d-0000abcd.bin", 300, true), 3},
	{"no extension and dot folders", packageFiles(
		[]File{{"LICENSE", false}, {".well-known/apple-app-site-association", false}, {".well-known/assetlinks.json", false}}), 16},
	{"gz and tar.gz", []File{{"index.html", false}, {"a.tar.gz", true}, {"b.gz", false}, {"c/d.tar.gz", true}}, 6},
}

// Every file gets exactly its Cache-Control (immutable when hashed,
// no-cache otherwise) and its Content-Type, "/" gets no-cache, the list
// passes Write's checks and stays short.
func TestCacheControlForEveryFile(t *testing.T) {
	for _, tt := range ruleCases {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := Rules(Spec{Files: tt.files, Isolation: "none"})
			if err != nil {
				t.Fatal(err)
			}
			if err := checkRules(rules); err != nil {
				t.Fatal(err)
			}
			if n := len(rules); n > tt.maxRules {
				t.Errorf("%d rules for %d files, want at most %d:\n%s", n, len(tt.files), tt.maxRules, rulesText(rules))
			}
			if got := HeadersFor(rules, "/").Get("Cache-Control"); got != CacheNoCache {
				t.Errorf("/: Cache-Control %q, want %q", got, CacheNoCache)
			}
			for _, f := range tt.files {
				h := HeadersFor(rules, "/"+f.Name)
				want := CacheNoCache
				if f.Hashed {
					want = CacheImmutable
				}
				if got := h.Get("Cache-Control"); got != want {
					t.Errorf("%s (hashed %v): Cache-Control %q, want %q", f.Name, f.Hashed, got, want)
				}
				if got, want := h.Get("Content-Type"), contentTypes[extOf(f.Name)]; got != want {
					t.Errorf("%s: Content-Type %q, want %q", f.Name, got, want)
				}
			}
		})
	}
}

// Every package of ruleCases, up to 2,000 stable-name files in a few
// folders beside the usual package files, packages for every host: Write
// with no hosts named (all of them) succeeds, each file follows its host's
// documented format and limits, and reads back to the rule list.
func TestManyFilesFitEveryHost(t *testing.T) {
	for _, tt := range ruleCases {
		for _, isolation := range []string{"none", "headers"} {
			t.Run(tt.name+"/"+isolation, func(t *testing.T) {
				spec := Spec{Files: tt.files, Isolation: isolation}
				rules, err := Rules(spec)
				if err != nil {
					t.Fatal(err)
				}
				if n := len(rules); n > 30 {
					t.Errorf("%d rules, want at most 30", n)
				}
				inOut, beside, err := Write(rules, spec, nil)
				if err != nil {
					t.Fatal(err)
				}
				for name, check := range map[string]func([]byte) error{
					"_headers":                 checkHeadersFileFormat,
					"vercel.json":              checkVercelJSON,
					"firebase.json":            checkFirebaseJSON,
					"staticwebapp.config.json": checkAzureJSON,
				} {
					if err := check(inOut[name]); err != nil {
						t.Errorf("%s: %v", name, err)
					}
				}
				checkParseBack(t, rules, spec, inOut, beside)
			})
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
