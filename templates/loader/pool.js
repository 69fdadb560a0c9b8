// The page side of the model's workers: one Web Worker per model instance,
// a queue of calls, handed out to the workers: a single input to the next
// idle one, a batch in parts to whichever has room, and single inputs
// queued behind one another in parts too (pump). The first worker
// downloads and compiles the model and reads the weights (from IndexedDB
// or the network); it posts the compiled modules and a copy of the weights,
// and the others start from them (at the first lull in calls after the
// first call, or at once when calls need them: release): nothing is
// compiled or read twice.
//
// Messages, page → worker: {type: 'load', storage, variant, maxMemory, share,
// early, pageWeights} (the first, then the page's {type: 'modules'} and
// {type: 'pageWeights'}: early.js) or {type: 'load', from, pass} (the
// others, from the first's 'shared'); {type: 'channel', sab, spin} (isolated pages: channel.js); an
// ArrayBuffer (one input, packed); {type: 'batch', data, sizes} (several:
// their bytes one after another in the ArrayBuffer data, sizes their
// lengths).
// Worker → page: {type: 'progress' | 'warning' | 'ready' | 'error' |
// 'shared' | 'weights' | 'alive'}; an ArrayBuffer (one output); {type:
// 'batch', data, sizes} (the outputs, laid out as the inputs); {type:
// 'failed', message, dead} (dead: the model instance exited and can run
// no more calls). A worker answers in the order it was asked, so no call
// needs an id.
//
// A worker that dies: the browser ends a worker (it ran out of memory, or
// crashed), or code terminates or closes it, with no event on the page:
// 'error' fires for an exception the worker did not catch (it lives on),
// 'messageerror' for a message it could not read. So each worker holds a
// Web Lock for as long as it lives (the load message names it; 'alive'
// says it is held) and the page asks for the same lock: the browser grants
// it the moment the worker is gone (lost). A model instance that exited
// (the Go runtime's fatal errors, "out of memory" among them) lives in a
// worker that still answers, each call with that error: the worker says
// so (dead, or the channel's DEAD). Either way every call the worker held
// rejects, naming it and what happened, and one worker starts in its place
// (replace), unless it was itself a replacement that never answered a
// call: a model that cannot live is not restarted in a loop.
import { CFG } from './config.js';
import { PageChannel, channelSupported, OK, POSTED, DEAD } from './channel.js';
import { layout } from './typed.js';
import { lull } from './lull.js';

const MAX_WORKERS = 64;

// ONE stands for the one item of a predict whose input went straight into
// a channel: only its length is read.
const ONE = Object.freeze([null]);

/**
 * poolSize chooses the number of workers: asked (loadModel's workers), by
 * default min(navigator.hardwareConcurrency, 4), lowered so that workers ×
 * the model's measured peak memory stays within the budget: half of
 * navigator.deviceMemory where the browser reports it, and maxMemory.
 */
export function poolSize(asked, maxMemory) {
  const cores = self.navigator?.hardwareConcurrency || 1;
  if (asked != null && !(Number.isInteger(asked) && asked >= 1 && asked <= MAX_WORKERS)) {
    throw new Error(`pwagen: workers is ${asked}; want a whole number from 1 to ${MAX_WORKERS}, or leave it out for min(navigator.hardwareConcurrency, 4), ${Math.min(cores, 4)} here`);
  }
  const want = asked ?? Math.min(cores, 4);
  const peak = CFG.memory || 0;
  let budget = null, from = null;
  const ram = self.navigator?.deviceMemory; // GiB, rounded down, at most 8
  if (ram > 0) [budget, from] = [ram * 2 ** 29, 'half of navigator.deviceMemory'];
  if (maxMemory >= 0 && (budget === null || maxMemory < budget)) [budget, from] = [maxMemory, 'maxMemory'];
  const fit = peak > 0 && budget !== null ? Math.max(1, Math.floor(budget / peak)) : want;
  const workers = Math.min(want, fit);
  return { workers, asked: want, peakBytes: peak, budgetBytes: budget, budgetFrom: from, limited: workers < want };
}

// A batch is handed out in parts, each taken by the next worker that has
// room: a worker slowed by the rest of the machine takes fewer, and the
// workers finish together. (Dealing each worker its equal share at once,
// one message each, was slower on a busy machine: the batch waited for the
// worker another program held back.) A part is about a DEALth of what is
// left per worker, at least MIN_PART items, and travels as one buffer each
// way (send); each worker holds up to DEPTH calls or parts at once, so
// that the next is already in its queue when it finishes one.
const DEAL = 2;
const MIN_PART = 4;
const DEPTH = 2;

/**
 * Pool runs the model in size workers, each made by newWorker() (startHint
 * says what to check when one fails to start). start()
 * resolves to the first worker's info once it is ready; the others start
 * from what it shares once released (release) and take calls as each
 * becomes ready.
 */
export class Pool {
  constructor(newWorker, size, opts, decode, startHint) {
    this.newWorker = newWorker;
    this.startHint = startHint; // what to check when a worker fails to start
    this.size = size;
    this.opts = opts;
    this.decode = decode; // output ArrayBuffer → what predict resolves to
    this.members = [];
    this.queue = []; // calls not yet handed out in full, oldest first
    this.failed = null;
    this.info = null;
    this.shared = null; // the first worker's modules and weights, until every worker has started
    this.released = false; // whether the other workers may start (release)
    this.lulling = false; // whether release waits for a lull (quiet)
    this.lastEnd = 0; // performance.now() when the last part was answered
    this.spawned = 0; // workers started: each one's id
    this.deaths = 0; // workers that died (lost)
    this.replaced = 0; // workers started in their place
    this.modules = null; // the first worker's compiled modules, for a replacement
  }

  start(load) {
    this.load = load;
    return new Promise((resolve, reject) => {
      this.starting = { resolve, reject };
      this.spawn({ type: 'load', ...load, share: this.size > 1 });
    });
  }

  // release lets the other workers start, from what the first one shared:
  // at the first lull in calls after the first call settled (finish), or
  // at once when a call has to wait for a worker or a batch comes (run).
  // Before, their start (a module Worker each, the model instantiated, the
  // weights copied) would take the cores from the first inference and the
  // calls that follow it (lull.js).
  release() {
    if (this.released || this.failed) return;
    this.released = true;
    this.spawnNext();
  }

  // quiet resolves at the next lull in this pool's calls (lull.js).
  quiet() {
    return lull(() => this.queue.length > 0 || this.members.some((m) => m.jobs.length > 0), () => this.lastEnd);
  }

  // spawnNext starts the next worker from the first one's modules and
  // weights. The weights buffer is transferred, not copied: each new worker
  // copies it into its memory and hands it back for the next, so one copy
  // is in flight whatever the pool's size.
  spawnNext() {
    if (this.members.length >= this.size || !this.shared) return;
    const pass = this.members.length < this.size - 1;
    const from = this.shared;
    if (!pass) this.shared = null;
    this.spawn({ type: 'load', from, pass }, [from.weights]);
    this.members[this.members.length - 1].passing = pass;
  }

  spawn(msg, transfer = []) {
    // jobs: the parts handed to the worker, answered in order.
    const id = ++this.spawned;
    const m = { worker: this.newWorker(), id, jobs: [], chan: null, ready: false, first: id === 1, answered: false, replacement: false, gone: false, lock: null };
    this.members.push(m);
    m.worker.onmessage = ({ data }) => this.receive(m, data);
    m.worker.onerror = (e) => {
      e.preventDefault?.();
      if (m.ready) return this.lost(m, `threw outside a call (${e.message || 'a script error'})`);
      this.drop(m, new Error(`pwagen: the model worker failed to start: ${e.message || 'a script error'}; check that ${this.startHint}`));
    };
    if (self.navigator?.locks) {
      m.lock = new AbortController(); // ends the page's request once the pool drops the worker itself
      m.lockName = msg.lock = `pwagen:worker:${self.crypto?.randomUUID?.() || Math.random().toString(36).slice(2)}:${m.id}`;
    }
    m.worker.postMessage(msg, transfer);
  }

  receive(m, d) {
    if (m.gone) return; // a dropped worker's late message
    if (d instanceof ArrayBuffer) return this.finish(m, null, [d]);
    switch (d.type) {
      case 'batch': return this.finish(m, null, split(d.data, d.sizes));
      case 'failed': return d.dead ? this.lost(m, `can run no more calls: ${d.message.replace(/^pwagen: /, '')}`) : this.finish(m, new Error(d.message));
      case 'alive': // the worker holds its lock: ours is granted once it is gone
        return m.lock && navigator.locks.request(m.lockName, { signal: m.lock.signal }, () => this.lost(m, 'stopped: the browser ended it (it ran out of memory, or crashed), or it was terminated or closed')).catch(() => {});
      case 'progress': return m.first && this.opts.onProgress?.(d.progress); // a replacement's load is no progress of the app's
      case 'warning': return (this.opts.onWarning || console.warn)(d.message);
      case 'shared': // from the first worker: start the others once released
        this.shared = d.shared;
        this.modules = { model: d.shared.model, kernels: d.shared.kernels, variant: d.shared.variant };
        return this.released && this.spawnNext();
      case 'weights': // a new worker has copied them: pass them on
        m.passing = false;
        this.shared.weights = d.weights;
        return this.spawnNext();
      case 'ready':
        if (m.first) {
          this.info = d.info;
          // A model whose kernels run on threads of their own (simd-threads)
          // runs alone: its first worker shares nothing to start others from.
          if (d.info.variant === 'simd-threads' && this.size > 1) [this.size, this.alone] = [1, true];
        }
        if (channelSupported()) {
          m.chan = new PageChannel(channelCapacity(d.info), this.opts.spin ?? 'auto');
          m.worker.postMessage({ type: 'channel', sab: m.chan.sab, spin: this.opts.spin !== false });
        }
        m.ready = true;
        if (m.first) this.starting.resolve(d.info);
        return this.pump();
      case 'error':
        return this.drop(m, new Error(d.message));
    }
  }

  // lost drops worker m, which died (what says how), and starts one in its
  // place unless it was a replacement that never answered a call, or it
  // had not started: every call it held rejects, naming it.
  lost(m, what) {
    if (m.gone) return;
    const again = m.ready && !m.passing && !this.failed && (m.answered || !m.replacement);
    const held = m.jobs.length ? `, with ${m.jobs.length} call(s) in hand` : '';
    this.deaths++;
    this.drop(m, new Error(`pwagen: model worker ${m.id} ${what}${held}; ${again ? 'a new worker starts in its place' : m.ready ? 'the pool goes on without it' : 'while it was starting'}`), again);
  }

  // replace starts a worker in the place of one that died: as the first
  // one did (the weights from IndexedDB or the network), from the modules
  // it compiled when it shared them, and in the variant it runs.
  replace() {
    this.replaced++;
    const { storage, maxMemory, threadsMinWork } = this.load;
    this.spawn({ type: 'load', storage, variant: this.info?.variant, maxMemory, threadsMinWork, early: !!this.modules, pageWeights: false });
    const m = this.members[this.members.length - 1];
    m.replacement = true;
    if (this.modules) m.worker.postMessage({ type: 'modules', ...this.modules, streamed: false });
  }

  // drop removes a worker that failed: a failure of the first one fails the
  // load; of another, a warning, and the pool goes on without it, or with
  // one in its place (again, from lost).
  drop(m, err, again = false) {
    m.gone = true;
    m.lock?.abort();
    m.worker.terminate();
    this.members = this.members.filter((x) => x !== m);
    if (m.passing) [this.shared, this.size] = [null, this.members.length]; // the weights went with it: start no more
    else if (!again) this.size--;
    for (const job of m.jobs) this.settle(job, err, null, true); // its calls reject, a group's too: an input that killed it is not run again
    m.jobs = [];
    if (m.first && !m.ready) {
      this.dispose(err);
      return this.starting.reject(err);
    }
    if (again) this.replace();
    if (this.info) {
      this.info.workers = this.size;
      if (this.info.pool) Object.assign(this.info.pool, { lost: this.deaths, replaced: this.replaced });
      (this.opts.onWarning || console.warn)(again ? err.message : `${err.message}; ${this.size} worker(s) left`);
    }
    if (!this.members.length) this.dispose(err);
    else this.pump();
  }

  /**
   * predict runs one input: straight into an idle worker's shared channel
   * when nothing is queued (pack writes it there, the round trip's fast
   * path: no buffer, no queue), else packed into a buffer and queued as
   * run does. pack(input, into) is loadModel's: it returns the bytes it
   * wrote into into, or a new buffer; it throws on bad input.
   */
  predict(input, pack) {
    if (this.failed) return Promise.reject(this.failed);
    let m = null;
    if (!this.queue.length) {
      for (const x of this.members) {
        if (x.chan && x.ready && !x.jobs.length && !x.packing) {
          m = x;
          break;
        }
      }
    }
    if (!m) return this.run([pack(input)], true);
    // packing: an input whose reading calls predict (a getter) sends that
    // call to another worker, or queues it.
    let r;
    m.packing = true;
    try {
      r = pack(input, m.chan.data);
    } catch (e) {
      m.packing = false;
      if (this.queue.length) this.pump();
      throw e;
    }
    m.packing = false;
    if (this.failed) return Promise.reject(this.failed); // disposed meanwhile
    if (typeof r !== 'number' || !this.members.includes(m)) return this.run([typeof r === 'number' ? pack(input) : r], true);
    return new Promise((resolve, reject) => {
      const job = { call: { items: ONE, single: true, next: 1, left: 1, outputs: null, resolve, reject, done: false }, at: 0, n: 1, chan: true };
      m.jobs.push(job);
      this.callChannel(m, job, r);
    });
  }

  /**
   * run queues a call of items (packed inputs); resolves to their outputs,
   * decoded, in order, or with single to the one output. A call of several
   * items is handed out in parts across the workers.
   */
  run(items, single) {
    if (this.failed) return Promise.reject(this.failed);
    if (!items.length) return Promise.resolve([]);
    if (!single) this.release(); // a batch wants every worker
    return new Promise((resolve, reject) => {
      this.queue.push({ items, single, next: 0, left: items.length, outputs: single ? null : new Array(items.length), resolve, reject, done: false });
      this.pump();
    });
  }

  // pump hands out the queued calls, oldest first, each to the worker with
  // the fewest in hand: an idle one, else one that has a posted call in
  // hand (not a channel call, which holds the worker alone), so that it
  // has the next one queued when it finishes.
  pump() {
    while (this.queue.length) {
      const call = this.queue[0];
      let m = null;
      for (const x of this.members) {
        if (!x.ready || x.jobs.length >= DEPTH || x.jobs[0]?.chan || x.packing) continue;
        if (!m || x.jobs.length < m.jobs.length) m = x;
        if (!m.jobs.length) break;
      }
      if (!m) return this.members.some((x) => x.ready) && this.release(); // a call waits: start the others
      if (call.single && !call.alone) {
        // Single calls waiting behind one another (predicts made at once)
        // go out together, a part of them as one batch message, as a
        // batch's items do: one message and one turn of each thread for
        // the part, not for each call.
        let q = 0;
        while (q < this.queue.length && this.queue[q].single && !this.queue[q].alone) q++;
        const n = Math.min(q, Math.ceil(q / (DEAL * this.size)));
        if (n > 1) {
          const group = this.queue.splice(0, n);
          for (const c of group) c.next = 1;
          this.send(m, { call: null, group, at: 0, n, chan: false });
          continue;
        }
      }
      const left = call.items.length - call.next;
      const n = call.single || this.size === 1 ? left : Math.min(left, Math.max(MIN_PART, Math.ceil(left / (DEAL * this.size))));
      this.part(call, m, n);
    }
  }

  // part sends call's next n items to worker m.
  part(call, m, n) {
    const job = { call, at: call.next, n, chan: false };
    call.next += n;
    if (call.next === call.items.length) this.queue.shift();
    this.send(m, job);
  }

  // send hands job to m: one item as it is (through m's channel when it is
  // free), several as one buffer, their bytes one after another: a message
  // with one transferred buffer costs a fraction of one with an
  // ArrayBuffer per item (each is detached and made anew on the other
  // side). The call lets go of the items sent.
  send(m, job) {
    const { call, at, n, group } = job;
    const item = group ? (i) => group[i - at].items[0] : (i) => call.items[i];
    const one = n === 1 ? item(at) : null;
    const chan = one && !m.jobs.length && m.chan?.fits(one.byteLength);
    m.jobs.push(job);
    if (chan) {
      job.chan = true;
      m.chan.data.set(new Uint8Array(one));
      call.items[at] = null;
      return this.callChannel(m, job, one.byteLength);
    }
    let msg = one;
    if (!one) {
      const sizes = new Array(n);
      let total = 0;
      for (let i = 0; i < n; i++) total += sizes[i] = item(at + i).byteLength;
      const data = new Uint8Array(total);
      for (let i = 0, off = 0; i < n; off += sizes[i++]) data.set(new Uint8Array(item(at + i)), off);
      msg = { type: 'batch', data: data.buffer, sizes };
    }
    if (!group) for (let i = at; i < at + n; i++) call.items[i] = null; // a group keeps its calls' inputs: settle may send them again
    const transfer = [one || msg.data];
    if (m.chan) m.chan.post(m.worker, msg, transfer);
    else m.worker.postMessage(msg, transfer);
  }

  // callChannel hands job, whose input of n bytes is in m's channel, to
  // m's worker.
  callChannel(m, job, n) {
    // Spin only when nothing else is waiting: the page's thread is the
    // one that hands out the other calls. With other workers, decide once
    // the caller's task has run on: predicts made in a loop would
    // otherwise wait, one by one, for the page's spin on the first, while
    // the other workers idle.
    const spin = () => this.opts.spin !== false && !this.queue.length && !this.members.some((x) => x !== m && x.jobs.length);
    m.chan.call(n, this.size > 1 ? spin : spin(), (status, bytes) => this.answered(m, job, status, bytes));
  }

  // answered takes a channel call's answer: the output, the error's text,
  // or POSTED (the output arrives as a message).
  answered(m, job, status, bytes) {
    if (m.jobs[0] !== job) return; // settled already (a dropped worker)
    if (status === OK) this.finish(m, null, [bytes]);
    else if (status === DEAD) this.lost(m, `can run no more calls: ${bytes.replace(/^pwagen: /, '')}`);
    else if (status !== POSTED) this.finish(m, new Error(bytes));
  }

  finish(m, err, outs) {
    const job = m.jobs.shift();
    if (!job) return; // already settled (a dropped worker's late answer)
    if (!err) m.answered = true;
    this.settle(job, err, outs);
    this.lastEnd = performance.now();
    if (!this.released && !this.lulling) {
      this.lulling = true; // the first call settled: the others start at a lull
      this.quiet().then(() => this.release());
    }
    this.pump();
  }

  // settle records a part's outputs (or its error) in its call, and
  // settles the call once every part is in or one failed.
  settle(job, err, outs, final = false) {
    if (job.group) return this.settleGroup(job, err, outs, final);
    const call = job.call;
    if (call.done) return;
    try {
      if (err) throw err;
      if (outs.length !== job.n) throw new Error(`pwagen: the model worker answered ${outs.length} outputs for ${job.n} inputs`);
      if (call.single) {
        call.done = true;
        return call.resolve(this.decode(outs[0]));
      }
      for (let i = 0; i < outs.length; i++) call.outputs[job.at + i] = this.decode(outs[i]);
      call.left -= outs.length;
      if (call.left === 0) {
        call.done = true;
        call.resolve(call.outputs);
      }
    } catch (e) {
      call.done = true;
      this.queue = this.queue.filter((c) => c !== call); // its parts not yet handed out
      call.reject(e);
    }
  }

  // settleGroup settles each single call of a group: its output, or on a
  // failure each call again on its own (first in the queue), so that one
  // input's failure is its own call's alone; with the pool failed, or the
  // worker dead (final: drop), the failure.
  settleGroup(job, err, outs, final) {
    if (!err && outs.length !== job.n) err = new Error(`pwagen: the model worker answered ${outs.length} outputs for ${job.n} inputs`);
    if (err && !final && !this.failed) {
      for (const c of job.group) [c.next, c.alone] = [0, true];
      this.queue.unshift(...job.group.filter((c) => !c.done));
      return;
    }
    job.group.forEach((c, i) => this.settle({ call: c, at: 0, n: 1 }, err, err ? null : [outs[i]]));
  }

  dispose(err) {
    this.failed = err;
    for (const m of this.members) {
      m.gone = true;
      m.lock?.abort();
      m.worker.terminate();
      for (const job of m.jobs) this.settle(job, err);
    }
    for (const c of this.queue) {
      if (!c.done) c.reject(err);
      c.done = true;
    }
    this.members = [];
    this.queue = [];
  }
}

// split cuts a batch's answer, outputs one after another in data, into one
// ArrayBuffer each, of the lengths in sizes.
function split(data, sizes) {
  const outs = new Array(sizes.length);
  for (let i = 0, off = 0; i < sizes.length; off += sizes[i++]) outs[i] = data.slice(off, off + sizes[i]);
  return outs;
}

// channelCapacity is the size of a worker's shared region: the typed
// contract's inputs or outputs, whichever is larger; for a v1 model one
// input, or 64 KiB for the output if that is more. At most 1 MiB: larger
// calls go by postMessage, whose cost is small beside theirs.
function channelCapacity(info) {
  return Math.min(Math.max(layout(info.inputs).total, info.outputs ? layout(info.outputs).total : 65536, 64), 1 << 20);
}
