package digits_test

import (
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pwagen/pwagen/internal/browsertest"
)

// poolConcJS loads the model with two workers, starts both (batches until
// each has run some), then makes n predict calls at once and counts, per
// worker, the inputs it ran and the turns it took for them: a message
// (one input, or a batch's) or a call through its shared channel (the
// channel's request count, less the messages, each of which bumps it
// once). It returns those, whether the answers are the ones of the same
// calls made one at a time, and in how many of 40 rounds of two predict
// calls made at once both workers had theirs when the second call
// returned (the page polls for a lone call's answer: spin true, which
// never backs off); then, with one part of n calls made at once made to
// fail in its worker, how the calls settled.
const poolConcJS = `(async (b64, n) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const digits = Array.from({ length: n }, (_, i) => Float32Array.from(bytes.subarray(i * 784, (i + 1) * 784), (v) => v / 255));
  const per = new Map();
  const post = Worker.prototype.postMessage;
  let breakOne = false, broken = 0;
  Worker.prototype.postMessage = function (msg, transfer) {
    if (breakOne && msg?.type === 'batch' && msg.sizes.length > 1) {
      // the last input's length past the end: the worker fails the part
      [breakOne, broken] = [false, broken + 1];
      msg = { ...msg, sizes: msg.sizes.map((v, i) => (i === msg.sizes.length - 1 ? v + 4 : v)) };
    }
    const w = per.get(this) || { sab: null, items: 0, posts: 0 };
    per.set(this, w);
    if (msg?.type === 'channel') w.sab = msg.sab;
    else if (msg instanceof ArrayBuffer) [w.items, w.posts] = [w.items + 1, w.posts + 1];
    else if (msg?.type === 'batch') [w.items, w.posts] = [w.items + msg.sizes.length, w.posts + 1];
    return post.call(this, msg, transfer);
  };
  try {
    const { loadModel } = await import(new URL('pwagen.js', location.href).href);
    const m = await loadModel({ serviceWorker: false, storage: 'memory', workers: 2, spin: true });
    for (let i = 0; i < 50 && !([...per.values()].length === 2 && [...per.values()].every((w) => w.items > 0)); i++) await m.predictBatch(digits);
    const one = [];
    for (const d of digits) one.push(Array.from(await m.predict(d)));
    for (let i = 0; i < 3; i++) await Promise.all(digits.map((d) => m.predict(d))); // warm
    const seq = (w) => (w.sab ? Atomics.load(new Int32Array(w.sab), 0) : 0);
    const snap = () => [...per.values()].map((w) => ({ items: w.items, posts: w.posts, seq: seq(w), sab: !!w.sab }));
    const before = snap();
    const got = (await Promise.all(digits.map((d) => m.predict(d)))).map((a) => Array.from(a));
    const after = snap();
    let both = 0;
    for (let r = 0; r < 40; r++) {
      const s0 = snap();
      const calls = [m.predict(digits[r]), m.predict(digits[(r + 1) % n])];
      const s1 = snap();
      if (s1.every((w, i) => w.seq > s0[i].seq || w.posts > s0[i].posts)) both++;
      await Promise.all(calls);
    }
    breakOne = true;
    const retried = await Promise.allSettled(digits.map((d) => m.predict(d)));
    const retry = {
      broken,
      resolved: retried.filter((x) => x.status === 'fulfilled').length,
      same: JSON.stringify(retried.map((x) => x.value && Array.from(x.value))) === JSON.stringify(one),
      first: retried.find((x) => x.status === 'rejected')?.reason?.message || '',
    };
    m.dispose();
    return {
      transport: m.info.transport,
      workers: after.map((a, i) => {
        const b = before[i] || { items: 0, posts: 0, seq: 0 };
        const chan = a.sab ? a.seq - b.seq - (a.posts - b.posts) : 0;
        return { items: a.items - b.items + chan, turns: a.posts - b.posts + chan };
      }),
      same: JSON.stringify(got) === JSON.stringify(one),
      both,
      retry,
    };
  } finally {
    Worker.prototype.postMessage = post;
  }
})`

// TestBrowserPoolConcurrent makes 40 predict calls at once on a pool of
// two workers, on a plain page and on an isolated one (the shared-memory
// channel, where the page polls for a lone call's answer): both workers
// run a share of them, and calls waiting behind one another go out
// together, in fewer turns of the workers than calls. (Before, on the
// isolated page, the page's poll for the first call's answer held back
// the calls made after it in the same loop, which then waited for it;
// and every call took a turn of its own.) A part of such calls that
// fails in its worker is run again call by call, so that one input's
// failure would be its own call's alone.
func TestBrowserPoolConcurrent(t *testing.T) {
	const n = 40
	nv := LoadNative(t)
	dir := packaged(t)
	for _, tt := range []struct {
		name, transport string
		serve           func(t testing.TB, dir string) *browsertest.Server
	}{
		{"plain page", "postMessage", serve},
		{"isolated page", "shared-memory", func(t testing.TB, dir string) *browsertest.Server { return isolated(t, static(dir)) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := browsertest.New(t)
			srv := tt.serve(t, dir)
			watchErrors(t, ctx)
			browsertest.Do(t, ctx, chromedp.Navigate(srv.URL+"__blank"))
			type worker struct{ Items, Turns int }
			r := browsertest.Eval[struct {
				Transport string
				Workers   []worker
				Same      bool
				Both      int
				Retry     struct {
					Broken, Resolved int
					Same             bool
					First            string
				}
			}](t, ctx, fmt.Sprintf("%s(%q, %d)", poolConcJS, base64.StdEncoding.EncodeToString(nv.Pixels(n)), n))
			t.Logf("%s: per worker (inputs, turns) %v", r.Transport, r.Workers)
			if r.Transport != tt.transport {
				t.Fatalf("info.transport = %q, want %q", r.Transport, tt.transport)
			}
			if !r.Same {
				t.Errorf("%d predict calls at once answered differently from the same calls one at a time", n)
			}
			if len(r.Workers) != 2 {
				t.Fatalf("%d workers seen, want 2", len(r.Workers))
			}
			items, turns := 0, 0
			for i, w := range r.Workers {
				items += w.Items
				turns += w.Turns
				if w.Items < n/4 {
					t.Errorf("worker %d ran %d of %d predict calls made at once; want at least %d: the pool left it idle", i+1, w.Items, n, n/4)
				}
			}
			if items != n || turns > n/2 {
				t.Errorf("%d predict calls made at once ran as %d inputs in %d turns of the workers; want %d inputs in at most %d turns (calls waiting behind one another go out together)", n, items, turns, n, n/2)
			}
			if r.Both != 40 {
				t.Errorf("two predict calls made at once reached both workers by the time the second returned in %d of 40 rounds, want 40: the page's poll for the first's answer held the second back", r.Both)
			}
			if rt := r.Retry; rt.Broken != 1 || rt.Resolved != n || !rt.Same {
				t.Errorf("with one part of %d predict calls made at once failed in its worker (%d broken), %d calls resolved (first rejection: %q), answers the same: %v; want each call of the part run again alone, all %d resolved with the same answers", n, rt.Broken, rt.Resolved, rt.First, rt.Same, n)
			}
			checkNoErrors(t, ctx)
		})
	}
}
