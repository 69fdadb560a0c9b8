package browsertest

// Running a model outside the loader in a page, with its kernels linked
// the way the loader links them (templates/loader/kernels.js;
// docs/kernels.md). The bench's direct-call timings and cmd/pwagen's
// quantized-model test use it: evaluate it once in a page, then
// __pw.model(modelURL, forwarderURL, kernelURL, weightsURL).

// ModelPageJS installs window.__pw in a page: link() instantiates a reactor
// with a minimal WASI shim, and its kernels as the loader does (the
// forwarder first, as module "kernels"; the model; the kernel module
// against the model's memory and the forwarder's table; then
// _initialize); model() adds the weights and the ABI; time() times an
// (async) function like the Go side's batches.
const ModelPageJS = `window.__pw = (() => {
  const shim = (mem) => {
    const dv = () => new DataView(mem().buffer);
    const impl = {
      fd_write: (fd, iovs, cnt, out) => { let w = 0; for (let i = 0; i < cnt; i++) w += dv().getUint32(iovs + 8 * i + 4, true); dv().setUint32(out, w, true); return 0; },
      random_get: (p, l) => { for (let o = 0; o < l; o += 65536) crypto.getRandomValues(new Uint8Array(mem().buffer, p + o, Math.min(65536, l - o))); return 0; },
      clock_time_get: (id, prec, p) => { dv().setBigUint64(p, BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)), true); return 0; },
      args_sizes_get: (a, b) => { dv().setUint32(a, 0, true); dv().setUint32(b, 0, true); return 0; },
      environ_sizes_get: (a, b) => { dv().setUint32(a, 0, true); dv().setUint32(b, 0, true); return 0; },
      args_get: () => 0, environ_get: () => 0, sched_yield: () => 0, fd_close: () => 0, fd_fdstat_set_flags: () => 0,
      fd_fdstat_get: (fd, p) => { for (let i = 0; i < 24; i++) dv().setUint8(p + i, 0); return 0; },
      fd_prestat_get: () => 8, fd_prestat_dir_name: () => 8,
      proc_exit: (c) => { throw new Error('proc_exit ' + c); },
    };
    return new Proxy(impl, { get: (t, k) => t[k] || (() => 52) });
  };
  const link = async (modelURL, fwdURL, kernURL) => {
    let mem;
    const imports = { wasi_snapshot_preview1: shim(() => mem) };
    let fwd;
    if (fwdURL) {
      fwd = (await WebAssembly.instantiateStreaming(fetch(fwdURL), {})).instance;
      imports.kernels = fwd.exports;
    }
    const { instance } = await WebAssembly.instantiateStreaming(fetch(modelURL), imports);
    const x = instance.exports;
    mem = x.memory;
    if (kernURL) await WebAssembly.instantiateStreaming(fetch(kernURL), { model: { memory: mem }, kernels: { table: fwd.exports.table } });
    x._initialize();
    return x;
  };
  const input = (len) => Float32Array.from({ length: len }, (_, i) => ((i % 7) + 1) / 7);
  const model = async (modelURL, fwdURL, kernURL, weightsURL) => {
    const x = await link(modelURL, fwdURL, kernURL);
    const w = new Uint8Array(await (await fetch(weightsURL)).arrayBuffer());
    const p = x.pwagen_alloc_weights(w.length) >>> 0;
    new Uint8Array(x.memory.buffer).set(w, p);
    if (x.pwagen_load_weights() !== 0) throw new Error('pwagen_load_weights failed');
    const n = x.pwagen_input_len();
    return {
      n,
      predict(inp) {
        const ip = x.pwagen_alloc_input(inp.length) >>> 0;
        new Float32Array(x.memory.buffer, ip, inp.length).set(inp);
        const k = x.pwagen_predict();
        if (k < 0) throw new Error('pwagen_predict failed');
        return new Float32Array(x.memory.buffer, x.pwagen_output() >>> 0, k).slice();
      },
    };
  };
  // time warms f up for warmMs (V8 compiles with Liftoff first and tiers
  // hot functions up to TurboFan in the background), then returns the
  // median µs per call over runs batches of about 100 ms.
  const time = async (f, runs, warmMs) => {
    const tw = performance.now();
    do await f(); while (performance.now() - tw < warmMs);
    let t0 = performance.now();
    await f();
    const reps = Math.max(1, Math.min(100000, Math.ceil(100 / Math.max(performance.now() - t0, 0.001))));
    const per = [];
    for (let b = 0; b <= runs; b++) {
      t0 = performance.now();
      for (let i = 0; i < reps; i++) await f();
      if (b > 0) per.push(((performance.now() - t0) * 1000) / reps);
    }
    per.sort((a, b) => a - b);
    return per.length % 2 ? per[(per.length - 1) / 2] : (per[per.length / 2 - 1] + per[per.length / 2]) / 2;
  };
  return { link, model, time, input };
})(), true`
