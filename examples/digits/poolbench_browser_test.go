package digits_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pwagen/pwagen/internal/browsertest"
)

// poolBenchJS times predictBatch of n digits with one worker and with two,
// for each loader in bases (the package's, and another's to compare), in
// alternating windows of about 300 ms so that the rest of the machine
// weighs on all alike, after a warm-up that also starts the second
// workers; and the same for n predict calls made at once ("conc-"). It
// returns each window's time per batch in ms, by kind, base and worker
// count.
const poolBenchJS = `(async (b64, n, rounds, bases) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const digits = Array.from({ length: n }, (_, i) => Float32Array.from(bytes.subarray((i % 100) * 784, ((i % 100) + 1) * 784), (v) => v / 255));
  const opts = { serviceWorker: false, storage: 'memory' };
  const ms = {};
  for (const base of bases) {
    const { loadModel } = await import(new URL(base + 'pwagen.js', location.href).href);
    for (const w of [1, 2]) ms[base + w] = await loadModel({ ...opts, workers: w });
  }
  for (const k in ms) for (const t0 = performance.now(); performance.now() - t0 < 1000;) await ms[k].predictBatch(digits);
  const kinds = { '': (m) => m.predictBatch(digits), 'conc-': (m) => Promise.all(digits.map((d) => m.predict(d))) };
  const out = {};
  for (const kind in kinds) for (const k in ms) out[kind + k] = [];
  for (let r = 0; r < rounds; r++) {
    for (const kind in kinds) {
      for (const k in ms) {
        let calls = 0;
        const t0 = performance.now();
        do { await kinds[kind](ms[k]); calls++; } while (performance.now() - t0 < 300);
        out[kind + k].push((performance.now() - t0) / calls);
      }
    }
  }
  for (const k in ms) ms[k].dispose();
  return out;
})`

// BenchmarkBrowserPoolBatch reports predictBatch of 100 digits with two
// workers against one, on a plain page and on an isolated one: the
// medians of the windows' times, and the median and best of the windows'
// ratios (issue 18's goal: 1.7× on two cores). With POOLBENCH_OLD set to
// another build's pwagen.js (POOLBENCH_SAVE=FILE saves this
// build's), the same is measured for it in the same windows, as "old-".
//
//	go test -run XXX -bench BenchmarkBrowserPoolBatch -benchtime 1x ./examples/digits
func BenchmarkBrowserPoolBatch(b *testing.B) {
	nv := LoadNative(b)
	dir := packaged(b)
	if p := os.Getenv("POOLBENCH_SAVE"); p != "" { // keep this build's loader, to compare a later one with
		js, err := os.ReadFile(filepath.Join(dir, "pwagen.js"))
		if err == nil {
			err = os.WriteFile(p, js, 0o644)
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Skip("POOLBENCH_SAVE: saved this build's pwagen.js to " + p)
	}
	bases := []string{"./"}
	var old []byte
	if p := os.Getenv("POOLBENCH_OLD"); p != "" {
		var err error
		if old, err = os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
		bases = append(bases, "./old/")
	}
	// files serves the package, and at /old/ the same with the other
	// loader.
	files := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if rest, ok := strings.CutPrefix(r.URL.Path, "/old/"); ok && old != nil {
				if rest == "pwagen.js" {
					w.Header().Set("Content-Type", "text/javascript")
					w.Write(old)
					return
				}
				r.URL.Path = "/" + rest
			}
			h.ServeHTTP(w, r)
		})
	}
	js, err := json.Marshal(bases)
	if err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		serve func(t testing.TB, h http.Handler) *browsertest.Server
	}{
		{"plain", browsertest.Start},
		{"isolated", isolated},
	} {
		b.Run(tt.name, func(b *testing.B) {
			ctx := browsertest.New(b)
			srv := tt.serve(b, files(static(dir)))
			browsertest.Do(b, ctx, chromedp.Navigate(srv.URL+"__blank"))
			var r map[string][]float64
			for b.Loop() {
				r = browsertest.Eval[map[string][]float64](b, ctx, fmt.Sprintf("%s(%q, 100, 10, %s)", poolBenchJS, base64.StdEncoding.EncodeToString(nv.Pixels(100)), js))
			}
			med := func(v []float64) float64 {
				s := append([]float64(nil), v...)
				sort.Float64s(s)
				return s[len(s)/2]
			}
			for _, key := range append(bases, prefixed("conc-", bases)...) {
				base := key
				one, two := r[key+"1"], r[key+"2"]
				ratios := make([]float64, len(one))
				for i := range one {
					ratios[i] = one[i] / two[i]
				}
				name := strings.Trim(strings.Replace(base, "./", "", 1), "/-")
				if name != "" {
					name += "-"
				}
				b.ReportMetric(med(one), name+"ms/batch-1w")
				b.ReportMetric(med(two), name+"ms/batch-2w")
				b.ReportMetric(med(ratios), name+"speedup-median")
				b.ReportMetric(slices.Max(ratios), name+"speedup-best")
			}
		})
	}
}

// prefixed is each of s with p before it.
func prefixed(p string, s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = p + x
	}
	return out
}
