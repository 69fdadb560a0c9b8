package digits_test

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pwagen/pwagen/internal/browsertest"
)

// TestBrowserTiming measures the model in Chromium's V8, outside the loader
// (the packaged .wasm with a minimal WASI shim, so no worker round trip),
// for one digit and for a batch of 100, and checks the batch against
// native. It asserts no times; run with -v to read them (BENCHMARKS.md).
func TestBrowserTiming(t *testing.T) {
	nv := LoadNative(t)
	dir := packaged(t)
	wasms, _ := filepath.Glob(filepath.Join(dir, "model-*.wasm"))
	if len(wasms) != 1 {
		t.Fatalf("%d model-*.wasm in the package, want 1", len(wasms))
	}
	srv := serve(t, dir)
	ctx := browsertest.New(t)
	openApp(t, ctx, srv.URL+"/")
	type timing struct {
		Single, Batch float64 // ms per digit
		Probs         []float64
	}
	js := fmt.Sprintf(`(async () => {
  let mem;
  const u32 = (p, v) => new DataView(mem.buffer).setUint32(p, v, true);
  const wasi = {
    args_sizes_get: (a, b) => (u32(a, 0), u32(b, 0), 0),
    environ_sizes_get: (a, b) => (u32(a, 0), u32(b, 0), 0),
    args_get: () => 0, environ_get: () => 0, sched_yield: () => 0,
    clock_time_get: (id, prec, p) => (new DataView(mem.buffer).setBigUint64(p, BigInt(Math.round(performance.now() * 1e6)), true), 0),
    random_get: (p, n) => (crypto.getRandomValues(new Uint8Array(mem.buffer, p, n)), 0),
    fd_write: (fd, iovs, n, out) => { let s = 0; const v = new DataView(mem.buffer); for (let i = 0; i < n; i++) s += v.getUint32(iovs + 8 * i + 4, true); u32(out, s); return 0; },
    poll_oneoff: () => 52,
    proc_exit: (c) => { throw new Error('proc_exit ' + c); },
  };
  const imports = { wasi_snapshot_preview1: new Proxy(wasi, { get: (o, k) => o[k] ?? (() => 52) }) };
  const { instance } = await WebAssembly.instantiateStreaming(fetch(%q), imports);
  const x = instance.exports;
  mem = x.memory;
  x._initialize();
  const w = new Uint8Array(await (await fetch(%q)).arrayBuffer());
  const wp = x.pwagen_alloc_weights(w.length) >>> 0;
  new Uint8Array(mem.buffer, wp, w.length).set(w);
  if (x.pwagen_load_weights() !== 0) throw new Error('load weights failed');
  const bytes = Uint8Array.from(atob(%q), (c) => c.charCodeAt(0));
  const run = (n, from) => {
    const p = x.pwagen_alloc_input(n * 784) >>> 0;
    const f = new Float32Array(mem.buffer, p, n * 784);
    for (let i = 0; i < n * 784; i++) f[i] = bytes[from * 784 + i] / 255;
    const k = x.pwagen_predict();
    return new Float32Array(mem.buffer, x.pwagen_output() >>> 0, k).slice();
  };
  for (let i = 0; i < 20; i++) run(1, i); // warm up
  let t0 = performance.now();
  for (let i = 0; i < 100; i++) run(1, i);
  const single = (performance.now() - t0) / 100;
  run(100, 0);
  t0 = performance.now();
  let probs;
  for (let r = 0; r < 5; r++) probs = run(100, 0);
  const batch = (performance.now() - t0) / 500;
  return { Single: single, Batch: batch, Probs: Array.from(probs) };
})()`, "/"+filepath.Base(wasms[0]), "/weights-src/digits.bin", base64.StdEncoding.EncodeToString(nv.Pixels(100)))
	got := browsertest.Eval[timing](t, ctx, js)
	for i := range 100 {
		want := nv.Probabilities(i)
		for k, w := range want {
			if float32(got.Probs[i*10+k]) != w {
				t.Fatalf("batch digit %d class %d: V8 %v, native %v", i, k, got.Probs[i*10+k], w)
			}
		}
	}
	t.Logf("Chromium (V8, no loader): %.3f ms per digit alone, %.3f ms per digit in a batch of 100", got.Single, got.Batch)
}
