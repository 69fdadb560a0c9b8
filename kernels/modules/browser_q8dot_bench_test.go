package modules_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/kernels/modules"
)

// BenchmarkBrowserQ8Dot times the int8 kernels in Chromium (SIMD, V8
// without Liftoff) against the float32 ones on the same shapes, the
// three taking turns in one page (best of 9 rounds each): float32
// gemm/gemv, the widening int8 kernels (q8gemm/q8gemv) and the integer
// dot products with their activation quantization (q8act + q8dotgemm or
// q8dotgemv). It reports µs per call and the ratios to float32.
func BenchmarkBrowserQ8Dot(b *testing.B) {
	url, _ := browsertest.Serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><title>k</title>"))
		case "/forwarder.wasm":
			w.Header().Set("Content-Type", "application/wasm")
			w.Write(modules.Forwarder())
		case "/simd.wasm":
			k, _ := modules.Wasm(modules.SIMD)
			w.Header().Set("Content-Type", "application/wasm")
			w.Write(k)
		default:
			http.NotFound(w, r)
		}
	}))
	ctx := browsertest.New(b, chromedp.Flag("js-flags", "--no-liftoff"))
	browsertest.Do(b, ctx, chromedp.Navigate(url))
	// m×k×n: gemm shapes of the torch fixtures' convolutions (im2col) and
	// a 1×1 convolution; n = 1 is a gemv (a Linear layer).
	for _, s := range [][3]int{{16, 150, 64}, {6, 25, 576}, {32, 288, 256}, {64, 576, 64}, {96, 16, 256}, {24, 96, 64}, {128, 784, 1}, {10, 256, 1},
		// mobilenetv2's pointwise convolutions
		{16, 16, 1024}, {64, 16, 1024}, {24, 64, 256}, {96, 24, 256}, {24, 96, 256}, {32, 96, 64}, {128, 32, 64}, {32, 128, 64}, {96, 32, 64},
		// mlp's Gemms
		{64, 784, 1}, {10, 64, 1}} {
		m, k, n := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, k, n), func(b *testing.B) {
			f32, q8, dot := "f.gemm(pc, pa, pb, pbias, m, k, n)", "f.q8gemm(pc, pq, ps, pb, pbias, m, k, n)",
				"f.q8dotgemm(pc, pq, ps, pbq, f.q8act(pbq, pb, k, n), pbias, m, k, n)"
			if n == 1 {
				f32, q8, dot = "f.gemv(pc, pa, pb, pbias, m, k)", "f.q8gemv(pc, pq, ps, pb, pbias, m, k)",
					"f.q8dotgemv(pc, pq, ps, pbq, f.q8act(pbq, pb, k, 1), pbias, m, k)"
			}
			js := fmt.Sprintf(`(async () => {
				const bytes = async (u) => (await fetch(u)).arrayBuffer();
				const memory = new WebAssembly.Memory({ initial: 256 });
				const fwd = (await WebAssembly.instantiate(await bytes('/forwarder.wasm'), {})).instance;
				await WebAssembly.instantiate(await bytes('/simd.wasm'), { model: { memory }, kernels: { table: fwd.exports.table } });
				const f = fwd.exports;
				const fl = new Float32Array(memory.buffer);
				for (let i = 0; i < fl.length; i++) fl[i] = Math.sin(i) * 0.5;
				const m = %d, k = %d, n = %d;
				const pa = 1024, pb = pa + 4*m*k + 64, pc = pb + 4*k*n + 64, pbias = pc + 4*m*n + 64;
				const pq = pbias + 4*m + 64, ps = pq + m*k + 64, pbq = ps + 4*m + 64;
				const runs = [() => %s, () => %s, () => %s, () => f.q8act(pbq, pb, k, n)];
				const reps = Math.max(5, Math.floor(2e7 / (m*k*n)));
				const best = [Infinity, Infinity, Infinity, Infinity];
				for (let r = 0; r < 9; r++) for (let j = 0; j < 4; j++) {
					const g = runs[(j + r) %% 4];
					for (let i = 0; i < 5; i++) g();
					const t0 = performance.now();
					for (let i = 0; i < reps; i++) g();
					best[(j + r) %% 4] = Math.min(best[(j + r) %% 4], (performance.now() - t0) * 1000 / reps);
				}
				return best;
			})()`, m, k, n, f32, q8, dot)
			var t []float64
			for b.Loop() {
				t = browsertest.Eval[[]float64](b, ctx, js)
			}
			b.ReportMetric(t[0], "f32-µs")
			b.ReportMetric(t[1], "int8-µs")
			b.ReportMetric(t[2], "int8dot-µs")
			b.ReportMetric(t[3], "q8act-µs")
			b.ReportMetric(t[2]/t[0], "int8dot/f32")
			b.ReportMetric(t[1]/t[0], "int8/f32")
		})
	}
}
