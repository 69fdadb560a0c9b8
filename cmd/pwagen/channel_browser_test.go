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
	dir := packIrisWith(t, "big-app", "big.go", bigOutputGo)
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

// TestChannelIdleWorker: on a cross-origin isolated page, a model worker
// (and, with simd-threads, each kernels helper) with no call to answer
// goes back to its event loop after a second (channel.js IDLE_MS,
// threads_part.wat threads_helper) instead of sleeping in Atomics.wait
// for good. The page can then measure its memory:
// performance.measureUserAgentSpecificMemory() waits for every worker of
// the page, and never answered while one was blocked. The calls after the
// idle time are right, alone and several at once, and still go through
// the shared channel.
func TestChannelIdleWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a model and drives Chromium")
	}
	dir := filepath.Join(t.TempDir(), "idle-app")
	pwagen(t, "new", dir)
	b, err := os.ReadFile(filepath.Join(dir, "pwagen.toml"))
	if err != nil {
		t.Fatal(err)
	}
	toml := strings.Replace(string(b), `isolation = "none"`, `isolation = "headers"`, 1)
	if toml == string(b) {
		t.Fatal(`pwagen.toml has no isolation = "none" to change`)
	}
	if err := os.WriteFile(filepath.Join(dir, "pwagen.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	pwagen(t, "package", "--quiet", dir)
	want, _ := nativeIris(t, dir, []string{"5.1", "3.5", "1.4", "0.2"})
	url, _ := startPreview(t, filepath.Join(dir, "dist"))
	for _, variant := range []string{"simd", "simd-threads"} {
		t.Run(variant, func(t *testing.T) {
			// Eager: Chromium answers at once instead of after its next
			// garbage collection (up to 20 s); a blocked worker stops it
			// either way.
			ctx := browsertest.New(t, chromedp.Flag("enable-blink-features", "ForceEagerMeasureMemory"))
			// A page of the package's origin and headers that is not the
			// app: the app's own loadModel would start another model.
			browsertest.Do(t, ctx, chromedp.Navigate(url+"manifest.webmanifest"))
			type result struct {
				Transport string      `json:"transport"`
				Variant   string      `json:"variant"`
				Isolated  bool        `json:"isolated"`
				Memory    float64     `json:"memory"` // bytes; -1: no answer within 15 s
				Outs      [][]float64 `json:"outs"`
			}
			r := browsertest.Eval[result](t, ctx, `import('./pwagen.js').then(async ({ loadModel }) => {
				const m = await loadModel({ serviceWorker: false, workers: 1, variant: '`+variant+`' });
				const x = new Float32Array([5.1, 3.5, 1.4, 0.2]);
				const outs = [await m.predict(x), await m.predict(x)];
				await new Promise((res) => setTimeout(res, 1500)); // idle, past a second
				const timeout = new Promise((res) => setTimeout(() => res(null), 15000));
				const mem = await Promise.race([performance.measureUserAgentSpecificMemory(), timeout]);
				await new Promise((res) => setTimeout(res, 1500)); // idle again
				outs.push(await m.predict(x), ...(await Promise.all([m.predict(x), m.predict(x), m.predictBatch([x, x]).then((b) => b[1])])));
				const info = m.info;
				m.dispose();
				return { transport: info.transport, variant: info.variant, isolated: self.crossOriginIsolated, memory: mem ? mem.bytes : -1, outs: outs.map((a) => Array.from(a)) };
			})`)
			if !r.Isolated || r.Transport != "shared-memory" || r.Variant != variant {
				t.Fatalf("crossOriginIsolated %v, info.transport %q, info.variant %q on a page served with isolation = \"headers\"; want true, shared-memory, %s", r.Isolated, r.Transport, r.Variant, variant)
			}
			if r.Memory <= 0 {
				t.Fatalf("performance.measureUserAgentSpecificMemory() did not answer within 15 s with the model's workers idle (%s): is one blocked in Atomics.wait?", variant)
			}
			if len(r.Outs) != 6 {
				t.Fatalf("%d answers, want 6", len(r.Outs))
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
		})
	}
}

// packIrisWith makes and packages, in a temporary folder name, the default
// iris project with isolation = "headers", whose predict is the one in
// src (written as model/file), the template's renamed predictIris for it
// to call.
func packIrisWith(t *testing.T, name, file, src string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
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
	if err := os.WriteFile(filepath.Join(dir, "model", file), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	edit(filepath.Join(dir, "pwagen.toml"), `isolation = "none"`, `isolation = "headers"`)
	pwagen(t, "package", "--quiet", dir)
	return dir
}
