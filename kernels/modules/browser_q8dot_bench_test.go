package modules_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/kernels"
	"github.com/pwagen/pwagen/kernels/modules"
)

// BenchmarkBrowserQ8Dot times the int8 kernels in Chromium (SIMD, V8
// without Liftoff) against the float32 ones on the same shapes, the
// three taking turns in one page (best of 9 rounds each): float32
// gemm/gemv, the widening int8 kernels (q8gemm/q8gemv) and the integer
// dot products with their activation quantization (q8act + q8dotgemm or
// q8dotgemv). It reports µs per call and the ratios to float32.
func BenchmarkBrowserQ8Dot(b *testing.B) {
	ctx := kernelPage(b, chromedp.Flag("js-flags", "--no-liftoff"))
	// m×k×n: gemm shapes of the torch fixtures' convolutions (im2col) and
	// a 1×1 convolution; n = 1 is a gemv (a Linear layer).
	for _, s := range [][3]int{{16, 150, 64}, {6, 25, 576}, {32, 288, 256}, {64, 576, 64}, {96, 16, 256}, {24, 96, 64}, {128, 784, 1}, {10, 256, 1},
		// mobilenetv2's pointwise convolutions
		{16, 16, 1024}, {64, 16, 1024}, {24, 64, 256}, {96, 24, 256}, {24, 96, 256}, {32, 96, 64}, {128, 32, 64}, {32, 128, 64}, {96, 32, 64},
		// fewer than 8 output channels a group (q8DotMinRows): pointwise and 5×5
		{4, 16, 1024}, {6, 16, 1024}, {8, 16, 1024}, {4, 27, 1024}, {8, 25, 576}, {12, 25, 576},
		// mlp's Gemms
		{64, 784, 1}, {10, 64, 1},
		// lenet's: its convolutions (im2col) and Gemms
		{6, 25, 784}, {16, 150, 100}, {64, 400, 1}} {
		m, k, n := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, k, n), func(b *testing.B) {
			f32, q8, dot := "f.gemm(pc, pa, pb, pbias, m, k, n)", "f.q8gemm(pc, pq, ps, pb, pbias, m, k, n)",
				"f.q8dotgemm(pc, pq, ps, pbq, f.q8act(pbq, pb, k, n), pbias, m, k, n)"
			if n == 1 {
				f32, q8, dot = "f.gemv(pc, pa, pb, pbias, m, k)", "f.q8gemv(pc, pq, ps, pb, pbias, m, k)",
					"f.q8dotgemv(pc, pq, ps, pbq, f.q8act(pbq, pb, k, 1), pbias, m, k)"
			}
			js := fmt.Sprintf(`(async () => {
				`+kernelPrelude(modules.SIMD)+`const m = %d, k = %d, n = %d;
				const pa = 1024, pb = pa + 4*m*k + 64, pc = pb + 4*k*n + 64, pbias = pc + 4*m*n + 64;
				const pq = pbias + 4*m + 64, ps = pq + m*k + 64, pbq = ps + 4*m + 64;
				// The wasm back end's q8gemmTile path (importer convQ8Dot,
				// fewer than 8 channels a group): weights widened, float32
				// gemm without a bias, then one ActScale (scale, bias) per row;
				// the widening of the weights (m·k values, in generated code)
				// is left out. Where all the weights fit the tile (lenet's
				// first convolution), ConvQ8 dequantizes them and runs the
				// float32 gemm, with its bias: the f32 column.
				const tile = () => { f.gemm(pc, pa, pb, 0, m, k, n); for (let r = 0; r < m; r++) f.act(pc + 4*r*n, pc + 4*r*n, n, %d, 1.5, 0.25); };
				const runs = [() => %s, () => %s, () => %s, () => f.q8act(pbq, pb, k, n), tile];
				const reps = Math.max(5, Math.floor(2e7 / (m*k*n)));
				const best = [Infinity, Infinity, Infinity, Infinity, Infinity];
				for (let r = 0; r < 9; r++) for (let j = 0; j < 5; j++) {
					const g = runs[(j + r) %% 5];
					for (let i = 0; i < 5; i++) g();
					const t0 = performance.now();
					for (let i = 0; i < reps; i++) g();
					best[(j + r) %% 5] = Math.min(best[(j + r) %% 5], (performance.now() - t0) * 1000 / reps);
				}
				return best;
			})()`, m, k, n, int(kernels.ActScale), f32, q8, dot)
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
			if n > 1 {
				b.ReportMetric(t[4]/t[0], "tile/f32")
			}
		})
	}
}

// BenchmarkBrowserQ8Dw times mobilenetv2's depthwise convolutions in
// Chromium (SIMD, V8 without Liftoff): the float32 kernel (dwconv, what
// the float32 model runs), int8 weights widened a tile at a time into it
// (what int8 ran before: one dwconv call per tile of 28 channels, the
// widening in Go left out, so a lower bound) and the integer kernels
// (q8dwact + q8dwconv), taking turns in one page (best of 9 rounds). It
// reports µs per call and the ratio to float32.
func BenchmarkBrowserQ8Dw(b *testing.B) {
	ctx := kernelPage(b, chromedp.Flag("js-flags", "--no-liftoff"))
	for _, l := range fixtureLayers["mobilenetv2"] {
		if l.group == 1 {
			continue
		}
		p := l.params()
		b.Run(fmt.Sprintf("%dx%d-s%d", l.inC, l.in, l.s), func(b *testing.B) {
			gf, _ := kernels.DepthwiseGeom(p)
			tile := kernels.DepthwiseTile / 9
			sub := p
			sub.InC, sub.OutC, sub.Group = min(tile, p.InC), min(tile, p.InC), min(tile, p.InC)
			gt, _ := kernels.DepthwiseGeom(sub)
			gq, _ := kernels.Q8DwGeom(p)
			words := func(g kernels.PrimGeom) string {
				s := make([]string, len(g))
				for i, v := range g {
					s[i] = fmt.Sprint(v)
				}
				return "[" + strings.Join(s, ",") + "]"
			}
			js := fmt.Sprintf(`(async () => {
				`+kernelPrelude(modules.SIMD)+`const i32 = new Int32Array(memory.buffer);
				const C = %d, is = %d, os = %d, tile = %d;
				const pgf = 256, pgt = 512, pgq = 768;
				i32.set(%s, pgf/4); i32.set(%s, pgt/4); i32.set(%s, pgq/4);
				const psrc = 4096, pdst = psrc + 4*C*is + 64, pw = pdst + 4*C*os + 64, pq = pw + 4*C*9 + 64;
				const ps = pq + C*9 + 64, pb = ps + 4*C + 64, pxq = pb + 4*C + 64;
				const tiled = () => { for (let c = 0; c < C; c += tile) f.dwconv(pdst + 4*c*os, psrc + 4*c*is, pw, pb + 4*c, pgt); };
				const runs = [() => f.dwconv(pdst, psrc, pw, pb, pgf), tiled,
					() => f.q8dwconv(pdst, pxq, pq, ps, f.q8dwact(pxq, psrc, pgq), pb, pgq), () => f.q8dwact(pxq, psrc, pgq)];
				const reps = Math.max(5, Math.floor(2e6 / (C*os)));
				const best = [Infinity, Infinity, Infinity, Infinity];
				for (let r = 0; r < 9; r++) for (let j = 0; j < 4; j++) {
					const g = runs[(j + r) %% 4];
					for (let i = 0; i < 5; i++) g();
					const t0 = performance.now();
					for (let i = 0; i < reps; i++) g();
					best[(j + r) %% 4] = Math.min(best[(j + r) %% 4], (performance.now() - t0) * 1000 / reps);
				}
				return best;
			})()`, p.InC, l.in*l.in, p.Out[0]*p.Out[1], sub.InC, words(gf), words(gt), words(gq))
			var t []float64
			for b.Loop() {
				t = browsertest.Eval[[]float64](b, ctx, js)
			}
			b.ReportMetric(t[0], "f32-µs")
			b.ReportMetric(t[1], "tiles-µs")
			b.ReportMetric(t[2], "int8dw-µs")
			b.ReportMetric(t[3], "q8dwact-µs")
			b.ReportMetric(t[2]/t[0], "int8dw/f32")
			b.ReportMetric(t[1]/t[0], "tiles/f32")
		})
	}
}
