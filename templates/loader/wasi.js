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
  }

  run(f) {
    try {
      return f();
    } catch (e) {
      if (e instanceof ExitError) {
        const tail = (this.out[2] || '').trim();
        throw new Error(`${e.message}${tail ? ': ' + tail : ''}; Go runtime errors such as "out of memory" mean the model needs more memory than the tab allows`);
      }
      throw e;
    }
  }
}
