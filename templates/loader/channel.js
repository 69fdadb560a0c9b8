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
//   [PRED]   the request number of the page's latest predict: a request
//            is a predict when PRED holds its number, else a park (leave
//            the loop: a message is coming). One word per request, not an
//            op word beside SEQ: a worker that read a park's number late,
//            after the page had begun writing its next predict, took the
//            park for a predict (it read the new op) and then that predict
//            for one on its own answer (its answer's length in LEN) — the
//            race bench section 12 met (TestChannelParkThenPredict)
//   [LEN]    bytes of input (page) or of output or error text (worker)
//   [STATUS] OK, FAILED (the data is the error text), DEAD (FAILED, and
//            the model instance can run no more calls: it exited) or
//            POSTED (the output did not fit: it comes as a message)
//   [MSGS]   how many messages the page has posted to the worker since the
//            channel opened: the worker serves the channel only once it
//            has read them all (the pool may post a batch's next part
//            before the worker has finished the one before)
//   [SPIN]   whether the worker may spin after its answer, for the next
//            call, before it sleeps: SPIN_NO, SPIN_AUTO (its Spin decides)
//            or SPIN_ALWAYS (spin: true); the page sets it per call

const SEQ = 0, DONE = 1, PRED = 2, LEN = 3, STATUS = 4, MSGS = 5, SPIN = 6;
const CTL = 32; // bytes before the data region: 8 words, 7 used
export const OK = 0, FAILED = 1, POSTED = 2, DEAD = 3;

// How long, at most, each side spins before it sleeps, in ms: the worker
// after an answer, for the page's next call; the page for the answer,
// which holds the main thread that long at most. Whether spinning pays
// depends on the machine. On a quiet one it saves a thread wake-up on each
// side, which costs most after a sleep of some length (a virtual machine's
// idle vCPU halts, and waking it takes the host; section 12 of the bench
// saw 94 µs more per digit than per iris call on an isolated page). On a
// busy one a thread that spins uses up its share of a core while the
// thread it waits for is not running, where one that sleeps in a futex is
// woken with priority (section 12 measured round trips three to ten times
// as long with long spins, on 2 cores with a load of 25). So with
// spin: "auto" each side decides per call, as an adaptive lock does (Spin):
// it spins for a budget learned from its recent spins that caught what
// they waited for (twice that, plus SLACK_US), then sleeps; a spin that
// ran out (a miss: the other side was slow, or not running) makes it sleep
// at once for the next 1, 3, 7 … 63 turns, and each catch takes one miss
// back. Where spins catch, it spins every call; where they miss, it
// sleeps but for a probe now and then, and what a miss costs is bounded
// by the budget. Budgets are counted in polls, not read off the clock
// (performance.now() costs 0.5 to 2 µs on this project's test machine, as
// much as the rest of a poll-caught round trip); the clock is read
// only in a spin that has gone on CLOCK_EVERY polls, to keep to the
// limit in ms and to learn the polls per µs. loadModel({spin: false})
// never spins, loadModel({spin: true}) spins every call (for a device the
// app has to itself), still within the learned budget.
export const WORKER_SPIN = 0.05;
const PAGE_SPIN = 0.5;
const SLACK_US = 20;
const MAX_MISSES = 6; // at most 2^6 − 1 turns asleep between probes
const CLOCK_EVERY = 256; // polls between clock reads in a long spin
const POLLS_PER_US = 50; // the first guess: about 20 ns per poll

// The worker's SPIN word: what the page allows for the spin after this
// call's answer.
const SPIN_NO = 0, SPIN_AUTO = 1, SPIN_ALWAYS = 2;

/**
 * Spin is one side's spin-then-sleep policy: wait(ctl, at, v, eq, ms) polls
 * ctl[at] until it equals v (eq) or differs from it (!eq), for at most the
 * learned budget and ms, and tells whether it caught it. skip() tells
 * whether this turn sleeps at once (a recent miss); adapt false never
 * skips (spin: true).
 */
export class Spin {
  constructor(adapt) {
    this.adapt = adapt;
    this.fast = 0; // polls a caught spin took, smoothed (0: none caught yet)
    this.perUs = POLLS_PER_US; // polls per µs of wall time, from long spins
    this.misses = 0;
    this.left = 0; // turns still to sleep at once
  }
  skip() {
    if (this.left === 0) return false;
    this.left--;
    return true;
  }
  wait(ctl, at, v, eq, ms) {
    const limit = this.fast ? 2 * this.fast + SLACK_US * this.perUs : ms * 1000 * this.perUs;
    let n = 0, t0 = 0, n0 = 0, t = 0, got = false;
    for (;;) {
      if ((Atomics.load(ctl, at) === v) === eq) {
        got = true;
        break;
      }
      if (++n >= limit) break;
      if (n % CLOCK_EVERY === 0) {
        t = performance.now();
        if (!t0) [t0, n0] = [t, n];
        else if (t - t0 >= ms) break;
      }
    }
    // Polls per µs, from a spin that read the clock over 20 µs or more. A
    // thread taken off its core meanwhile polls less per µs of the clock:
    // the estimate follows a faster rate at once and a slower one slowly.
    if (t0 && t - t0 >= 0.02) {
      const r = (n - n0) / ((t - t0) * 1000);
      this.perUs = r > this.perUs ? r : this.perUs + (r - this.perUs) / 16;
    }
    if (got) {
      // Up fast, down slowly: a spin taken off its core polls less than it waited.
      this.fast = !this.fast ? n + 1 : this.fast + (n + 1 - this.fast) / (n < this.fast ? 8 : 2);
      if (this.misses) this.misses--;
    } else if (this.adapt) {
      if (this.misses < MAX_MISSES) this.misses++;
      this.left = (1 << this.misses) - 1;
    }
    return got;
  }
}

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
  /** policy is loadModel's spin: "auto" (decide per call), true (always) or false (never). */
  constructor(capacity, policy = 'auto') {
    this.policy = policy;
    this.sab = new SharedArrayBuffer(CTL + capacity);
    this.ctl = new Int32Array(this.sab, 0, CTL / 4);
    this.data = new Uint8Array(this.sab, CTL); // where the caller writes the input
    this.seq = 0;
    this.spin = new Spin(policy !== true);
    // The call in flight: its request number and done.
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
   * OK with the output (a new ArrayBuffer), FAILED or DEAD with the error
   * text, or POSTED (the output comes as a message). spin may be a
   * function: then it is asked in a microtask, once the caller's task has
   * run on (it may hand out more calls first, to other workers), whether
   * to spin.
   */
  call(n, spin, done) {
    const later = typeof spin === 'function' && this.policy !== false ? spin : null;
    spin = !!spin && this.policy !== false;
    this.ctl[SPIN] = !spin ? SPIN_NO : this.policy === true ? SPIN_ALWAYS : SPIN_AUTO;
    this.ctl[LEN] = n;
    Atomics.store(this.ctl, PRED, this.seq + 1); // the number bump gives this request
    this.done = done;
    const s = (this.want = this.bump());
    if (later) return void queueMicrotask(() => this.spinLater(s, done, later));
    if (spin && !this.spin.skip() && this.spin.wait(this.ctl, DONE, s, true, PAGE_SPIN)) return this.answer();
    this.sleep();
  }
  // spinLater is call's spin asked later: whether may() still allows it.
  spinLater(s, done, may) {
    if (this.done !== done || this.want !== s) return;
    if (may()) {
      if (!this.spin.skip() && this.spin.wait(this.ctl, DONE, s, true, PAGE_SPIN)) return this.answer();
    } else {
      this.ctl[SPIN] = SPIN_NO; // nor the worker after its answer: other calls are in flight
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
    this.bump(); // a park: PRED keeps an older number
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
 * returns the new one. spin is how long, at most, in ms, it polls for the
 * next request before it sleeps in Atomics.wait, when the page asks (0:
 * never); policy, the worker's Spin, kept from one serveChannel to the
 * next, decides within it. Nothing here allocates an ArrayBuffer unless an
 * output is too large for the region: in a worker that never goes back to
 * its event loop, each one measurably slows the next calls (bench section
 * 12). It returns {seen, idle}: idle when no call came for idle ms, and
 * the worker is to go back to its event loop and wait there (see IDLE_MS).
 */
export function serveChannel(sab, seen, read, run, spin = WORKER_SPIN, idle = IDLE_MS, policy = new Spin(true)) {
  const ctl = new Int32Array(sab, 0, CTL / 4);
  const data = new Uint8Array(sab, CTL);
  for (;;) {
    if (Atomics.load(ctl, MSGS) !== read) return { seen, idle: false };
    let s = Atomics.load(ctl, SEQ);
    if (s === seen) {
      // Spin for the next call when the page asks, and with "auto" unless
      // recent spins missed (Spin).
      const how = spin ? ctl[SPIN] : SPIN_NO;
      if (how !== SPIN_NO && (how === SPIN_ALWAYS || !policy.skip()) && policy.wait(ctl, SEQ, seen, false, spin)) continue;
      if (Atomics.wait(ctl, SEQ, seen, idle) === 'timed-out' && Atomics.load(ctl, SEQ) === seen && Atomics.load(ctl, MSGS) === read) return { seen, idle: true };
      continue;
    }
    seen = s;
    if (Atomics.load(ctl, PRED) !== s) {
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
      status = e?.exited ? DEAD : FAILED;
    }
    ctl[LEN] = len;
    ctl[STATUS] = status;
    Atomics.store(ctl, DONE, s);
    Atomics.notify(ctl, DONE);
    // Only now: once the page has the message it may write the next call.
    if (posted) self.postMessage(posted, [posted]);
  }
}
