package digitsrust_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/internal/rusttest"
	"github.com/pwagen/pwagen/packager"
)

// browserDigits is how many test digits each page run classifies.
const browserDigits = 100

// packageExample runs `pwagen package examples/digits-rust` into a
// temporary folder (cargo build included) and returns it.
func packageExample(t *testing.T) string {
	t.Helper()
	rusttest.Require(t)
	cfg, err := config.Load(".")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "dist")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := packager.Run(ctx, packager.NewBuild(cfg, out)); err != nil {
		t.Fatalf("pwagen package examples/digits-rust: %v", err)
	}
	return out
}

// serveDir serves a package like a static host (browsertest.Static).
func serveDir(t testing.TB, dir string) *browsertest.Server {
	return browsertest.Start(t, browsertest.Static(dir))
}

type pageRun struct {
	WeightsFrom string      `json:"weightsFrom"`
	Variant     string      `json:"variant"`
	Probs       [][]float64 `json:"probs"`
	Ms          float64     `json:"ms"`
}

// classify loads the model through the loader (beside the app's own) and
// classifies n test digits, one predict each, input pixel/255.
func classify(t testing.TB, ctx context.Context, pixels []byte, n int, variant string) pageRun {
	t.Helper()
	opts := "{}"
	if variant != "" {
		opts = fmt.Sprintf("{ variant: %q }", variant)
	}
	return browsertest.Eval[pageRun](t, ctx, fmt.Sprintf(`(async () => {
  const { loadModel } = await import(new URL('pwagen.js', location.href).href);
  const model = await loadModel(%s);
  const bytes = Uint8Array.from(atob(%q), (c) => c.charCodeAt(0));
  const probs = [];
  const t0 = performance.now();
  for (let i = 0; i < %d; i++) {
    const x = new Float32Array(784);
    for (let j = 0; j < 784; j++) x[j] = bytes[i * 784 + j] / 255;
    probs.push(Array.from(await model.predict(x)));
  }
  const ms = performance.now() - t0;
  const { weightsFrom, variant } = model.info;
  model.dispose();
  return { weightsFrom, variant, probs, ms };
})()`, opts, base64.StdEncoding.EncodeToString(pixels[:n*digitnet.InputLen]), n))
}

// TestBrowserSameAnswersOnlineAndOffline: the packaged Rust example in
// Chromium gives examples/digits' answers (its Go network run natively)
// within 1e-5 on its test digits, with the SIMD and the scalar kernels,
// and again after the server stops.
func TestBrowserSameAnswersOnlineAndOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the model with cargo and drives Chromium")
	}
	out := packageExample(t)
	set := testSet(t)
	weights, err := os.ReadFile("weights/digits.bin")
	if err != nil {
		t.Fatal(err)
	}
	goNet, err := digitnet.Unmarshal(weights)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]float32
	var img []float32
	for i := range browserDigits {
		p, err := goNet.Predict(nil, set.Image(img, i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, p)
	}
	check := func(label string, run pageRun) {
		t.Helper()
		if len(run.Probs) != browserDigits {
			t.Fatalf("%s: %d digits classified, want %d", label, len(run.Probs), browserDigits)
		}
		maxDiff := 0.0
		for i, got := range run.Probs {
			g := make([]float32, len(got))
			for k, v := range got {
				g[k] = float32(v)
				d := math.Abs(v - float64(want[i][k]))
				maxDiff = max(maxDiff, d)
				if d > 1e-5 {
					t.Errorf("%s: digit %d class %d: Rust in Chromium %v, Go %v (differ by %.3g > 1e-5)", label, i, k, v, want[i][k], d)
				}
			}
			if digitnet.Argmax(g) != digitnet.Argmax(want[i]) {
				t.Errorf("%s: digit %d: Rust in Chromium reads %d, Go %d", label, i, digitnet.Argmax(g), digitnet.Argmax(want[i]))
			}
		}
		t.Logf("%s (%s kernels, weights from %s): %d digits, largest difference from Go %.3g, %.3f ms per digit",
			label, run.Variant, run.WeightsFrom, browserDigits, maxDiff, run.Ms/browserDigits)
	}

	ctx := browsertest.New(t)
	srv := serveDir(t, out)
	browsertest.Do(t, ctx, chromedp.Navigate(srv.URL))
	for _, v := range []string{"", "scalar"} {
		check("online "+v, classify(t, ctx, set.Pixels, browserDigits, v))
	}
	browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, `'no controller'`, 30*time.Second)
	browsertest.WaitFor(t, ctx, `(async () => { for (const k of await caches.keys()) for (const r of await (await caches.open(k)).keys()) if (r.url.endsWith('.wasm')) return true; return false; })()`, `'the .wasm is not in a cache'`, 30*time.Second)
	srv.Stop()
	if _, err := http.Get(srv.URL); err == nil {
		t.Fatal("the server still answers after Stop")
	}
	reload, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	browsertest.Do(t, reload, chromedp.Reload())
	run := classify(t, ctx, set.Pixels, browserDigits, "")
	if run.WeightsFrom != "indexeddb" {
		t.Errorf("offline: weights came from %q, want indexeddb", run.WeightsFrom)
	}
	check("offline", run)
}
