// The fast path of a predict on a cross-origin isolated page: one
// SharedArrayBuffer per model worker, the input and the output written
// into it, and Atomics to hand the turn over. The worker sleeps in
// Atomics.wait and the page in Atomics.waitAsync: one thread wake-up each
// way, where postMessage costs several. When that pays, each side first
// spins a little (Atomics.load in a loop, bounded), and a call that answers
// within the spin wakes no thread at all (docs/design.md, "Page ↔ model
// workers").
//
// Layout: an Int32Array of CTL words, then the data region.
//   [SEQ]    the page's request number; the worker waits on it
//   [DONE]   the number of the last request the worker finished; the page waits on it
//   [OP]     PREDICT, or PARK (leave the loop: a message is coming)
//   [LEN]    bytes of input (page) or of output or error text (worker)
//   [STATUS] OK, FAILED (the data is the error text) or POSTED (the output
//            did not fit: it comes as a message)
//   [MSGS]   how many messages the page has posted to the worker since the
//            channel opened: the worker serves the channel only once it
//            has read them all (the pool may post a batch's next part
//            before the worker has finished the one before)
//   [SPIN]   1 when the worker is to spin after its answer, for the next
//            call, before it sleeps (the page decides: see PageChannel)

const SEQ = 0, DONE = 1, OP = 2, LEN = 3, STATUS = 4, MSGS = 5, SPIN = 6;
const CTL = 32; // bytes before the data region: 8 words, 7 used
export const PREDICT = 1, PARK = 2;
export const OK = 0, FAILED = 1, POSTED = 2;

// How long, at most, each side spins before it sleeps, in ms: the worker
// after an answer, for the page's next call; the page for a call it
// expects back within PAGE_SPIN (its recent calls took that long), which
// holds the main thread that long at most. Whether spinning pays depends
// on the machine. On a quiet one it saves a thread wake-up on each side,
// which costs most after a sleep of some length (a virtual machine's idle
// vCPU halts, and waking it takes the host; section 12 of the bench saw
// 94 µs more per digit than per iris call on an isolated page). On a busy
// one a thread that spins uses up its share of a core while the thread it
// waits for is not running, where one that sleeps in a futex is woken with
// priority (section 12 measured round trips three to ten times as long
// with spins, on 2 cores with a load of 25). So the page measures both: it
// runs calls in blocks of BLOCK, each either spinning (both sides) or
// sleeping, picks for each block the way whose recent calls were faster,
// and tries the other way one block in EXPLORE (in 4 × EXPLORE when it was
// more than twice as slow). loadModel({spin: false})
// never spins, loadModel({spin: true}) always does (for a device the app
// has to itself).
export const WORKER_SPIN = 0.05;
const PAGE_SPIN = 0.5;
const BLOCK = 8;
const TURN = 1; // ms: a call made this soon after the last answer is back to back
const EXPLORE = 16;

// IDLE_MS is how long the worker sleeps in Atomics.wait for the next call
// before it goes back to its event loop and waits there with
// Atomics.waitAsync (waitChannel). A thread blocked in Atomics.wait runs
// nothing else: performance.measureUserAgentSpecificMemory() waits for
// every worker of the page and never answered on a pwagen page whose
// worker sat idle in it (bench section 10). The call after an idle second
// pays the event loop's wake-up (bench section 12: ~30 µs instead of ~19),
// once.
export const IDLE_MS = 1000;

/**
 * waitChannel calls serve once the page writes a request after seen (or
 * parks the worker), from the event loop: the worker's wait after
 * serveChannel returned idle. serve runs at most once, and not at all
 * when the worker served the channel again meanwhile (a message woke it):
 * stale() tells.
 */
export function waitChannel(sab, seen, stale, serve) {
  const w = Atomics.waitAsync(new Int32Array(sab, 0, CTL / 4), SEQ, seen);
  (w.async ? w.value : Promise.resolve()).then(() => {
    if (!stale()) serve();
  });
}

/** channelSupported tells whether this page can share memory with its workers. */
export const channelSupported = () => !!self.crossOriginIsolated && typeof SharedArrayBuffer === 'function' && typeof Atomics.waitAsync === 'function';

/**
 * PageChannel is the page's end: one request at a time (the pool hands a
 * worker one call at a time).
 */
export class PageChannel {
  /** policy is loadModel's spin: "auto" (measure), true (always) or false (never). */
  constructor(capacity, policy = 'auto') {
    this.policy = policy;
    this.sab = new SharedArrayBuffer(CTL + capacity);
    this.ctl = new Int32Array(this.sab, 0, CTL / 4);
    this.data = new Uint8Array(this.sab, CTL);
    this.seq = 0;
    this.took = PAGE_SPIN; // ms the last calls took, smoothed: the page spins only for short calls
    // est: ms per call of each way (0 sleep, 1 spin), smoothed; calls
    // counts the calls made with spin allowed; mode is this block's way.
    this.est = [0, 0];
    this.calls = 0;
    this.mode = 0;
    this.last = null; // the last call: {t0, way, done}, credited when the next one starts
  }
  /** fits tells whether an input of n bytes goes through the channel. */
  fits(n) {
    return n <= this.data.length;
  }
  /**
   * call writes the input (an ArrayBuffer) and hands it to the worker.
   * spin allows this call to spin (the pool allows it when no other call
   * is in flight). Returns {status, bytes} when the answer is in, else a
   * promise of it: status OK with the output (a new ArrayBuffer), FAILED
   * with the error text, or POSTED (the output comes as a message).
   */
  call(input, spin) {
    const t0 = performance.now();
    // Credit the last call to its way: the time from its start to this
    // one's when the page called again at once (what a loop of calls sees,
    // with whatever a spinning worker took from the page's thread), else
    // the time to its answer.
    const l = this.last;
    if (l && l.way >= 0) {
      const ms = t0 - l.done < TURN ? t0 - l.t0 : l.done - l.t0;
      this.est[l.way] = this.est[l.way] ? 0.875 * this.est[l.way] + 0.125 * ms : ms;
    }
    this.last = null;
    let way = -1; // the way this call is measured for: -1 none
    if (spin && this.policy === true) {
      this.mode = 1;
    } else if (spin && this.policy === 'auto') {
      const k = this.calls++ % BLOCK;
      if (k === 0) {
        const best = this.est[1] < this.est[0] ? 1 : 0;
        // A way twice as slow is tried four times as rarely.
        const every = this.est[1 - best] > 2 * this.est[best] ? 4 * EXPLORE : EXPLORE;
        this.mode = (this.calls / BLOCK) % every < 1 ? 1 - best : best;
      }
      // The first call of a block follows the last one's worker spin.
      if (k > 0) way = this.mode;
    } else {
      this.mode = 0;
    }
    this.ctl[SPIN] = this.mode;
    this.data.set(new Uint8Array(input));
    this.ctl[LEN] = input.byteLength;
    this.ctl[OP] = PREDICT;
    const s = this.bump();
    if (this.mode && this.took <= PAGE_SPIN) {
      const until = t0 + Math.min(PAGE_SPIN, 2 * this.took + 0.01);
      while (Atomics.load(this.ctl, DONE) !== s) if (performance.now() > until) break;
    }
    if (Atomics.load(this.ctl, DONE) === s) return this.answer(t0, way);
    return this.wait(s, t0, way);
  }
  async wait(s, t0, way) {
    for (;;) {
      const d = Atomics.load(this.ctl, DONE);
      if (d === s) return this.answer(t0, way);
      const w = Atomics.waitAsync(this.ctl, DONE, d);
      if (w.async) await w.value;
    }
  }
  answer(t0, way) {
    const done = performance.now();
    this.took = 0.75 * this.took + 0.25 * (done - t0);
    this.last = { t0, way, done };
    const len = this.ctl[LEN], status = this.ctl[STATUS];
    if (status === POSTED) return { status };
    const bytes = this.data.slice(0, len).buffer; // a copy: the next call reuses the region
    return { status, bytes: status === OK ? bytes : new TextDecoder().decode(bytes) };
  }
  /**
   * post posts msg to the worker and makes the worker, which may be
   * waiting in Atomics.wait, leave its loop to read it. The count goes up
   * first: a worker that reads the message before the park still knows it
   * has read all there is.
   */
  post(worker, msg, transfer) {
    Atomics.add(this.ctl, MSGS, 1);
    worker.postMessage(msg, transfer);
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
 * serveChannel is the worker's end: it answers predicts with run(input) →
 * output until a message is waiting (the page has posted more than read,
 * the worker's count of messages read). input is a Uint8Array view of the
 * shared region and output a Uint8Array view of the model's memory, each
 * valid until the next call. seen is the last request number handled; it
 * returns the new one. spin is how long, in ms, it polls for the next
 * request before it sleeps in Atomics.wait, when the page asks (0: never). Nothing here allocates an ArrayBuffer unless an
 * output is too large for the region: in a worker that never goes back to
 * its event loop, each one measurably slows the next calls (bench section
 * 12). It returns {seen, idle}: idle when no call came for idle ms, and
 * the worker is to go back to its event loop and wait there (see IDLE_MS).
 */
export function serveChannel(sab, seen, read, run, spin = WORKER_SPIN, idle = IDLE_MS) {
  const ctl = new Int32Array(sab, 0, CTL / 4);
  const data = new Uint8Array(sab, CTL);
  for (;;) {
    if (Atomics.load(ctl, MSGS) !== read) return { seen, idle: false };
    let s = Atomics.load(ctl, SEQ);
    if (s === seen) {
      if (spin && ctl[SPIN]) for (const until = performance.now() + spin; s === seen && performance.now() < until;) s = Atomics.load(ctl, SEQ);
      if (s === seen) {
        if (Atomics.wait(ctl, SEQ, seen, idle) === 'timed-out' && Atomics.load(ctl, SEQ) === seen && Atomics.load(ctl, MSGS) === read) return { seen, idle: true };
        continue;
      }
    }
    seen = s;
    if (ctl[OP] === PARK) {
      Atomics.store(ctl, DONE, s); // a park whose message was read already goes on serving
      continue;
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
