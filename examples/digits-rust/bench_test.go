package digitsrust_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/internal/rusttest"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/packager"
	"github.com/pwagen/pwagen/runner"
)

// The benchmarks compare this example with examples/digits (Go): the
// module's size, inference per digit under wazero and in Chromium, and the
// cold time until the app's model is ready.
//
//	go test ./examples/digits-rust -run '^$' -bench . -benchtime 3x

var examples = []struct{ name, dir string }{{"rust", "."}, {"go", "../digits"}}

func gzipLen(b []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Len()
}

// BenchmarkPredictWazero is one digit through each model under wazero
// with the SIMD kernels, as pwagen validate runs it; it reports the
// module's size too.
func BenchmarkPredictWazero(b *testing.B) {
	rusttest.Require(b)
	set := testSet(b)
	for _, ex := range examples {
		b.Run(ex.name, func(b *testing.B) {
			wasm := build(b, ex.dir)
			m := load(b, wasm, modules.SIMD)
			imgs := make([][]float32, 100)
			for i := range imgs {
				imgs[i] = set.Image(nil, i)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.Predict(context.Background(), imgs[i%len(imgs)]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(wasm)), "wasm-bytes")
			b.ReportMetric(float64(gzipLen(wasm)), "wasm-gzip-bytes")
		})
	}
}

// BenchmarkColdWazero is a cold start under wazero without a compilation
// cache: compile and link the module, load the weights, one predict.
func BenchmarkColdWazero(b *testing.B) {
	rusttest.Require(b)
	img := testSet(b).Image(nil, 0)
	for _, ex := range examples {
		b.Run(ex.name, func(b *testing.B) {
			wasm := build(b, ex.dir)
			weights, err := os.ReadFile("weights/digits.bin")
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m, err := runner.Load(context.Background(), wasm, weights, runner.Options{Variant: modules.SIMD})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := m.Predict(context.Background(), img); err != nil {
					b.Fatal(err)
				}
				m.Close(context.Background())
			}
		})
	}
}

var packagedOnce = map[string]*struct {
	once sync.Once
	dir  string
	err  error
}{"rust": {}, "go": {}}

// packagedTo packages an example once per run into a folder under top's
// temporary folder (sub-benchmarks run more than once).
func packagedTo(b, top *testing.B, name, dir string) string {
	p := packagedOnce[name]
	p.once.Do(func() {
		var cfg *config.Config
		if cfg, p.err = config.Load(dir); p.err != nil {
			return
		}
		p.dir = filepath.Join(top.TempDir(), name, "dist")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		p.err = packager.Run(ctx, packager.NewBuild(cfg, p.dir))
	})
	if p.err != nil {
		b.Fatal(p.err)
	}
	return p.dir
}

// BenchmarkChromium opens each packaged example in a fresh Chromium
// profile (a first visit: cold-ready-ms is navigation start to the app's
// model being ready), then times 100 digits through the loader per
// iteration (ms/digit).
func BenchmarkChromium(b *testing.B) {
	rusttest.Require(b)
	set := testSet(b)
	top := b
	for _, ex := range examples {
		b.Run(ex.name, func(b *testing.B) {
			dir := packagedTo(b, top, ex.name, ex.dir)
			srv := serveDir(b, dir)
			ctx := browsertest.New(b)
			browsertest.Do(b, ctx, chromedp.Navigate(srv.URL))
			browsertest.WaitFor(b, ctx, `document.documentElement.dataset.ready === 'true'`, `document.querySelector('#error')?.textContent`, 60*time.Second)
			cold := browsertest.Eval[float64](b, ctx, `Number(document.documentElement.dataset.readyMs)`)
			classify(b, ctx, set.Pixels, 20, "") // warm up
			b.ResetTimer()
			var ms float64
			for i := 0; i < b.N; i++ {
				ms += classify(b, ctx, set.Pixels, 100, "").Ms
			}
			b.ReportMetric(ms/float64(b.N)/100, "ms/digit")
			b.ReportMetric(cold, "cold-ready-ms") // after the loop: ResetTimer clears metrics
		})
	}
}
