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
// more than twice as slow). A block's time per call is the time from the
// start of its call TIMED to the answer of its last, over those calls,
// when each came back to back (within TURN of the last answer: what a loop
// of calls sees, with whatever a spinning worker took from the page's
// thread), else the time of call TIMED alone: three reads of
// performance.now() per block, not two per call (each cost about 1 µs on
// this project's test machine, a tenth of the round trip's floor). The
// first calls of a block are left out: they follow the last block's way
// (its worker's spin). loadModel({spin: false})
// never spins, loadModel({spin: true}) always does (for a device the app
// has to itself).
export const WORKER_SPIN = 0.05;
const PAGE_SPIN = 0.5;
const BLOCK = 8;
const TIMED = 4;
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
    this.data = new Uint8Array(this.sab, CTL); // where the caller writes the input
    this.seq = 0;
    this.took = PAGE_SPIN; // ms the last calls took, smoothed: the page spins only for short calls
    // est: ms per call of each way (0 sleep, 1 spin), smoothed; calls
    // counts the calls made with spin allowed; mode is this block's way.
    this.est = [0, 0];
    this.calls = 0;
    this.mode = 0;
    // The block's measured calls: their start (-1: none, or a call that
    // could not spin came between) and way; k is the block's place of the
    // call in flight. The call in flight: its request number and done.
    this.g0 = -1;
    this.gWay = 0;
    this.gBack = true; // each call of the group came within TURN of the last one's answer
    this.gFirst = 0; // ms from the group's first call to its answer
    this.gAnswered = 0; // Date.now() at the last answer in the group
    this.k = -1;
    this.want = 0;
    this.done = null;
    this.woke = () => this.sleep(); // Atomics.waitAsync's continuation, made once
  }
  /** fits tells whether an input of n bytes goes through the channel. */
  fits(n) {
    return n <= this.data.length;
  }
  /**
   * call hands the input, n bytes the caller wrote into data, to the
   * worker. spin allows this call to spin (the pool allows it when no
   * other call is in flight). done(status, bytes) gets the answer, at once
   * when the page's spin caught it, else from the waitAsync task: status
   * OK with the output (a new ArrayBuffer), FAILED with the error text, or
   * POSTED (the output comes as a message).
   */
  call(n, spin, done) {
    this.k = -1;
    if (spin && this.policy !== false) {
      const k = (this.k = this.calls++ % BLOCK);
      if (this.policy === true) {
        this.mode = 1;
      } else if (k === 0) {
        const best = this.est[1] < this.est[0] ? 1 : 0;
        // A way twice as slow is tried four times as rarely.
        const every = this.est[1 - best] > 2 * this.est[best] ? 4 * EXPLORE : EXPLORE;
        this.mode = (this.calls / BLOCK) % every < 1 ? 1 - best : best;
      }
      if (k === TIMED) {
        this.g0 = performance.now();
        this.gWay = this.mode;
        this.gBack = true;
      } else if (k > TIMED && Date.now() - this.gAnswered > TURN) {
        this.gBack = false; // not back to back: the app paused between calls
      }
    } else {
      this.mode = 0;
      this.g0 = -1; // the block's timed calls are not all spin-allowed
    }
    this.ctl[SPIN] = this.mode;
    this.ctl[LEN] = n;
    this.ctl[OP] = PREDICT;
    this.done = done;
    const s = (this.want = this.bump());
    if (this.mode && this.took <= PAGE_SPIN) {
      const until = performance.now() + Math.min(PAGE_SPIN, 2 * this.took + 0.01);
      while (Atomics.load(this.ctl, DONE) !== s) if (performance.now() > until) break;
    }
    this.sleep();
  }
  // sleep answers the call in flight if the worker has, else awaits
  // Atomics.waitAsync on DONE and comes back.
  sleep() {
    for (;;) {
      const d = Atomics.load(this.ctl, DONE);
      if (d === this.want) return this.answer();
      const w = Atomics.waitAsync(this.ctl, DONE, d);
      if (w.async) return void w.value.then(this.woke);
    }
  }
  answer() {
    if (this.k >= TIMED && this.g0 >= 0) {
      if (this.k === TIMED) this.gFirst = performance.now() - this.g0;
      if (this.k < BLOCK - 1) {
        this.gAnswered = Date.now(); // 1 ms steps, but a tenth of the cost
      } else {
        // Calls back to back: their time per call, start to start; else the
        // first one's, start to answer.
        const ms = this.gBack ? (performance.now() - this.g0) / (BLOCK - TIMED) : this.gFirst, w = this.gWay;
        this.est[w] = this.est[w] ? 0.4 * this.est[w] + 0.6 * ms : ms;
        this.took = 0.25 * this.took + 0.75 * ms;
        this.g0 = -1;
      }
    }
    const done = this.done;
    this.done = null;
    const len = this.ctl[LEN], status = this.ctl[STATUS];
    if (status === POSTED) return done(status, null);
    const bytes = this.data.slice(0, len).buffer; // a copy: the next call reuses the region
    done(status, status === OK ? bytes : new TextDecoder().decode(bytes));
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
