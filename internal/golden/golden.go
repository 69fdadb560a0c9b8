// Package golden compares generated text with checked-in files under testdata/.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files with the current output")

// Path is the golden file of the running test: testdata/<TestName>.golden,
// where a subtest's name becomes a folder (testdata/TestX/sub.golden).
func Path(t testing.TB) string {
	return filepath.Join("testdata", filepath.FromSlash(t.Name())+".golden")
}

// Assert fails the test when got differs from the golden file, showing the
// first differing lines. Run `go test -update` to rewrite the file, then
// review the diff. CRLF line endings are normalised on both sides.
func Assert(t testing.TB, got []byte) {
	t.Helper()
	AssertFile(t, Path(t), got)
}

// AssertFile is Assert with an explicit golden file path.
func AssertFile(t testing.TB, path string, got []byte) {
	t.Helper()
	got = normalise(got)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test -update` to create it)", err)
	}
	want = normalise(want)
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run `go test -update` to accept, then review the diff):\n%s", path, Diff(string(want), string(got)))
	}
}

func normalise(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

// Diff is a short line diff: the first differing line with a little context,
// "-" for want and "+" for got.
func Diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	from := max(0, i-2)
	for k := from; k < i; k++ {
		fmt.Fprintf(&b, "  %d: %s\n", k+1, w[k])
	}
	for k := i; k < len(w) && k < i+5; k++ {
		fmt.Fprintf(&b, "- %d: %s\n", k+1, w[k])
	}
	for k := i; k < len(g) && k < i+5; k++ {
		fmt.Fprintf(&b, "+ %d: %s\n", k+1, g[k])
	}
	fmt.Fprintf(&b, "(want %d lines, got %d)", len(w), len(g))
	return b.String()
}
