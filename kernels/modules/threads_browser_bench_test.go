package modules_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/kernels/modules"
)

// threadsPage is a cross-origin isolated page with the forwarder, the
// simd and simd-threads kernels, and helper.js: a Worker that runs
// threads_helper over the memory it is sent.
func threadsPage(tb testing.TB) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><title>k</title>"))
		case "/helper.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(`onmessage = async ({ data: m }) => {
				const table = new WebAssembly.Table({ initial: 64, element: 'anyfunc' });
				const k = await WebAssembly.instantiate(m.module, { model: { memory: m.memory }, kernels: { table } });
				postMessage('ready');
				const seq = new Int32Array(m.memory.buffer, 8192, 1);
				while (k.exports.threads_helper() === 1) { const w = Atomics.waitAsync(seq, 0, Atomics.load(seq, 0)); if (w.async) await w.value; }
			};`))
		case "/forwarder.wasm":
			w.Header().Set("Content-Type", "application/wasm")
			w.Write(modules.Forwarder())
		default:
			k, err := modules.Wasm(modules.Variant(r.URL.Path[1 : len(r.URL.Path)-5]))
			if err != nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/wasm")
			w.Write(k)
		}
	}))
	tb.Cleanup(srv.Close)
	return srv.URL + "/"
}

// BenchmarkBrowserThreadsGemm times one gemm in Chromium (a Worker's
// thread calling through the forwarder) on one thread and split with one
// helper Worker (every call split): the sizes where the split starts to
// pay set the kernels' default threshold (threads_part.wat).
//
//	go test -run XXX -bench BenchmarkBrowserThreadsGemm -benchtime 1x ./kernels/modules
func BenchmarkBrowserThreadsGemm(b *testing.B) {
	ctx := browsertest.New(b)
	browsertest.Do(b, ctx, chromedp.Navigate(threadsPage(b)))
	for _, sh := range [][3]int{{16, 27, 1024}, {32, 144, 256}, {64, 288, 64}, {32, 27, 2304}, {64, 288, 2304}, {128, 576, 576}, {16, 64, 256}, {32, 144, 128}, {64, 288, 256}} {
		macs := sh[0] * sh[1] * sh[2]
		for _, v := range []modules.Variant{modules.SIMD, modules.SIMDThreads, "simd-threads-unsplit"} {
			b.Run(fmt.Sprintf("%dKi/%dx%dx%d/%s", macs>>10, sh[0], sh[1], sh[2], v), func(b *testing.B) {
				js := fmt.Sprintf(`(async () => {
					const code = String(async (base, v, m, k, n) => {
						const compile = async (u) => WebAssembly.compile(await (await fetch(u)).arrayBuffer());
						const unsplit = v === 'simd-threads-unsplit';
						if (unsplit) v = 'simd-threads';
						const shared = v === 'simd-threads';
						const memory = new WebAssembly.Memory({ initial: 1024, maximum: 1024, shared });
						const fwd = await WebAssembly.instantiate(await compile(base + '/forwarder.wasm'), {});
						const km = await compile(base + '/' + v + '.wasm');
						const inst = await WebAssembly.instantiate(km, { model: { memory }, kernels: { table: fwd.exports.table } });
						if (shared) {
							const w = new Worker(base + '/helper.js');
							await new Promise((r) => { w.onmessage = r; w.postMessage({ module: km, memory }); });
							while (inst.exports.threads_config(unsplit ? 0x7fffffff : 1) < 1) await new Promise((r) => setTimeout(r, 1));
						}
						const f = fwd.exports;
						const fl = new Float32Array(memory.buffer);
						for (let i = 4096; i < fl.length; i++) fl[i] = Math.sin(i) * 0.5;
						const pa = 16384, pb = pa + 4 * m * k, pc = pb + 4 * k * n + 64, pbias = pc + 4 * m * n + 64;
						for (let t0 = performance.now(); performance.now() - t0 < 300;) f.gemm(pc, pa, pb, pbias, m, k, n);
						const ms = [];
						for (let t0 = performance.now(); ms.length < 2000 && performance.now() - t0 < 1500;) {
							const a = performance.now();
							f.gemm(pc, pa, pb, pbias, m, k, n);
							ms.push(performance.now() - a);
						}
						ms.sort((a, b) => a - b);
						return ms[ms.length >> 1] * 1000;
					});
					// Run in a Worker: the page's thread may not wait on atomics.
					const src = 'onmessage = async (e) => postMessage(await (' + code + ')(...e.data));';
					const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
					const us = await new Promise((r) => { w.onmessage = (e) => r(e.data); w.postMessage([location.origin, %q, %d, %d, %d]); });
					w.terminate();
					return us;
				})()`, v, sh[0], sh[1], sh[2])
				var us float64
				for b.Loop() {
					us = browsertest.Eval[float64](b, ctx, js)
				}
				b.ReportMetric(us, "µs/call")
			})
		}
	}
}
