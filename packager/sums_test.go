package packager

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// The loader carries every .wasm file's SHA-256 and the measured peak
// memory, the service worker the start of every hashed file's SHA-256
// (issue 12), and packaging twice gives the same bytes.
func TestPackageCarriesSumsAndPeak(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a model")
	}
	c := newProject(t, nil)
	b, err := build(t, c, filepath.Join(c.Dir, "dist"))
	if err != nil {
		t.Fatal(err)
	}
	peak := b.Report.Memory.PeakBytes
	if peak == nil || *peak == 0 {
		t.Fatal("the model's peak memory was not measured")
	}
	loader, sw := string(b.Files[LoaderName].Data), string(b.Files["sw.js"].Data)
	if want := fmt.Sprintf("memory:%d", *peak); !strings.Contains(loader, want) {
		t.Errorf("pwagen.js lacks %s", want)
	}
	wasm := 0
	for _, n := range b.sortedNames() {
		f := b.Files[n]
		if !f.Hashed || strings.HasPrefix(n, "weights/") {
			continue
		}
		sum := sha256Hex(f.Data)
		if path.Ext(n) == ".wasm" {
			wasm++
			if want := fmt.Sprintf("%q:%q", n, sum); !strings.Contains(loader, want) {
				t.Errorf("pwagen.js lacks the SHA-256 of %s (%s)", n, want)
			}
		}
		if want := fmt.Sprintf("%q", sum[:swSumDigits]); !strings.Contains(sw, want) {
			t.Errorf("sw.js lacks the start of the SHA-256 of %s (%s)", n, want)
		}
	}
	if wasm < 2 {
		t.Fatalf("%d .wasm files; want the model and its kernels", wasm)
	}
	again, err := build(t, c, filepath.Join(c.Dir, "dist2"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{LoaderName, "sw.js"} {
		if !bytes.Equal(b.Files[n].Data, again.Files[n].Data) {
			t.Errorf("%s differs between two packages of the same project", n)
		}
	}
}
