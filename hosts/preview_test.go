package hosts

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzAcceptEncoding: any header value is read without a panic, and an
// encoding listed alone with no q-value is always accepted.
func FuzzAcceptEncoding(f *testing.F) {
	for _, s := range []string{"br, gzip", "gzip;q=0.5, br;q=0", "*", "*;q=0, br", ";;;,,q=", "br;Q=1.0", "gzip; q=abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		acceptsEncoding([]string{v}, "br")
		acceptsEncoding([]string{v}, "gzip")
		if !acceptsEncoding([]string{"gzip"}, "gzip") {
			t.Fatal("gzip alone is not accepted")
		}
	})
}

// TestPreviewHashedFromTheSpecFile: the preview knows which names carry a
// hash from the package's SpecFile alone; without one (an older package)
// every file is no-cache and the .br and .gz beside files stay out of
// the rules.
func TestPreviewHashedFromTheSpecFile(t *testing.T) {
	for _, withSpec := range []bool{true, false} {
		out := t.TempDir()
		files := map[string]string{"index.html": "x", "app-1a2b3c4d.js": "//", "app-1a2b3c4d.js.br": "b", "photo-deadbeef.png": "p"}
		if withSpec {
			files[SpecFile] = string(MarshalSpec(Spec{Files: []File{{Name: "app-1a2b3c4d.js", Hashed: true}, {Name: "index.html"}, {Name: "photo-deadbeef.png"}}}))
		}
		for n, d := range files {
			if err := os.WriteFile(filepath.Join(out, n), []byte(d), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		p, err := NewPreview(out, IsolationNone)
		if err != nil {
			t.Fatal(err)
		}
		rules, err := p.Rules()
		if err != nil {
			t.Fatal(err)
		}
		for name, hashed := range map[string]bool{"/app-1a2b3c4d.js": withSpec, "/photo-deadbeef.png": false, "/index.html": false} {
			want := CacheNoCache
			if hashed {
				want = CacheImmutable
			}
			if got := HeadersFor(rules, name).Get("Cache-Control"); got != want {
				t.Errorf("spec file %v: %s: Cache-Control %q, want %q", withSpec, name, got, want)
			}
		}
		root, _ := os.OpenRoot(out)
		spec, err := PackageSpec(root, IsolationNone)
		root.Close()
		if err != nil || len(spec.Files) != 3 {
			t.Errorf("spec file %v: files %+v, %v; want the three files, no .br", withSpec, spec.Files, err)
		}
	}
}
