// The fast path of a predict on a cross-origin isolated page: one
// SharedArrayBuffer per model worker, the input and the output written
// into it, and Atomics to hand the turn over. The worker blocks in
// Atomics.wait between calls and the page awaits Atomics.waitAsync: one
// thread wake-up each way, where postMessage costs several (docs/design.md,
// "The loader's round trip").
//
// Layout: an Int32Array of CTL words, then the data region.
//   [SEQ]    the page's request number; the worker waits on it
//   [DONE]   the number of the last request the worker finished; the page waits on it
//   [OP]     PREDICT, or PARK (leave the loop: a message is coming)
//   [LEN]    bytes of input (page) or of output or error text (worker)
//   [STATUS] OK, FAILED (the data is the error text) or POSTED (the output
//            did not fit: it comes as a message)

const SEQ = 0, DONE = 1, OP = 2, LEN = 3, STATUS = 4;
const CTL = 32; // bytes before the data region: 8 words, 5 used
export const PREDICT = 1, PARK = 2;
export const OK = 0, FAILED = 1, POSTED = 2;

/** channelSupported tells whether this page can share memory with its workers. */
export const channelSupported = () => !!self.crossOriginIsolated && typeof SharedArrayBuffer === 'function' && typeof Atomics.waitAsync === 'function';

/**
 * PageChannel is the page's end: one request at a time (the pool hands a
 * worker one call at a time).
 */
export class PageChannel {
  constructor(capacity) {
    this.sab = new SharedArrayBuffer(CTL + capacity);
    this.ctl = new Int32Array(this.sab, 0, CTL / 4);
    this.data = new Uint8Array(this.sab, CTL);
    this.seq = 0;
  }
  /** fits tells whether an input of n bytes goes through the channel. */
  fits(n) {
    return n <= this.data.length;
  }
  /**
   * call writes the input (an ArrayBuffer) and waits for the worker.
   * Resolves to {status, bytes}: OK with the output (a new ArrayBuffer),
   * FAILED with the error text, or POSTED (the output comes as a message).
   */
  async call(input) {
    const n = input.byteLength;
    this.data.set(new Uint8Array(input));
    this.ctl[LEN] = n;
    this.ctl[OP] = PREDICT;
    const s = this.bump();
    for (;;) {
      const d = Atomics.load(this.ctl, DONE);
      if (d === s) break;
      const w = Atomics.waitAsync(this.ctl, DONE, d);
      if (w.async) await w.value;
    }
    const len = this.ctl[LEN], status = this.ctl[STATUS];
    if (status === POSTED) return { status };
    const bytes = this.data.slice(0, len).buffer; // a copy: the next call reuses the region
    return { status, bytes: status === OK ? bytes : new TextDecoder().decode(bytes) };
  }
  /** park makes the worker leave its loop to read a message posted before. */
  park() {
    this.ctl[OP] = PARK;
    this.bump();
  }
  bump() {
    const s = ++this.seq;
    Atomics.store(this.ctl, SEQ, s);
    Atomics.notify(this.ctl, SEQ);
    return s;
  }
}

/**
 * serveChannel is the worker's end: it blocks, answering predicts with
 * run(input) → output, until the page parks it. input is a Uint8Array view
 * of the shared region and output a Uint8Array view of the model's memory,
 * each valid until the next call. seen is the last request number
 * handled; it returns the new one. Nothing here allocates an ArrayBuffer
 * unless an output is too large for the region: in a worker that never
 * goes back to its event loop, each one measurably slows the next calls
 * (bench section 12).
 */
export function serveChannel(sab, seen, run) {
  const ctl = new Int32Array(sab, 0, CTL / 4);
  const data = new Uint8Array(sab, CTL);
  for (;;) {
    Atomics.wait(ctl, SEQ, seen);
    const s = Atomics.load(ctl, SEQ);
    if (s === seen) continue;
    seen = s;
    if (ctl[OP] === PARK) {
      Atomics.store(ctl, DONE, s);
      return seen;
    }
    let status = OK, len = 0, posted = null;
    try {
      const out = run(data.subarray(0, ctl[LEN]));
      if (out.byteLength <= data.length) {
        data.set(out);
        len = out.byteLength;
      } else {
        [status, posted] = [POSTED, out.slice().buffer];
      }
    } catch (e) {
      const text = new TextEncoder().encode(e?.message || String(e)).subarray(0, data.length);
      data.set(text);
      len = text.length;
      status = FAILED;
    }
    ctl[LEN] = len;
    ctl[STATUS] = status;
    Atomics.store(ctl, DONE, s);
    Atomics.notify(ctl, DONE);
    // Only now: once the page has the message it may write the next call.
    if (posted) self.postMessage(posted, [posted]);
  }
}
