package digits_test

import (
	"encoding/base64"
	"fmt"
	"math"
	"testing"

	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/kernels/modules"
)

// TestBrowserTiming measures the model in Chromium's V8 with each variant,
// outside the loader (the packaged .wasm linked with its kernels the way
// the loader links them, and a minimal WASI shim, so no worker round
// trip), for one digit and for a batch of 100, and checks the batch
// against native. It asserts no times; run with -v to read them
// (README.md, BENCHMARKS.md).
func TestBrowserTiming(t *testing.T) {
	nv := LoadNative(t)
	for _, v := range variants {
		t.Run(string(v), func(t *testing.T) {
			dir := packageOf(t, v)
			var fwd, kmod string
			if v != modules.Baseline {
				k := kernelFiles(t, dir)
				fwd, kmod = k["forwarder"], k[string(v)]
				if fwd == "" || kmod == "" {
					t.Fatalf("the package has kernel files %v; want a forwarder and %s", k, v)
				}
			}
			srv := serve(t, dir)
			ctx := browsertest.New(t)
			openApp(t, ctx, srv.URL)
			got := browsertest.Eval[timing](t, ctx, fmt.Sprintf(timingJS, "/"+modelWasm(t, dir), fwd, kmod, "/weights-src/digits.bin", base64.StdEncoding.EncodeToString(nv.Pixels(100))))
			worst := 0.0
			for i := range 100 {
				want := nv.Probabilities(i)
				for k, w := range want {
					g := float32(got.Probs[i*10+k])
					d := math.Abs(float64(g - w))
					worst = max(worst, d)
					if d > 1e-5 || (v != modules.SIMD && g != w) {
						t.Fatalf("batch digit %d class %d: V8 (%s) %v, native %v", i, k, v, g, w)
					}
				}
			}
			t.Logf("Chromium (V8, no loader), %s: %.3f ms per digit alone, %.3f ms per digit in a batch of 100 (largest difference from native %.3g)", v, got.Single, got.Batch, worst)
		})
	}
}

type timing struct {
	Single, Batch float64 // ms per digit
	Probs         []float64
}

// timingJS links and times the model: %[1]q the model, %[2]q and %[3]q
// the forwarder and kernel module ("" for none), %[4]q the weights, %[5]q
// the first 100 test digits' pixels in base64.
const timingJS = `(async () => {
  let mem, written = '';
  const call = (f) => { try { return f(); } catch (e) { throw new Error(e.message + '; the model wrote: ' + written); } };
  const u32 = (p, v) => new DataView(mem.buffer).setUint32(p, v, true);
  const wasi = {
    args_sizes_get: (a, b) => (u32(a, 0), u32(b, 0), 0),
    environ_sizes_get: (a, b) => (u32(a, 0), u32(b, 0), 0),
    args_get: () => 0, environ_get: () => 0, sched_yield: () => 0,
    clock_time_get: (id, prec, p) => (new DataView(mem.buffer).setBigUint64(p, BigInt(Math.round(performance.now() * 1e6)), true), 0),
    random_get: (p, n) => (crypto.getRandomValues(new Uint8Array(mem.buffer, p, n)), 0),
    fd_write: (fd, iovs, n, out) => {
      let s = 0;
      const v = new DataView(mem.buffer);
      for (let i = 0; i < n; i++) {
        const p = v.getUint32(iovs + 8 * i, true), l = v.getUint32(iovs + 8 * i + 4, true);
        written += new TextDecoder().decode(new Uint8Array(mem.buffer, p, l));
        s += l;
      }
      u32(out, s);
      return 0;
    },
    poll_oneoff: () => 52,
    proc_exit: (c) => { throw new Error('proc_exit ' + c); },
  };
  const imports = { wasi_snapshot_preview1: new Proxy(wasi, { get: (o, k) => o[k] ?? (() => 52) }) };
  let fwd;
  if (%[2]q) {
    fwd = (await WebAssembly.instantiateStreaming(fetch(%[2]q), {})).instance;
    imports.kernels = fwd.exports;
  }
  const { instance } = await WebAssembly.instantiateStreaming(fetch(%[1]q), imports);
  const x = instance.exports;
  mem = x.memory;
  if (%[3]q) await WebAssembly.instantiateStreaming(fetch(%[3]q), { model: { memory: mem }, kernels: { table: fwd.exports.table } });
  call(() => x._initialize());
  const w = new Uint8Array(await (await fetch(%[4]q)).arrayBuffer());
  const wp = x.pwagen_alloc_weights(w.length) >>> 0;
  new Uint8Array(mem.buffer, wp, w.length).set(w);
  if (call(() => x.pwagen_load_weights()) !== 0) throw new Error('load weights failed');
  const bytes = Uint8Array.from(atob(%[5]q), (c) => c.charCodeAt(0));
  const run = (n, from) => call(() => {
    const p = x.pwagen_alloc_input(n * 784) >>> 0;
    const f = new Float32Array(mem.buffer, p, n * 784);
    for (let i = 0; i < n * 784; i++) f[i] = bytes[from * 784 + i] / 255;
    const k = x.pwagen_predict();
    return new Float32Array(mem.buffer, x.pwagen_output() >>> 0, k).slice();
  });
  for (let i = 0, t = performance.now(); performance.now() - t < 1500; i++) run(1, i %% 100); // warm up: let V8 tier up
  let t0 = performance.now();
  for (let r = 0; r < 3; r++) for (let i = 0; i < 100; i++) run(1, i);
  const single = (performance.now() - t0) / 300;
  run(100, 0);
  t0 = performance.now();
  let probs;
  for (let r = 0; r < 5; r++) probs = run(100, 0);
  const batch = (performance.now() - t0) / 500;
  return { Single: single, Batch: batch, Probs: Array.from(probs) };
})()`
