package main

import (
	"bytes"
	"compress/gzip"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pwagen/pwagen/hosts"
)

// server serves a package with hosts.Preview, the handler of pwagen serve:
// the package's own header rules, and the .br or .gz pwagen package wrote
// beside each compressible file when the browser accepts it (weights,
// images: as they are), index.html for "/". It counts the bytes of every
// response body it sends, whichever target (page, worker, service worker)
// asked. /__bench/ serves the harness's own files, without the package's
// headers.
type server struct {
	preview *hosts.Preview
	extra   map[string]extraFile

	// isolate adds COOP/COEP to every response: the page is
	// cross-origin isolated (SharedArrayBuffer, threads,
	// performance.measureUserAgentSpecificMemory).
	isolate bool

	mu    sync.Mutex
	sent  int64
	count int
	paths []string // files of the package served since the last reset, one per request

	ln  net.Listener
	srv *http.Server
	URL string

	// onServed, when set, hears each request: its path, when it arrived
	// and when its response ended (bench _coldab's request timeline).
	onServed func(path string, start, end time.Time)
}

type extraFile struct {
	path, ctype string // a file on disk, or
	data        []byte
}

var gzipTypes = []string{"text/", "application/javascript", "application/json", "application/manifest+json", "image/svg+xml", "application/wasm"}

func startServer(root string, extra map[string]extraFile) (*server, error) {
	p, err := hosts.NewPreview(root, hosts.IsolationNone)
	if err != nil {
		return nil, err
	}
	s := &server{preview: p, extra: extra}
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

// counting counts the bytes of a response body and keeps its status.
type counting struct {
	http.ResponseWriter
	n      *int64
	status int
}

func (c *counting) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *counting) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(p)
	*c.n += int64(n)
	return n, err
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var n int64
	cw := &counting{ResponseWriter: w, n: &n}
	if s.onServed != nil {
		t0 := time.Now()
		defer func() { s.onServed(r.URL.Path, t0, time.Now()) }()
	}
	defer func() {
		s.mu.Lock()
		s.sent += n
		s.count++
		s.mu.Unlock()
	}()
	if s.isolate {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		w.Header().Set("Cross-Origin-Resource-Policy", "same-origin")
	}
	if x, ok := s.extra[r.URL.Path]; ok {
		w.Header().Set("Content-Type", x.ctype)
		w.Header().Set("Cache-Control", "no-store")
		if x.path != "" {
			http.ServeFile(cw, r, x.path)
		} else {
			cw.Write(x.data)
		}
		return
	}
	s.preview.ServeHTTP(cw, r)
	if cw.status < 400 {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "" || strings.HasSuffix(name, "/") {
			name += "index.html"
		}
		s.mu.Lock()
		s.paths = append(s.paths, name)
		s.mu.Unlock()
	}
}

func compressible(ct string) bool {
	for _, p := range gzipTypes {
		if strings.HasPrefix(ct, p) {
			return true
		}
	}
	return false
}

// gzipBytes compresses at gzip's default level, as most hosts do.
func gzipBytes(data []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}
