package packager

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// precompressBuild packages a fixed set of files (no compile) into out.
func precompressBuild(t *testing.T, on bool, cache, out string) *Build {
	t.Helper()
	c := newProject(t, nil)
	c.Deploy.Precompress = on
	b := NewBuild(c, out)
	b.CacheDir = cache
	shard := filepath.Join(t.TempDir(), "w.bin")
	os.WriteFile(shard, bytes.Repeat([]byte("weights!"), 512), 0o644)
	js := []byte(strings.Repeat("export function f(x){return x*2}\n", 300))
	for _, f := range []*File{
		{Name: "index.html", Data: []byte("<!doctype html>" + strings.Repeat("<p>hello</p>", 200))},
		{Name: "app-1a2b3c4d.js", Data: js, Hashed: true},
		{Name: "model-9c0d1e2f.wasm", Data: append([]byte("\x00asm\x01\x00\x00\x00"), make([]byte, 8192)...), Hashed: true},
		{Name: "icons/icon-192-1a1a1a1a.png", Data: bytes.Repeat([]byte("png"), 1000), Hashed: true},
		{Name: "weights/0123456789abcdef.bin", Src: &Section{Path: shard, Size: 4096}, Hashed: true},
		{Name: "tiny.json", Data: []byte("{}")},
		{Name: "_headers", Data: bytes.Repeat([]byte("/*\n  X: y\n"), 100), Host: true},
	} {
		b.add(f)
	}
	ctx := context.Background()
	for _, s := range []func(context.Context, *Build) error{startPrecompress, precompressFiles} {
		if err := s(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeOut(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// compressedIn lists OUT's .br and .gz files with their bytes.
func compressedIn(t *testing.T, out string) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && (strings.HasSuffix(p, ".br") || strings.HasSuffix(p, ".gz")) {
			rel, _ := filepath.Rel(out, p)
			got[filepath.ToSlash(rel)], _ = os.ReadFile(p)
		}
		return err
	})
	return got
}

// TestPrecompressFiles: a .br and a .gz beside each compressible file that
// they shrink, decoding to it; none for images, weight shards, host files
// or files they would not shrink; none with precompress off; the same
// bytes with the cache off, cold and warm.
func TestPrecompressFiles(t *testing.T) {
	root := t.TempDir()
	cache := filepath.Join(root, "cache")
	runs := []map[string][]byte{}
	for i, dir := range []string{"off", cache, cache} {
		out := filepath.Join(root, "out"+string(rune('0'+i)))
		precompressBuild(t, true, dir, out)
		got := compressedIn(t, out)
		var names []string
		for n := range got {
			names = append(names, n)
		}
		sort.Strings(names)
		want := "app-1a2b3c4d.js.br app-1a2b3c4d.js.gz index.html.br index.html.gz model-9c0d1e2f.wasm.br model-9c0d1e2f.wasm.gz"
		if strings.Join(names, " ") != want {
			t.Fatalf("run %d: precompressed files %q, want %q", i+1, names, want)
		}
		for n, data := range got {
			orig, _ := os.ReadFile(filepath.Join(out, strings.TrimSuffix(strings.TrimSuffix(n, ".br"), ".gz")))
			var r io.Reader = brotli.NewReader(bytes.NewReader(data))
			if strings.HasSuffix(n, ".gz") {
				zr, err := gzip.NewReader(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("%s: %v", n, err)
				}
				r = zr
			}
			dec, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(dec, orig) {
				t.Errorf("%s: does not decode to its file (%v)", n, err)
			}
		}
		runs = append(runs, got)
	}
	for i, r := range runs[1:] {
		for n, data := range runs[0] {
			if !bytes.Equal(r[n], data) {
				t.Errorf("run %d: %s differs from the first run's", i+2, n)
			}
		}
	}
	out := filepath.Join(root, "off")
	precompressBuild(t, false, cache, out)
	if got := compressedIn(t, out); len(got) != 0 {
		t.Errorf("precompress = false wrote %d files", len(got))
	}
}

// TestReportShowsBrotli: the package report has a brotli column with the
// .br sizes.
func TestReportShowsBrotli(t *testing.T) {
	b := precompressBuild(t, true, "off", filepath.Join(t.TempDir(), "out"))
	var rep strings.Builder
	b.WriteReport(&rep)
	if !strings.Contains(rep.String(), "brotli") {
		t.Fatalf("no brotli column:\n%s", rep.String())
	}
	br := human(int64(len(b.Compressed["app-1a2b3c4d.js.br"])))
	for _, l := range strings.Split(rep.String(), "\n") {
		if strings.Contains(l, "app-1a2b3c4d.js") && !strings.HasSuffix(strings.TrimSpace(l), br) {
			t.Errorf("report line %q does not end with the .br size %s", l, br)
		}
	}
}
