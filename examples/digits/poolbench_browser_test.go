package digits_test

import (
	"encoding/base64"
	"fmt"
	"sort"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pwagen/pwagen/internal/browsertest"
)

// poolBenchJS times predictBatch of n digits with one worker and with two,
// in alternating windows of about 300 ms (so that the rest of the machine
// weighs on both alike), after a warm-up that also starts the second
// worker. It returns each window's time per batch, in ms.
const poolBenchJS = `(async (b64, n, rounds) => {
  const { loadModel } = await import(new URL('pwagen.js', location.href).href);
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const digits = Array.from({ length: n }, (_, i) => Float32Array.from(bytes.subarray((i % 100) * 784, ((i % 100) + 1) * 784), (v) => v / 255));
  const opts = { serviceWorker: false, storage: 'memory' };
  const ms = { 1: await loadModel({ ...opts, workers: 1 }), 2: await loadModel({ ...opts, workers: 2 }) };
  for (const w of [1, 2]) for (const t0 = performance.now(); performance.now() - t0 < 1000;) await ms[w].predictBatch(digits);
  const out = { 1: [], 2: [] };
  for (let r = 0; r < rounds; r++) {
    for (const w of [1, 2]) {
      let calls = 0;
      const t0 = performance.now();
      do { await ms[w].predictBatch(digits); calls++; } while (performance.now() - t0 < 300);
      out[w].push((performance.now() - t0) / calls);
    }
  }
  ms[1].dispose();
  ms[2].dispose();
  return out;
})`

// BenchmarkBrowserPoolBatch reports predictBatch of 100 digits with two
// workers against one, on a plain page and on an isolated one: the
// median and the best of the windows' ratios (issue 18's goal: 1.7× on
// two cores).
//
//	go test -run XXX -bench BenchmarkBrowserPoolBatch -benchtime 1x ./examples/digits
func BenchmarkBrowserPoolBatch(b *testing.B) {
	nv := LoadNative(b)
	dir := packaged(b)
	for _, tt := range []struct {
		name  string
		serve func(t testing.TB, dir string) *browsertest.Server
	}{
		{"plain", serve},
		{"isolated", func(t testing.TB, dir string) *browsertest.Server { return isolated(t, static(dir)) }},
	} {
		b.Run(tt.name, func(b *testing.B) {
			ctx := browsertest.New(b)
			srv := tt.serve(b, dir)
			browsertest.Do(b, ctx, chromedp.Navigate(srv.URL+"__blank"))
			var r map[string][]float64
			for b.Loop() {
				r = browsertest.Eval[map[string][]float64](b, ctx, fmt.Sprintf("%s(%q, 100, 12)", poolBenchJS, base64.StdEncoding.EncodeToString(nv.Pixels(100))))
			}
			one, two := r["1"], r["2"]
			ratios := make([]float64, len(one))
			for i := range one {
				ratios[i] = one[i] / two[i]
			}
			sort.Float64s(ratios)
			med := func(v []float64) float64 { s := append([]float64(nil), v...); sort.Float64s(s); return s[len(s)/2] }
			b.ReportMetric(med(one), "ms/batch-1w")
			b.ReportMetric(med(two), "ms/batch-2w")
			b.ReportMetric(ratios[len(ratios)/2], "speedup-median")
			b.ReportMetric(ratios[len(ratios)-1], "speedup-best")
		})
	}
}
