package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// bigRepeat is how many times the test model repeats iris's 3 outputs:
// 96,000 bytes, more than the 64 KiB shared region a v1 model's worker
// gets (loader/pool.js, channelCapacity).
const bigRepeat = 8000

// bigOutputGo replaces the iris template's predict with one whose output
// is iris's, repeated bigRepeat times.
var bigOutputGo = fmt.Sprintf(`package main

// predict answers iris's probabilities %d times over: an output larger
// than the loader's shared channel.
func predict(in []float32) ([]float32, error) {
	p, err := predictIris(in)
	if err != nil {
		return nil, err
	}
	out := make([]float32, 0, %d*len(p))
	for i := 0; i < %d; i++ {
		out = append(out, p...)
	}
	return out, nil
}
`, bigRepeat, bigRepeat, bigRepeat)

// TestChannelLargeOutput: on a cross-origin isolated page, where predict
// goes through the worker's SharedArrayBuffer, an output larger than that
// region comes back by postMessage (status POSTED) and is the model's
// answer; the calls after it, through the channel again, and a batch
// (posted while the worker waits on the channel) are right too.
func TestChannelLargeOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a model and drives Chromium")
	}
	dir := filepath.Join(t.TempDir(), "big-app")
	pwagen(t, "new", dir)
	edit := func(path, from, to string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(b), from, to, 1)
		if s == string(b) {
			t.Fatalf("%s has no %q to change", path, from)
		}
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit(filepath.Join(dir, "model", "model.go"), "\nfunc predict(", "\nfunc predictIris(")
	if err := os.WriteFile(filepath.Join(dir, "model", "big.go"), []byte(bigOutputGo), 0o644); err != nil {
		t.Fatal(err)
	}
	edit(filepath.Join(dir, "pwagen.toml"), `isolation = "none"`, `isolation = "headers"`)
	pwagen(t, "package", "--quiet", dir)
	want, _ := nativeIris(t, dir, []string{"5.1", "3.5", "1.4", "0.2"})
	if len(want) != 3*bigRepeat {
		t.Fatalf("the native model answered %d values, want %d", len(want), 3*bigRepeat)
	}
	url, _ := startPreview(t, filepath.Join(dir, "dist"))
	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	type result struct {
		Transport string      `json:"transport"`
		Outs      [][]float64 `json:"outs"`
	}
	r := browsertest.Eval[result](t, ctx, `import('./pwagen.js').then(async ({ loadModel }) => {
		const m = await loadModel({ serviceWorker: false, workers: 1 });
		const x = new Float32Array([5.1, 3.5, 1.4, 0.2]);
		const outs = [await m.predict(x), await m.predict(x), ...(await m.predictBatch([x, x, x])), await m.predict(x)];
		const all = await Promise.all([m.predict(x), m.predict(x), m.predictBatch([x, x]).then((b) => b[1])]);
		m.dispose();
		return { transport: m.info.transport, outs: [...outs, ...all].map((a) => Array.from(a)) };
	})`)
	if r.Transport != "shared-memory" {
		t.Fatalf("info.transport = %q on a page served with isolation = \"headers\"; want shared-memory", r.Transport)
	}
	if len(r.Outs) != 9 {
		t.Fatalf("%d answers, want 9", len(r.Outs))
	}
	for k, got := range r.Outs {
		if len(got) != len(want) {
			t.Fatalf("answer %d has %d values, want %d", k, len(got), len(want))
		}
		for i := range want {
			if d := got[i] - want[i]; d > 1e-6 || d < -1e-6 {
				t.Fatalf("answer %d, value %d is %g, native Go says %g", k, i, got[i], want[i])
			}
		}
	}
}
