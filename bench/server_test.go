package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestServerIsPreview: bench serves a package with hosts.Preview, as pwagen
// serve does: the .br beside a file goes out when the browser accepts
// brotli, and the byte count is of what went over the wire. A 404 is
// counted as a request but is no package file.
func TestServerIsPreview(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"index.html": "<!doctype html><title>t</title>",
		"app.js":     "console.log('a long enough script to be worth compressing');",
		"app.js.br":  "BROTLI",
		"app.js.gz":  "GZIPPED",
	}
	for n, d := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := startServer(dir, map[string]extraFile{"/__bench/x.js": {ctype: "text/javascript", data: []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	for _, tt := range []struct {
		path, accept   string
		status         int
		encoding, body string
	}{
		{"app.js", "gzip, deflate, br", 200, "br", "BROTLI"},
		{"app.js", "gzip", 200, "gzip", "GZIPPED"},
		{"app.js", "", 200, "", files["app.js"]},
		{"", "br", 200, "", files["index.html"]},
		{"missing.wasm", "br", 404, "", ""},
		{"__bench/x.js", "br", 200, "", "x"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
		if tt.accept != "" {
			req.Header.Set("Accept-Encoding", tt.accept)
		}
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Encoding") != tt.encoding || (tt.status == 200 && string(body) != tt.body) {
			t.Errorf("GET /%s (Accept-Encoding %q): %d %q %q, want %d %q %q", tt.path, tt.accept, resp.StatusCode, resp.Header.Get("Content-Encoding"), body, tt.status, tt.encoding, tt.body)
		}
	}
	want := []string{"app.js", "app.js", "app.js", "index.html"}
	if got := srv.served(); !reflect.DeepEqual(got, want) {
		t.Errorf("served %q, want %q", got, want)
	}
	sent, reqs := srv.reset()
	if reqs != 6 {
		t.Errorf("%d requests counted, want 6", reqs)
	}
	if min := int64(len("BROTLI") + len("GZIPPED") + len(files["app.js"]) + len(files["index.html"]) + 1); sent < min {
		t.Errorf("%d bytes counted, want at least %d", sent, min)
	}
}

// TestPrecompressSite: the ORT page gets a .br and a .gz beside each
// compressible file, as pwagen package writes them, and none beside
// weights or images.
func TestPrecompressSite(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "ort"), 0o755)
	for _, n := range []string{"index.html", "ort/ort.mjs", "ort/ort.wasm", "model.onnx", "icon.png"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("some bytes some bytes some bytes"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := precompressSite(dir); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		want bool
	}{{"index.html", true}, {"ort/ort.mjs", true}, {"ort/ort.wasm", true}, {"model.onnx", false}, {"icon.png", false}} {
		for _, suffix := range []string{".br", ".gz"} {
			_, err := os.Stat(filepath.Join(dir, tt.name+suffix))
			if got := err == nil; got != tt.want {
				t.Errorf("%s%s exists: %v, want %v", tt.name, suffix, got, tt.want)
			}
		}
	}
}
