package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/hosts"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// writePackage writes files into dir as writeTree does, with the record of
// the packager's spec (hosts.SpecFile): the names in hashed carry a content
// hash; .br and .gz siblings and host files are left out, as the packager
// leaves them out.
func writePackage(t *testing.T, dir string, files map[string]string, hashed ...string) {
	t.Helper()
	writeTree(t, dir, files)
	spec := hosts.Spec{Precompressed: true}
	for name := range files {
		base, sib := strings.CutSuffix(name, ".br")
		if !sib {
			base, sib = strings.CutSuffix(name, ".gz")
		}
		if _, ok := files[base]; (sib && ok && hosts.Compressible(base)) || hosts.IsHostFile(name) {
			continue
		}
		spec.Files = append(spec.Files, hosts.File{Name: name, Hashed: slices.Contains(hashed, name)})
	}
	slices.SortFunc(spec.Files, func(a, b hosts.File) int { return strings.Compare(a.Name, b.Name) })
	writeTree(t, dir, map[string]string{hosts.SpecFile: string(hosts.MarshalSpec(spec))})
}

// TestPreview checks what `pwagen serve` answers: the headers a
// well-configured host sends, index.html without a redirect, 404 rather than
// a fallback page, and nothing outside the package.
func TestPreview(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "dist")
	writePackage(t, out, map[string]string{
		"index.html":                   "<!doctype html><title>x</title>",
		"pwagen.js":                    "export {}",
		"sw.js":                        "//",
		"manifest.webmanifest":         "{}",
		"model-0123abcd.wasm":          "\x00asm\x01\x00\x00\x00",
		"weights/0123456789abcdef.bin": "wwww",
		"sub/index.html":               "<p>sub</p>",
	}, "model-0123abcd.wasm", "weights/0123456789abcdef.bin")
	writeTree(t, root, map[string]string{"secret.txt": "do not serve"})
	if err := os.Symlink(filepath.Join(root, "secret.txt"), filepath.Join(out, "link.txt")); err != nil {
		t.Fatal(err)
	}
	h, err := hosts.NewPreview(out, "headers")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	for _, tt := range []struct {
		method, path string
		status       int
		headers      map[string]string
		body         string
	}{
		{"GET", "/", 200, map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache",
			"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp",
			"Cross-Origin-Resource-Policy": "same-origin", "X-Content-Type-Options": "nosniff"}, "<title>x</title>"},
		{"GET", "/index.html", 200, map[string]string{"Cache-Control": "no-cache", "Location": ""}, "<title>x</title>"},
		{"GET", "/sub/", 200, nil, "<p>sub</p>"},
		{"GET", "/sw.js", 200, map[string]string{"Cache-Control": "no-cache", "Content-Type": "text/javascript; charset=utf-8"}, "//"},
		{"GET", "/pwagen.js", 200, map[string]string{"Cache-Control": "no-cache"}, "export"},
		{"GET", "/manifest.webmanifest", 200, map[string]string{"Content-Type": "application/manifest+json", "Cache-Control": "no-cache"}, "{}"},
		{"GET", "/model-0123abcd.wasm", 200, map[string]string{"Content-Type": "application/wasm", "Cache-Control": "public, max-age=31536000, immutable"}, "asm"},
		{"GET", "/weights/0123456789abcdef.bin", 200, map[string]string{"Cache-Control": "public, max-age=31536000, immutable"}, "wwww"},
		{"GET", "/model-ffffffff.wasm", 404, map[string]string{"Content-Type": "text/plain; charset=utf-8"}, "404 not found"},
		{"GET", "/link.txt", 404, nil, ""},
		{"GET", "/../secret.txt", 404, nil, ""},
		{"GET", "/%2e%2e/secret.txt", 404, nil, ""},
		{"POST", "/", 405, nil, ""},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL, nil)
			req.URL.Opaque = tt.path // send the path as written, uncleaned
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status && !(tt.status == 404 && res.StatusCode == 400) {
				t.Fatalf("status %d, want %d (body %q)", res.StatusCode, tt.status, body)
			}
			for k, v := range tt.headers {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if !strings.Contains(string(body), tt.body) || strings.Contains(string(body), "do not serve") {
				t.Errorf("body %q, want it to contain %q", body, tt.body)
			}
		})
	}
}

// TestServeListensOnLoopback: the default address is loopback only.
func TestServeListensOnLoopback(t *testing.T) {
	for _, f := range serveCmd().Flags {
		if f.Names()[0] == "addr" {
			if got := f.(interface{ GetValue() string }).GetValue(); !strings.HasPrefix(got, "127.0.0.1:") {
				t.Fatalf("default --addr %q is not loopback", got)
			}
			return
		}
	}
	t.Fatal("no --addr flag")
}

// TestPreviewFollowsRepackage: `pwagen package` swaps in a new OUT while
// the preview runs; the preview serves the new folder, not the removed one.
func TestPreviewFollowsRepackage(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "dist")
	writeTree(t, out, map[string]string{"index.html": "v1", "pwagen.js": "//"})
	h, err := hosts.NewPreview(out, "none")
	if err != nil {
		t.Fatal(err)
	}
	get := func() string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		return rec.Body.String()
	}
	if got := get(); got != "v1" {
		t.Fatalf("got %q", got)
	}
	next := filepath.Join(root, "next")
	writeTree(t, next, map[string]string{"index.html": "v2", "pwagen.js": "//"})
	os.Rename(out, filepath.Join(root, "old"))
	os.Rename(next, out)
	os.RemoveAll(filepath.Join(root, "old"))
	if got := get(); got != "v2" {
		t.Fatalf("after the swap got %q, want v2", got)
	}
}

// TestPreviewLibrary: a library folder (pwagen package --lib) is served
// with the library's headers: CORS and CORP cross-origin, no CSP, no
// isolation, whatever the project says.
func TestPreviewLibrary(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist-lib")
	writeTree(t, out, map[string]string{
		"index.js":                     "export {}",
		"pwagen-sw.js":                 "//",
		"package.json":                 "{}",
		"model-0123abcd.wasm":          "\x00asm\x01\x00\x00\x00",
		"weights/0123456789abcdef.bin": "wwww",
	})
	spec := hosts.Spec{Isolation: hosts.IsolationNone, Library: true, Files: []hosts.File{
		{Name: "index.js"}, {Name: "model-0123abcd.wasm", Hashed: true}, {Name: "package.json"},
		{Name: "pwagen-sw.js"}, {Name: "weights/0123456789abcdef.bin", Hashed: true}}}
	writeTree(t, out, map[string]string{hosts.SpecFile: string(hosts.MarshalSpec(spec))})
	if !isLibrary(out) {
		t.Fatal("isLibrary: false for a library folder")
	}
	h, err := hosts.NewPreview(out, "headers")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for path, want := range map[string]map[string]string{
		"/index.js":                     {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin", "Cache-Control": "no-cache", "Content-Security-Policy": "", "Cross-Origin-Embedder-Policy": ""},
		"/model-0123abcd.wasm":          {"Access-Control-Allow-Origin": "*", "Content-Type": "application/wasm", "Cache-Control": "public, max-age=31536000, immutable"},
		"/weights/0123456789abcdef.bin": {"Cross-Origin-Resource-Policy": "cross-origin", "Cache-Control": "public, max-age=31536000, immutable"},
	} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s: status %d", path, res.StatusCode)
		}
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("GET %s: %s %q, want %q", path, k, got, v)
			}
		}
	}
	writeTree(t, out, map[string]string{"pwagen.js": "export {}"})
	if isLibrary(out) {
		t.Error("isLibrary: true for a folder with pwagen.js (an app)")
	}
}
