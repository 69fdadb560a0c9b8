package main

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pwagen/pwagen/hosts"
)

// server serves a package as a well-configured static host would: the
// package's own header rules (hosts.Rules), gzip for text and .wasm when the
// browser accepts it (weights, images: as they are), index.html for "/".
// It counts the bytes of every response body it sends, whichever target
// (page, worker, service worker) asked. /__bench/ serves the harness's own
// files, without the package's headers.
type server struct {
	root  string
	rules []hosts.Rule
	extra map[string]extraFile

	// isolate adds COOP/COEP to every response: the page is
	// cross-origin isolated (SharedArrayBuffer, threads,
	// performance.measureUserAgentSpecificMemory).
	isolate bool

	mu    sync.Mutex
	gz    map[string][]byte
	sent  int64
	count int
	paths []string // files of the package served since the last reset, one per request

	ln  net.Listener
	srv *http.Server
	URL string
}

type extraFile struct {
	path, ctype string // a file on disk, or
	data        []byte
}

var gzipTypes = []string{"text/", "application/javascript", "application/json", "application/manifest+json", "image/svg+xml", "application/wasm"}

func startServer(root string, extra map[string]extraFile) (*server, error) {
	// The package's own rules, from the spec pwagen package recorded
	// (hosts.SpecFile), as pwagen serve and every host apply them.
	p, err := hosts.NewPreview(root, hosts.IsolationNone)
	if err != nil {
		return nil, err
	}
	rules, err := p.Rules()
	if err != nil {
		return nil, err
	}
	s := &server{root: root, rules: rules, extra: extra, gz: map[string][]byte{}}
	if s.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	s.URL = "http://" + s.ln.Addr().String() + "/"
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(s.ln)
	return s, nil
}

// stop closes the listener and every connection: the site is offline.
func (s *server) stop() { s.srv.Close() }

// reset zeroes the byte counter and returns what it held.
func (s *server) reset() (bytes int64, requests int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bytes, requests, s.sent, s.count = s.sent, s.count, 0, 0
	s.paths = nil
	return
}

// served returns the package files served since the last reset, one per
// request (a file fetched twice is listed twice).
func (s *server) served() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

type counting struct {
	http.ResponseWriter
	n *int64
}

func (c counting) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	*c.n += int64(n)
	return n, err
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var n int64
	defer func() {
		s.mu.Lock()
		s.sent += n
		s.count++
		s.mu.Unlock()
	}()
	w = counting{w, &n}
	if s.isolate {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		w.Header().Set("Cross-Origin-Resource-Policy", "same-origin")
	}
	if x, ok := s.extra[r.URL.Path]; ok {
		w.Header().Set("Content-Type", x.ctype)
		w.Header().Set("Cache-Control", "no-store")
		if x.path != "" {
			http.ServeFile(w, r, x.path)
		} else {
			w.Write(x.data)
		}
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	if !fs.ValidPath(name) {
		http.Error(w, "bad path", http.StatusBadRequest)
		return
	}
	data, err := os.ReadFile(filepath.Join(s.root, filepath.FromSlash(name)))
	if err != nil {
		http.Error(w, "404 not found: "+name, http.StatusNotFound)
		return
	}
	s.mu.Lock()
	s.paths = append(s.paths, name)
	s.mu.Unlock()
	urlPath := "/" + name
	if name == "index.html" && r.URL.Path != "/index.html" {
		urlPath = r.URL.Path
	}
	for k, v := range hosts.HeadersFor(s.rules, urlPath) {
		w.Header()[k] = v
	}
	ct := w.Header().Get("Content-Type")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && r.Header.Get("Range") == "" && compressible(ct) {
		data = s.gzipped(name, data)
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
	}
	http.ServeContent(w, r, path.Base(name), time.Time{}, bytes.NewReader(data))
}

func compressible(ct string) bool {
	for _, p := range gzipTypes {
		if strings.HasPrefix(ct, p) {
			return true
		}
	}
	return false
}

func (s *server) gzipped(name string, data []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if z, ok := s.gz[name]; ok {
		return z
	}
	z := gzipBytes(data)
	s.gz[name] = z
	return z
}

// gzipBytes compresses at gzip's default level, as most hosts do.
func gzipBytes(data []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}
