// The page side of the model's workers: one Web Worker per model instance,
// a queue of calls, each handed to the next idle worker. The first worker
// downloads and compiles the model and reads the weights (from IndexedDB
// or the network); it posts the compiled modules and a copy of the weights,
// and the others start from them: nothing is compiled or read twice.
//
// Messages, page → worker: {type: 'load', storage, variant, maxMemory, share}
// (the first) or {type: 'load', from, pass} (the others, from the first's
// 'shared'); {type: 'channel', sab} (isolated pages: channel.js); an
// ArrayBuffer (one input, packed); {type: 'batch', items: [ArrayBuffer]}.
// Worker → page: {type: 'progress' | 'warning' | 'ready' | 'error' |
// 'shared' | 'weights'}; an ArrayBuffer (one output); {type: 'batch',
// outputs}; {type: 'failed', message}. A worker runs one call at a time, so no call
// needs an id.
import { CFG } from './config.js';
import { PageChannel, channelSupported, OK, POSTED } from './channel.js';
import { layout } from './typed.js';

const MAX_WORKERS = 64;

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

/**
 * Pool runs the model in size workers, each made by newWorker() (startHint
 * says what to check when one fails to start). start()
 * resolves to the first worker's info once it is ready; the others start
 * at once from what it shares and take calls as each becomes ready.
 */
export class Pool {
  constructor(newWorker, size, opts, decode, startHint) {
    this.newWorker = newWorker;
    this.startHint = startHint; // what to check when a worker fails to start
    this.size = size;
    this.opts = opts;
    this.decode = decode; // output ArrayBuffer → what predict resolves to
    this.members = [];
    this.queue = [];
    this.failed = null;
    this.info = null;
    this.shared = null; // the first worker's modules and weights, until every worker has started
  }

  start(load) {
    return new Promise((resolve, reject) => {
      this.starting = { resolve, reject };
      this.spawn({ type: 'load', ...load, share: this.size > 1 });
    });
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
    const m = { worker: this.newWorker(), job: null, chan: null, ready: false, first: this.members.length === 0 };
    this.members.push(m);
    m.worker.onmessage = ({ data }) => this.receive(m, data);
    m.worker.onerror = (e) => {
      e.preventDefault?.();
      this.drop(m, new Error(`pwagen: the model worker failed${m.ready ? '' : ' to start'}: ${e.message || 'a script error'}${m.ready ? '' : `; check that ${this.startHint}`}`));
    };
    m.worker.postMessage(msg, transfer);
  }

  receive(m, d) {
    if (d instanceof ArrayBuffer) return this.finish(m, null, d);
    switch (d.type) {
      case 'batch': return this.finish(m, null, d.outputs);
      case 'failed': return this.finish(m, new Error(d.message));
      case 'progress': return this.opts.onProgress?.(d.progress);
      case 'warning': return (this.opts.onWarning || console.warn)(d.message);
      case 'shared': // from the first worker: start the others
        this.shared = d.shared;
        return this.spawnNext();
      case 'weights': // a new worker has copied them: pass them on
        m.passing = false;
        this.shared.weights = d.weights;
        return this.spawnNext();
      case 'ready':
        if (m.first) this.info = d.info;
        if (channelSupported()) {
          m.chan = new PageChannel(channelCapacity(d.info));
          m.worker.postMessage({ type: 'channel', sab: m.chan.sab });
        }
        m.ready = true;
        if (m.first) this.starting.resolve(d.info);
        return this.pump();
      case 'error':
        return this.drop(m, new Error(d.message));
    }
  }

  // drop removes a worker that failed: a failure of the first one fails the
  // load; of another, a warning, and the pool goes on without it.
  drop(m, err) {
    m.worker.terminate();
    this.members = this.members.filter((x) => x !== m);
    if (m.passing) [this.shared, this.size] = [null, this.members.length]; // the weights went with it: start no more
    else this.size--;
    if (m.job) this.settle(m.job, err);
    m.job = null;
    if (m.first && !m.ready) {
      this.dispose(err);
      return this.starting.reject(err);
    }
    if (this.info) {
      this.info.workers = this.size;
      (this.opts.onWarning || console.warn)(`${err.message}; ${this.size} worker(s) left`);
    }
    if (!this.members.length) this.dispose(err);
    else this.pump();
  }

  /**
   * run queues a call of items (packed inputs); resolves to their outputs,
   * decoded, in order, or with single to the one output.
   */
  run(items, single) {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ items, single, resolve, reject });
      this.pump();
    });
  }

  // pump hands queued calls to idle ready workers, oldest first.
  pump() {
    while (this.queue.length) {
      const m = this.members.find((x) => x.ready && !x.job);
      if (!m) return;
      this.send(m, this.queue.shift());
    }
  }

  send(m, job) {
    m.job = job;
    const one = job.items.length === 1 ? job.items[0] : null;
    if (one && m.chan?.fits(one.byteLength)) {
      m.chan.call(one).then((r) => {
        if (m.job !== job) return; // settled already: the output came as a message, and the worker may be on the next call
        if (r.status === OK) this.finish(m, null, r.bytes);
        else if (r.status !== POSTED) this.finish(m, new Error(r.bytes));
        // POSTED: the output arrives as a message
      });
      return;
    }
    if (one) m.worker.postMessage(one, [one]);
    else m.worker.postMessage({ type: 'batch', items: job.items }, job.items);
    m.chan?.park(); // the worker waits in Atomics.wait: send it to its messages
  }

  finish(m, err, out) {
    const job = m.job;
    if (!job) return; // already settled (a dropped worker's late answer)
    m.job = null;
    this.settle(job, err, out);
    this.pump();
  }

  settle(job, err, out) {
    if (err) return job.reject(err);
    try {
      job.resolve(job.single ? this.decode(Array.isArray(out) ? out[0] : out) : (Array.isArray(out) ? out : [out]).map(this.decode));
    } catch (e) {
      job.reject(e);
    }
  }

  dispose(err) {
    this.failed = err;
    for (const m of this.members) {
      m.worker.terminate();
      if (m.job) m.job.reject(err);
    }
    for (const j of this.queue) j.reject(err);
    this.members = [];
    this.queue = [];
  }
}

// channelCapacity is the size of a worker's shared region: the typed
// contract's inputs or outputs, whichever is larger; for a v1 model one
// input, or 64 KiB for the output if that is more. At most 1 MiB: larger
// calls go by postMessage, whose cost is small beside theirs.
function channelCapacity(info) {
  return Math.min(Math.max(layout(info.inputs).total, info.outputs ? layout(info.outputs).total : 65536, 64), 1 << 20);
}
