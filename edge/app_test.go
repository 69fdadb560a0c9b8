package edge

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/pwagen/pwagen/hosts"
)

// TestAppHeaders: the app at / gets the rules' headers for each path
// (isolation, CSP, cache by hashed name, content type), errors get the
// "/*" headers, and /index.html is answered, not redirected.
func TestAppHeaders(t *testing.T) {
	files := fstest.MapFS{
		"index.html":              {Data: []byte("<html>")},
		"model-0123456789ab.wasm": {Data: []byte("\x00asm\x01\x00\x00\x00")},
	}
	rules, err := hosts.Rules(hosts.Spec{Isolation: "headers", Files: []hosts.File{
		{Name: "index.html"}, {Name: "model-0123456789ab.wasm", Hashed: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	h := newApp(Bundle{PWA: files, Headers: rules})
	for _, tc := range []struct {
		path        string
		code        int
		ctype, cc   string
		wantHeaders bool
	}{
		{"/", 200, "text/html; charset=utf-8", hosts.CacheNoCache, true},
		{"/index.html", 200, "text/html; charset=utf-8", hosts.CacheNoCache, true},
		{"/model-0123456789ab.wasm", 200, "application/wasm", hosts.CacheImmutable, true},
		{"/nope.wasm", 404, "text/plain; charset=utf-8", "", true},
		{"/../x", 400, "text/plain; charset=utf-8", "", true},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tc.path, nil))
		got := w.Result().Header
		if w.Code != tc.code || got.Get("Content-Type") != tc.ctype || got.Get("Cache-Control") != tc.cc ||
			got.Get("Cross-Origin-Opener-Policy") != "same-origin" || got.Get("Cross-Origin-Embedder-Policy") != "require-corp" ||
			got.Get("Content-Security-Policy") != hosts.CSP {
			t.Errorf("GET %s: %d %v; want %d, Content-Type %q, Cache-Control %q, COOP, COEP and CSP", tc.path, w.Code, got, tc.code, tc.ctype, tc.cc)
		}
	}
}
