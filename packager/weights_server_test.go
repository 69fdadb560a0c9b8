package packager_test

import (
	"bufio"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/packager"

	"github.com/pwagen/pwagen/internal/browsertest"
)

// app is a packaged test app (testdata/weightsapp) with generated weights.
type app struct {
	Out     string                // the package
	Index   packager.WeightsIndex // its weights
	Answer  []float64             // what predict([2]) must give
	Weights string                // the weights file
	Peak    uint64                // the peak memory measured at package time
}

// writeWeights writes size deterministic pseudo-random bytes from seed to p.
// With change > 0, every change-th 4 MiB block gets different bytes.
func writeWeights(t testing.TB, p string, size int64, seed uint64, change int) uint32 {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var seedb [32]byte
	seedb[0] = byte(seed)
	rng := rand.NewChaCha8(seedb)
	crc := crc32.NewIEEE()
	w := bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<20)
	block := make([]byte, 4<<20)
	for off, i := int64(0), 0; off < size; off, i = off+int64(len(block)), i+1 {
		rng.Read(block)
		if change > 0 && i%change == change-1 {
			block[0] ^= 0xff
		}
		if _, err := w.Write(block[:min(int64(len(block)), size-off)]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return crc.Sum32()
}

var buildMu sync.Mutex

// buildApp packages testdata/weightsapp with size bytes of weights into dir.
func buildApp(t testing.TB, dir string, size int64, seed uint64, change int) *app {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if err := os.CopyFS(dir, os.DirFS("testdata/weightsapp")); err != nil {
		t.Fatal(err)
	}
	wp := filepath.Join(dir, "weights", "w.bin")
	sum := writeWeights(t, wp, size, seed, change)
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := packager.NewBuild(cfg, filepath.Join(dir, "dist"))
	if err := packager.Run(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	var peak uint64
	if p := b.Report.Memory.PeakBytes; p != nil {
		peak = *p
	}
	return &app{
		Peak:    peak,
		Out:     filepath.Join(dir, "dist"),
		Index:   b.Weights,
		Answer:  []float64{float64(sum >> 16), float64(sum & 0xffff), float64(size >> 16), 3},
		Weights: wp,
	}
}

// request is one weights request the server saw.
type request struct {
	Path    string
	Dropped bool // the server cut the connection mid-body
}

// server serves a package like a static host, logs every weights request,
// and can cut connections and hold the .wasm back.
type server struct {
	t    testing.TB
	addr string
	ls   *browsertest.Server

	mu        sync.Mutex
	dir       string    // the package being served
	dropAfter int       // weights answers served whole before the rest are cut; <0: never
	served    int       // weights answers served whole
	log       []request // weights requests
	wasmHits  int       // .wasm requests
	gate      chan struct{}
	fallback  string // a weights path answered with the index page, as SPA hosts do

}

func startServer(t testing.TB, dir string) *server {
	t.Helper()
	s := &server{t: t, dir: dir, dropAfter: -1}
	s.ls = browsertest.Start(t, s)
	s.addr = strings.TrimSuffix(strings.TrimPrefix(s.ls.URL, "http://"), "/")
	return s
}

func (s *server) URL() string    { return "http://" + s.addr + "/" }
func (s *server) Origin() string { return "http://" + s.addr }

// stop closes the listener and every connection: the host is gone.
func (s *server) stop() { s.ls.Stop() }

// set chooses the package and when to cut connections, and clears the log.
func (s *server) set(dir string, dropAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dir, s.dropAfter, s.served, s.log, s.wasmHits = dir, dropAfter, 0, nil, 0
}

// wasmRequests is how many .wasm requests arrived since the last set.
func (s *server) wasmRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wasmHits
}

// requests returns the weights requests since the last set.
func (s *server) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.log...)
}

// holdWasm makes requests for the .wasm wait until release is called.
func (s *server) holdWasm() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := make(chan struct{})
	s.gate = g
	return sync.OnceFunc(func() { close(g) })
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	s.mu.Lock()
	dir, gate := s.dir, s.gate
	weights := strings.HasPrefix(name, "weights/")
	drop := false
	if weights {
		drop = s.dropAfter >= 0 && s.served >= s.dropAfter
		if !drop {
			s.served++
		}
		s.log = append(s.log, request{Path: name, Dropped: drop})
	}
	if path.Ext(name) == ".wasm" {
		s.wasmHits++
	}
	s.mu.Unlock()
	if gate != nil && path.Ext(name) == ".wasm" {
		<-gate
	}
	if name == s.fallbackPath() {
		name = "index.html"
	}
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		http.Error(w, "404 not found", http.StatusNotFound)
		return
	}
	typ := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".wasm":
		typ = "application/wasm"
	case ".bin":
		typ = "application/octet-stream"
	case ".webmanifest":
		typ = "application/manifest+json"
	}
	if drop {
		// Promise the whole shard, send half, and hang up.
		conn, bw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			s.t.Error(err)
			return
		}
		fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", typ, len(data))
		bw.Write(data[:len(data)/2])
		bw.Flush()
		conn.Close()
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(data)
}

func (s *server) fallbackPath() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fallback
}

// answerWithPage makes the server answer the weights path p with index.html.
func (s *server) answerWithPage(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fallback = p
}
