// ---------- WASI: what a Go wasip1 reactor imports ----------

class ExitError extends Error {
  constructor(code) {
    super(`pwagen: the model exited with code ${code}`);
    this.code = code;
  }
}

export class WASI {
  constructor() {
    this.memory = null;
    this.out = { 1: '', 2: '' };
    this.said = []; // the Go runtime's last reasons on stderr (print)
    this.last = '';
    const ok = 0, EBADF = 8, ESPIPE = 70;
    const view = () => new DataView(this.memory.buffer);
    const zero = (a, b) => { const v = view(); v.setUint32(a, 0, true); v.setUint32(b, 0, true); return ok; };
    const now = (id) => BigInt(Math.round((id === 0 ? performance.timeOrigin + performance.now() : performance.now()) * 1e6));
    this.imports = {
      args_get: () => ok,
      args_sizes_get: zero,
      environ_get: () => ok,
      environ_sizes_get: zero,
      clock_res_get: (id, p) => { view().setBigUint64(p, 1000n, true); return ok; },
      clock_time_get: (id, precision, p) => { view().setBigUint64(p, now(id), true); return ok; },
      fd_write: (fd, iovs, n, written) => {
        const v = view();
        let total = 0;
        for (let i = 0; i < n; i++) {
          const ptr = v.getUint32(iovs + i * 8, true), len = v.getUint32(iovs + i * 8 + 4, true);
          this.print(fd, new Uint8Array(this.memory.buffer, ptr, len));
          total += len;
        }
        v.setUint32(written, total, true);
        return ok;
      },
      fd_read: (fd, iovs, n, nread) => { view().setUint32(nread, 0, true); return ok; },
      fd_close: () => ok,
      fd_seek: () => ESPIPE,
      fd_fdstat_get: (fd, p) => {
        if (fd > 2) return EBADF;
        const v = view();
        v.setUint8(p, 2); // character device
        v.setUint16(p + 2, 0, true);
        v.setBigUint64(p + 8, 0n, true);
        v.setBigUint64(p + 16, 0n, true);
        return ok;
      },
      fd_fdstat_set_flags: () => ok,
      fd_prestat_get: () => EBADF, // no preopened folders; ENOSYS would make Go's init panic
      fd_prestat_dir_name: () => EBADF,
      proc_exit: (code) => { throw new ExitError(code); },
      random_get: (p, len) => {
        // getRandomValues refuses views of a shared memory: fill a copy.
        for (let i = 0; i < len; i += 65536) {
          const n = Math.min(65536, len - i);
          new Uint8Array(this.memory.buffer, p + i, n).set(crypto.getRandomValues(new Uint8Array(n)));
        }
        return ok;
      },
      sched_yield: () => ok,
      poll_oneoff: (inp, out, nsubs, nevents) => {
        // Clock subscriptions only: report each as due at once.
        const v = view();
        for (let i = 0; i < nsubs; i++) {
          const s = inp + i * 48, e = out + i * 32;
          v.setBigUint64(e, v.getBigUint64(s, true), true); // userdata
          v.setUint16(e + 8, 0, true); // error
          v.setUint8(e + 10, v.getUint8(s + 8)); // type
        }
        v.setUint32(nevents, nsubs, true);
        return ok;
      },
    };
  }

  print(fd, bytes) {
    const text = this.out[fd] + new TextDecoder().decode(bytes.slice()); // a copy: TextDecoder refuses shared memory
    const lines = text.split('\n');
    this.out[fd] = lines.pop();
    for (const l of lines) (fd === 2 ? console.error : console.log)('[model]', l);
    // For run's error: the last line the model wrote to stderr, and the
    // last two that say why the Go runtime gave up (a traceback follows them).
    if (fd === 2 && lines.length) {
      this.last = lines[lines.length - 1];
      for (const l of lines) if (/^(fatal error|panic|runtime: )/.test(l)) this.said = [...this.said, l].slice(-2);
    }
  }

  // run calls f, an export of the model. A model that exits (proc_exit) or
  // traps is done for: the Go runtime ends a fatal error ("out of memory"
  // among them) with one or the other, and after a trap its state is
  // unknown. The error says what the model last wrote to stderr, and
  // exited marks it: the instance is to run no more calls (the pool
  // replaces its worker).
  run(f) {
    try {
      return f();
    } catch (e) {
      const trap = e instanceof WebAssembly.RuntimeError;
      if (!(e instanceof ExitError) && !trap) throw e;
      const said = (this.said.length ? this.said : [this.out[2] || this.last]).map((l) => l.trim()).filter(Boolean).join(' / ');
      const err = new Error(`${trap ? `pwagen: the model trapped (${e.message})` : e.message}${said ? ': ' + said : ''}; Go runtime errors such as "out of memory" mean the model needs more memory than the tab allows`);
      err.exited = true;
      throw err;
    }
  }
}
