package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pwagen/pwagen/hosts"
)

// previewFixture is a package: names as the packager gives them.
var previewFixture = map[string]string{
	"index.html":                   "<!doctype html><title>x</title>",
	"pwagen.js":                    "export {}",
	"sw.js":                        "//",
	"manifest.webmanifest":         "{}",
	"app-1a2b3c4d.js":              "//",
	"icons/icon-192-0a1b2c3d.png":  "\x89PNG",
	"weights/0123456789abcdef.bin": "wwwwwwwwww",
	"_headers":                     "# host file: not part of the rules",
	"vercel.json":                  "{}",
}

// ruleHeaderNames is every header the host rules can set.
var ruleHeaderNames = []string{"Content-Type", "Cache-Control", "X-Content-Type-Options", "Referrer-Policy",
	"Cross-Origin-Resource-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy", "Content-Security-Policy"}

// get asks h for path and returns the response, body read.
func get(t *testing.T, h http.Handler, method, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

// TestPreviewSendsWhatTheHostsSend: for every isolation mode, with and
// without threads, the preview answers each file with exactly the headers
// the host rules give it, from the same spec the packager uses; with
// isolation = "none" and no threads, no COOP or COEP.
func TestPreviewSendsWhatTheHostsSend(t *testing.T) {
	threads, err := os.ReadFile(filepath.Join("..", "..", "validate", "testdata", "wat", "threads.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	for _, iso := range hosts.Isolations {
		for _, th := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s threads=%v", iso, th), func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "dist")
				writeTree(t, out, previewFixture)
				wasm := "\x00asm\x01\x00\x00\x00"
				if th {
					wasm = string(threads)
				}
				writeTree(t, out, map[string]string{"model-0123abcd.wasm": wasm})
				spec := hosts.Spec{Isolation: iso, Threads: th}
				for n := range previewFixture {
					if n != "_headers" && n != "vercel.json" {
						spec.Files = append(spec.Files, hosts.File{Name: n, Hashed: strings.Contains(n, "-") || strings.HasPrefix(n, "weights/")})
					}
				}
				spec.Files = append(spec.Files, hosts.File{Name: "model-0123abcd.wasm", Hashed: true})
				writeTree(t, out, map[string]string{hosts.SpecFile: string(hosts.MarshalSpec(spec))})
				rules, err := hosts.Rules(spec)
				if err != nil {
					t.Fatal(err)
				}
				h, err := hosts.NewPreview(out, iso)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range spec.Files {
					want := hosts.HeadersFor(rules, "/"+f.Name)
					res, _ := get(t, h, "GET", "/"+f.Name)
					if res.StatusCode != 200 {
						t.Fatalf("%s: status %d", f.Name, res.StatusCode)
					}
					for _, k := range ruleHeaderNames {
						if got, w := res.Header.Values(k), want.Values(k); !slices.Equal(got, w) {
							t.Errorf("%s: %s = %q, the hosts send %q", f.Name, k, got, w)
						}
					}
				}
				res, _ := get(t, h, "GET", "/")
				if coop := res.Header.Get("Cross-Origin-Opener-Policy"); (coop != "") != (iso == "headers" || th) {
					t.Errorf("/: Cross-Origin-Opener-Policy %q with isolation %q, threads %v", coop, iso, th)
				}
			})
		}
	}
}

// TestPreviewErrorsCarryEveryResponseHeaders: 400, 404, 405 and 416
// answers carry the "/*" rule's headers (CSP and the rest), as the hosts'
// do.
func TestPreviewErrorsCarryEveryResponseHeaders(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	writeTree(t, out, previewFixture)
	for _, iso := range []string{"none", "headers"} {
		h, err := hosts.NewPreview(out, iso)
		if err != nil {
			t.Fatal(err)
		}
		rules, _ := h.Rules()
		var global []hosts.Header
		for _, r := range rules {
			if r.Pattern == "/*" {
				global = r.Headers
			}
		}
		if len(global) < 4 {
			t.Fatalf("the /* rule has %d headers", len(global))
		}
		for _, tt := range []struct {
			method, path string
			hdr          []string
			status       int
		}{
			{"GET", "/model-ffffffff.wasm", nil, 404},
			{"GET", "/weights/", nil, 404},
			{"GET", "/a/../../x", nil, 400},
			{"POST", "/", nil, 405},
			{"DELETE", "/pwagen.js", nil, 405},
			{"GET", "/weights/0123456789abcdef.bin", []string{"Range", "bytes=100-200"}, 416},
		} {
			t.Run(iso+" "+tt.method+" "+tt.path, func(t *testing.T) {
				res, _ := get(t, h, tt.method, tt.path, tt.hdr...)
				if res.StatusCode != tt.status {
					t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
				}
				for _, hd := range global {
					if got := res.Header.Get(hd.Name); got != hd.Value {
						t.Errorf("%s: %q, want %q", hd.Name, got, hd.Value)
					}
				}
			})
		}
	}
}

// TestPreviewRange: Range requests get 206 and the bytes asked for.
func TestPreviewRange(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	writePackage(t, out, map[string]string{"pwagen.js": "//", "weights/0123456789abcdef.bin": "0123456789"}, "weights/0123456789abcdef.bin")
	h, err := hosts.NewPreview(out, "none")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		rng, body, contentRange string
	}{
		{"bytes=2-5", "2345", "bytes 2-5/10"},
		{"bytes=7-", "789", "bytes 7-9/10"},
		{"bytes=-3", "789", "bytes 7-9/10"},
	} {
		res, body := get(t, h, "GET", "/weights/0123456789abcdef.bin", "Range", tt.rng)
		if res.StatusCode != 206 || string(body) != tt.body || res.Header.Get("Content-Range") != tt.contentRange {
			t.Errorf("Range %s: %d %q %q, want 206 %q %q", tt.rng, res.StatusCode, body, res.Header.Get("Content-Range"), tt.body, tt.contentRange)
		}
		if res.Header.Get("Cache-Control") != hosts.CacheImmutable {
			t.Errorf("Range %s: Cache-Control %q", tt.rng, res.Header.Get("Cache-Control"))
		}
	}
}

// TestPreviewStreamsFromDisk: five clients downloading a 200 MB shard at
// once cost the preview far less than the shard: it streams from disk.
func TestPreviewStreamsFromDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 1 GB over loopback")
	}
	const size, clients = 200 << 20, 5
	out := filepath.Join(t.TempDir(), "dist")
	writeTree(t, out, map[string]string{"pwagen.js": "//"})
	shard := filepath.Join(out, "weights", "0123456789abcdef.bin")
	os.MkdirAll(filepath.Dir(shard), 0o755)
	f, err := os.Create(shard)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	h, err := hosts.NewPreview(out, "none")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := http.Get(srv.URL + "/weights/0123456789abcdef.bin")
			if err != nil {
				errs <- err
				return
			}
			defer res.Body.Close()
			n, err := io.Copy(io.Discard, res.Body)
			if err == nil && n != size {
				err = fmt.Errorf("got %d bytes, want %d", n, size)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d downloads of %d MB: %.1f MB allocated", clients, size>>20, float64(alloc)/(1<<20))
	if alloc > size/4 {
		t.Errorf("%d downloads of %d MB allocated %d MB: the preview must stream from disk, not read files whole", clients, size>>20, alloc>>20)
	}
}

// TestServeWarnsOffLoopback: any address but loopback gets a warning.
func TestServeWarnsOffLoopback(t *testing.T) {
	for _, tt := range []struct {
		addr string
		warn bool
	}{
		{"127.0.0.1:8080", false},
		{"127.0.0.2:8080", false},
		{"[::1]:8080", false},
		{"0.0.0.0:8080", true},
		{"[::]:8080", true},
		{"192.168.1.20:8080", true},
		{"10.0.0.1:80", true},
	} {
		addr, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		warnIfExposed(&b, addr)
		if got := strings.Contains(b.String(), "warning: listening on "+addr.String()+", which other machines can reach"); got != tt.warn {
			t.Errorf("%s: warned %v (%q), want %v", tt.addr, got, b.String(), tt.warn)
		}
	}
}

// TestServeNeedsTheProject: the headers depend on the project's isolation;
// with no pwagen.toml beside OUT and no --project, serve says so (exit 2).
func TestServeNeedsTheProject(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	writeTree(t, out, map[string]string{"pwagen.js": "//", "index.html": "x"})
	var stdout, stderr bytes.Buffer
	if code := run([]string{"pwagen", "serve", out}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "name the project with --project DIR") {
		t.Fatalf("exit %d, stderr %q", code, &stderr)
	}
}
