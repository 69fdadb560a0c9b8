package modules_test

import (
	"fmt"
	"testing"

	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/kernels/modules"
)

// BenchmarkBrowserKernel times single kernel calls in Chromium, called
// from JS through the forwarder on a plain memory, and reports µs/call.
func BenchmarkBrowserKernel(b *testing.B) {
	ctx := kernelPage(b)
	for _, v := range modules.Variants {
		for _, c := range []struct{ name, call string }{
			{"gemv128x784", "f.gemv(py, pa, px, pb, 128, 784)"},
			{"gemm16x150x64", "f.gemm(pc, pa, px, pb, 16, 150, 64)"},
			{"dot1Mi", "f.dot(pa, pa + 4194304, 1048576)"},
		} {
			b.Run(fmt.Sprintf("%s/%s", c.name, v), func(b *testing.B) {
				js := fmt.Sprintf(`(async () => {
					`+kernelPrelude(v)+`const pa = 1024, px = pa + 9 * 1048576, pb = px + 4096, py = pb + 4096, pc = py + 4096;
					const n = Math.max(10, Math.floor(%d));
					for (let i = 0; i < 50; i++) %s;
					const t0 = performance.now();
					for (let i = 0; i < n; i++) %s;
					return (performance.now() - t0) * 1000 / n;
				})()`, 2000, c.call, c.call)
				var us float64
				for b.Loop() {
					us = browsertest.Eval[float64](b, ctx, js)
				}
				b.ReportMetric(us, "µs/call")
			})
		}
	}
}
