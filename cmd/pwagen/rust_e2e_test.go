package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/internal/rusttest"
)

// TestRustTemplate walks the Rust user's path: new --template rust,
// validate, package with no edits, the page in Chromium gives the answers
// of the Go template's model (same weights) online and offline; then a
// compile error shows rustc's output and leaves the package as it was.
func TestRustTemplate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds with cargo and drives Chromium")
	}
	rusttest.Require(t)
	dir := filepath.Join(t.TempDir(), "iris-rust")
	pwagen(t, "new", "--template", "rust", dir)
	pwagen(t, "validate", dir) // exit 0: every check passed
	pwagen(t, "package", dir)
	goDir := filepath.Join(t.TempDir(), "iris-go")
	pwagen(t, "new", goDir)
	in := []string{"5.1", "3.5", "1.4", "0.2"}
	want, label := nativeIris(t, goDir, in)

	ctx := browsertest.New(t)
	url, stop := startPreview(t, filepath.Join(dir, "dist"))
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	browsertest.WaitFor(t, ctx, `document.querySelector('#result')?.dataset.values`, diagJS, 60*time.Second)
	checkShown(t, browsertest.Eval[shown](t, ctx, resultJS), want, label)

	browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, `'no controller'`, 20*time.Second)
	browsertest.WaitFor(t, ctx, wasmCachedJS, `'the .wasm is not in a cache'`, 20*time.Second)
	stop()
	browsertest.Do(t, ctx, chromedp.Reload())
	browsertest.WaitFor(t, ctx, `document.querySelector('#result')?.dataset.values`, diagJS, 60*time.Second)
	checkShown(t, browsertest.Eval[shown](t, ctx, resultJS), want, label)

	// A compile error: rustc's own lines, and dist/ as it was.
	before, err := os.ReadFile(filepath.Join(dir, "dist", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "src", "model.rs")
	src, _ := os.ReadFile(model)
	os.WriteFile(model, append(src, "\nfn broken() -> f32 { not_defined_anywhere }\n"...), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"pwagen", "package", dir}, &out, &errb); code != 1 {
		t.Fatalf("pwagen package with a compile error: exit %d, want 1\n%s", code, errb.String())
	}
	for _, w := range []string{"compiling the model (cargo build --release --target wasm32-wasi --offline) failed", "error[E0425]: cannot find value `not_defined_anywhere`", "src/model.rs"} {
		if !strings.Contains(errb.String(), w) {
			t.Errorf("stderr does not say %q:\n%s", w, errb.String())
		}
	}
	after, err := os.ReadFile(filepath.Join(dir, "dist", "index.html"))
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("dist/index.html changed after a failed build (%v)", err)
	}
}
