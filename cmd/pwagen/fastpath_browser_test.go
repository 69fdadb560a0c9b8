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

// fastPathJS runs iris through one worker and through two, in the ways
// that would catch a round trip's shortcut gone wrong: the loader writes
// a lone predict's input straight into an idle worker's shared channel,
// reuses that region on every call and copies each answer out of it.
const fastPathJS = `import('./pwagen.js').then(async ({ loadModel }) => {
  const xs = Array.from({ length: 24 }, (_, i) => new Float32Array([4.3 + 0.15 * i, 2 + 0.3 * (i % 5), 1 + 0.8 * (i % 7), 0.1 + 0.6 * (i % 4)]));
  const plain = (a) => Array.from(a);
  const timeout = (p) => Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 20 s')), 20000))]);
  const out = {};
  // spin: false: the page never catches an answer within the call, so
  // an inner call is still in flight when the outer one goes on.
  for (const [name, more] of [['workers1', { workers: 1 }], ['workers2', { workers: 2 }], ['nospin', { workers: 1, spin: false }]]) {
    const m = await loadModel({ serviceWorker: false, storage: 'memory', ...more });
    const r = { transport: m.info.transport, seq: [] };
    for (const x of xs) r.seq.push(plain(await m.predict(x)));
    // Every call at once: one through the channel, the others queued.
    r.all = (await timeout(Promise.all(xs.map((x) => m.predict(x))))).map(plain);
    // Each input overwritten as soon as predict returns: the call has its copy.
    r.mutated = (await timeout(Promise.all(xs.map((x) => {
      const y = x.slice();
      const p = m.predict(y);
      y.fill(NaN);
      return p;
    })))).map(plain);
    // An answer stays what it was once the next call has reused the region.
    const a0 = await m.predict(xs[0]);
    const a1 = await m.predict(xs[1]);
    r.kept = [plain(a0), plain(a1)];
    // An input whose reading calls predict (a getter): the inner call must
    // not go through the channel the outer one is writing into.
    let inner = null;
    const tricky = [0, xs[2][1], xs[2][2], xs[2][3]];
    Object.defineProperty(tricky, 0, { get() { inner ??= m.predict(xs[7]); return xs[2][0]; } });
    r.outer = plain(await timeout(m.predict(tricky)));
    r.inner = plain(await timeout(inner));
    // Single calls beside a batch.
    const [b, s0, s1] = await timeout(Promise.all([m.predictBatch(xs.slice(0, 6)), m.predict(xs[9]), m.predict(xs[10])]));
    r.batch = b.map(plain);
    r.beside = [plain(s0), plain(s1)];
    // A bad input leaves the channel working.
    r.bad = await m.predict(new Float32Array(5)).then(() => 'resolved', (e) => e.message);
    r.after = plain(await m.predict(xs[3]));
    m.dispose();
    out[name] = r;
  }
  return out;
})`

type fastPathRun struct {
	Transport string      `json:"transport"`
	Seq       [][]float64 `json:"seq"`
	All       [][]float64 `json:"all"`
	Mutated   [][]float64 `json:"mutated"`
	Kept      [][]float64 `json:"kept"`
	Outer     []float64   `json:"outer"`
	Inner     []float64   `json:"inner"`
	Batch     [][]float64 `json:"batch"`
	Beside    [][]float64 `json:"beside"`
	Bad       string      `json:"bad"`
	After     []float64   `json:"after"`
}

// TestPredictFastPath: on a cross-origin isolated page a lone predict's
// input goes straight into the idle worker's shared region, which every
// call reuses; on a plain page it is copied into a buffer and posted.
// Either way, with one worker, with two and with spin: false, every
// answer is the answer of the same input called alone: calls made all at
// once, inputs overwritten as soon as predict returns (the input is
// copied, not referenced), an earlier answer after later calls, an input
// whose reading calls predict (a getter; without the pool's guard it
// hangs), single calls beside a batch, and a call after a rejected one.
func TestPredictFastPath(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a model and drives Chromium")
	}
	dir := filepath.Join(t.TempDir(), "iris")
	pwagen(t, "new", dir)
	toml := filepath.Join(dir, "pwagen.toml")
	b, err := os.ReadFile(toml)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(toml, []byte(strings.Replace(string(b), `isolation = "none"`, `isolation = "headers"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	pwagen(t, "package", "--quiet", dir)
	for _, tt := range []struct{ serve, transport string }{{"none", "postMessage"}, {"headers", "shared-memory"}} {
		t.Run(tt.transport, func(t *testing.T) {
			url, _ := browsertest.ServePackage(t, filepath.Join(dir, "dist"), tt.serve)
			ctx := browsertest.New(t)
			browsertest.Do(t, ctx, chromedp.Navigate(url))
			runs := browsertest.Eval[map[string]fastPathRun](t, ctx, fastPathJS)
			for _, w := range []string{"workers1", "workers2", "nospin"} {
				r, ok := runs[w]
				if !ok {
					t.Fatalf("%s: no run", w)
				}
				if r.Transport != tt.transport {
					t.Errorf("%s: info.transport = %q, want %q", w, r.Transport, tt.transport)
				}
				if len(r.Seq) != 24 || fmt.Sprint(r.Seq[0]) == fmt.Sprint(r.Seq[1]) {
					t.Fatalf("%s: the answers called one by one do not tell the inputs apart: %v", w, r.Seq)
				}
				same := func(what string, got, want [][]float64) {
					t.Helper()
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("%s, %s:\n got %v\nwant %v (each input called alone)", w, what, got, want)
					}
				}
				same("every call at once", r.All, r.Seq)
				same("inputs overwritten after predict returned", r.Mutated, r.Seq)
				same("two answers after both calls", r.Kept, r.Seq[:2])
				same("an input whose reading calls predict, and that call", [][]float64{r.Outer, r.Inner}, [][]float64{r.Seq[2], r.Seq[7]})
				same("a batch beside single calls", r.Batch, r.Seq[:6])
				same("single calls beside a batch", r.Beside, [][]float64{r.Seq[9], r.Seq[10]})
				same("a call after a rejected one", [][]float64{r.After}, [][]float64{r.Seq[3]})
				if !strings.Contains(r.Bad, "5 values") {
					t.Errorf("%s: predict of 5 values: %q, want a rejection naming 5 values", w, r.Bad)
				}
			}
		})
	}
}
