package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/precompress"
)

// TestPreviewPrecompressed: the preview sends the .br or .gz pwagen package
// wrote, by Accept-Encoding, byte for byte, with Content-Encoding, the
// compressed length, the file's own Content-Type and Cache-Control, and
// Vary: Accept-Encoding (also when it sends the file as it is); files
// without siblings (images) get none of that. The siblings are not part
// of the rules.
func TestPreviewPrecompressed(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	js := strings.Repeat("export const x = 1;\n", 200)
	br, gz := string(precompress.Brotli([]byte(js))), string(precompress.Gzip([]byte(js)))
	writePackage(t, out, map[string]string{
		"pwagen.js":                   "export {}",
		"app-1a2b3c4d.js":             js,
		"app-1a2b3c4d.js.br":          br,
		"app-1a2b3c4d.js.gz":          gz,
		"icons/icon-192-0a1b2c3d.png": "\x89PNG",
		// a stray .gz beside an image is not a precompressed image
		"icons/icon-192-0a1b2c3d.png.gz": "\x1f\x8b",
	}, "app-1a2b3c4d.js", "icons/icon-192-0a1b2c3d.png")
	h, err := hosts.NewPreview(out, "none")
	if err != nil {
		t.Fatal(err)
	}
	const app = "/app-1a2b3c4d.js"
	for _, tt := range []struct {
		path, accept, enc, body string
		vary                    bool
	}{
		{app, "br, gzip", "br", br, true},
		{app, "gzip, deflate, br, zstd", "br", br, true},
		{app, "gzip", "gzip", gz, true},
		{app, "br;q=0, gzip;q=0.5", "gzip", gz, true},
		{app, "*", "br", br, true},
		{app, "*, br;q=0", "gzip", gz, true},
		{app, "GZIP", "gzip", gz, true},
		{app, "", "", js, true},
		{app, "identity", "", js, true},
		{app, "br;q=0, gzip;q=0", "", js, true},
		{"/icons/icon-192-0a1b2c3d.png", "br, gzip", "", "\x89PNG", false},
	} {
		t.Run(tt.path+" "+tt.accept, func(t *testing.T) {
			for _, method := range []string{"GET", "HEAD"} {
				res, body := get(t, h, method, tt.path, "Accept-Encoding", tt.accept)
				if res.StatusCode != 200 {
					t.Fatalf("%s: status %d", method, res.StatusCode)
				}
				if ce := res.Header.Get("Content-Encoding"); ce != tt.enc {
					t.Errorf("%s: Content-Encoding %q, want %q", method, ce, tt.enc)
				}
				if method == "GET" && string(body) != tt.body {
					t.Errorf("GET: %d bytes of body, want the %d of the %q encoding", len(body), len(tt.body), tt.enc)
				}
				if cl := res.Header.Get("Content-Length"); cl != fmt.Sprint(len(tt.body)) {
					t.Errorf("%s: Content-Length %q, want %d", method, cl, len(tt.body))
				}
				if v := res.Header.Values("Vary"); (len(v) == 1 && v[0] == "Accept-Encoding") != tt.vary {
					t.Errorf("%s: Vary %q, want Accept-Encoding: %v", method, v, tt.vary)
				}
				if ct, want := res.Header.Get("Content-Type"), hosts.HeadersFor(mustRules(t, out), tt.path).Get("Content-Type"); ct != want {
					t.Errorf("%s: Content-Type %q, want %q", method, ct, want)
				}
				if cc := res.Header.Get("Cache-Control"); cc != hosts.CacheImmutable {
					t.Errorf("%s: Cache-Control %q, want %q", method, cc, hosts.CacheImmutable)
				}
			}
		})
	}
	// A Range would count compressed bytes: the whole .br, as nginx sends.
	res, body := get(t, h, "GET", app, "Accept-Encoding", "br", "Range", "bytes=0-3")
	if res.StatusCode != 200 || string(body) != br || res.Header.Get("Content-Encoding") != "br" {
		t.Errorf("Range with br: status %d, %d bytes, Content-Encoding %q; want 200 and the whole .br", res.StatusCode, len(body), res.Header.Get("Content-Encoding"))
	}
}

// mustRules is the rule list of the package in out, as the preview makes it.
func mustRules(t *testing.T, out string) []hosts.Rule {
	t.Helper()
	p, err := hosts.NewPreview(out, "none")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := p.Rules()
	if err != nil {
		t.Fatal(err)
	}
	return rules
}
