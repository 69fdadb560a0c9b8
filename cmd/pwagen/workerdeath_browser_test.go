package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// dyingGo wraps the iris template's predict: an input whose first value
// is -1 allocates until the Go runtime gives up ("fatal error: out of
// memory", then exit), -2 computes for 3 s (a long call, to be ended
// from outside), any other is iris's.
const dyingGo = `package main

import "time"

var hoard [][]byte

func predict(in []float32) ([]float32, error) {
	if len(in) > 0 && in[0] == -1 {
		for {
			hoard = append(hoard, make([]byte, 64<<20))
		}
	}
	if len(in) > 0 && in[0] == -2 {
		for t := time.Now(); time.Since(t) < 3*time.Second; {
		}
	}
	return predictIris(in)
}
`

// deathJS loads the model with one worker and with two, records the
// pool's Workers (a subclass of Worker) and makes workers die mid-call:
// the model runs out of memory, or the page terminates the worker during
// a long call (as the browser ends a worker, with no event). Every wait is
// bounded: a call left pending reads "pending after 20 s".
const deathJS = `(async () => {
  const made = [];
  let ready = 0;
  const W = window.Worker;
  window.Worker = class extends W {
    constructor(...a) {
      super(...a);
      if (a[1]?.name === 'pwagen') {
        made.push(this);
        this.addEventListener('message', (e) => e.data?.type === 'ready' && ready++);
      }
    }
  };
  const { loadModel } = await import('./pwagen.js');
  const xs = Array.from({ length: 8 }, (_, i) => new Float32Array([4.3 + 0.4 * i, 2 + 0.3 * (i % 5), 1 + 0.8 * (i % 7), 0.1 + 0.6 * (i % 4)]));
  const OOM = new Float32Array([-1, 0, 0, 0]), LONG = new Float32Array([-2, 0, 0, 0]);
  const plain = (a) => Array.from(a);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const settle = (p) => Promise.race([p.then((a) => (Array.isArray(a) ? a.map(plain) : plain(a)), (e) => 'rejected: ' + e.message), sleep(20000).then(() => 'pending after 20 s')]);
  const until = async (f) => { for (let i = 0; i < 400 && !f(); i++) await sleep(50); };
  const warnings = [];
  const opts = { serviceWorker: false, storage: 'memory', onWarning: (w) => warnings.push(w) };
  const r = { transport: '', one: {}, two: {}, three: {} };

  const m = await loadModel({ ...opts, workers: 1 });
  r.transport = m.info.transport;
  r.reference = [];
  for (const x of xs) r.reference.push(plain(await m.predict(x)));
  r.one.oom = await settle(m.predict(OOM));
  r.one.afterOOM = await settle(Promise.all(xs.map((x) => m.predict(x))));
  r.one.workersAfterOOM = m.info.workers;
  await until(() => ready >= 2);
  const long = m.predict(LONG);
  await sleep(300);
  made.at(-1).terminate();
  r.one.terminated = await settle(long);
  r.one.afterTerminate = await settle(Promise.all(xs.map((x) => m.predict(x))));
  r.one.workers = m.info.workers;
  r.one.pool = { lost: m.info.pool.lost, replaced: m.info.pool.replaced };
  r.one.made = made.length;
  m.dispose();

  ready = 0;
  const m2 = await loadModel({ ...opts, workers: 2 });
  await m2.predictBatch(xs); // starts the second worker
  await until(() => ready >= 2);
  const [oom, beside] = [settle(m2.predict(OOM)), settle(m2.predict(xs[1]))];
  r.two.oom = await oom;
  r.two.beside = await beside;
  r.two.after = await settle(Promise.all(xs.map((x) => m2.predict(x))));
  r.two.batch = await settle(m2.predictBatch(xs));
  r.two.workers = m2.info.workers;
  r.two.pool = { lost: m2.info.pool.lost, replaced: m2.info.pool.replaced };
  m2.dispose();

  // Both workers busy with a long call: the calls made at once meanwhile
  // wait, and go out in groups (pool.js pump), the out-of-memory one in
  // the first.
  ready = 0;
  const m3 = await loadModel({ ...opts, workers: 2 });
  await m3.predictBatch(xs);
  await until(() => ready >= 2);
  const longs = [m3.predict(LONG), m3.predict(LONG)];
  const calls = [xs[0], xs[1], OOM, ...xs].map((x) => settle(m3.predict(x)));
  r.three.longs = await settle(Promise.all(longs));
  r.three.calls = await Promise.all(calls);
  r.three.after = await settle(Promise.all(xs.map((x) => m3.predict(x))));
  r.three.pool = { lost: m3.info.pool.lost, replaced: m3.info.pool.replaced };
  m3.dispose();
  r.warnings = warnings;
  return r;
})()`

type deathRun struct {
	Transport string      `json:"transport"`
	Reference [][]float64 `json:"reference"`
	One       struct {
		OOM, Terminated          any
		AfterOOM, AfterTerminate any
		WorkersAfterOOM, Workers int
		Made                     int
		Pool                     struct{ Lost, Replaced int }
	} `json:"one"`
	Two struct {
		OOM, Beside, After, Batch any
		Workers                   int
		Pool                      struct{ Lost, Replaced int }
	} `json:"two"`
	Three struct {
		Longs, After any
		Calls        []any
		Pool         struct{ Lost, Replaced int }
	} `json:"three"`
	Warnings []string `json:"warnings"`
}

// TestPoolWorkerDies: a model worker that dies mid-call — its model runs
// out of memory (the Go runtime's fatal error, then exit), or the worker
// is terminated during a long call, as the browser ends a worker, with no
// event on the page — rejects that call with an error naming the worker
// and what happened, where the call stayed pending for good (terminated)
// or the dead instance kept getting calls (out of memory). One worker
// starts in its place: the calls after, alone, all at once and in a
// batch, get the answers of a healthy worker; a call made beside the
// dying one on another worker is answered; info.workers keeps the
// pool's size and info.pool counts the loss. On a plain page and on an
// isolated one (the shared-memory channel).
func TestPoolWorkerDies(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a model and drives Chromium")
	}
	dir := packIrisWith(t, "dying", "dying.go", dyingGo)
	for _, tt := range []struct{ serve, transport string }{{"none", "postMessage"}, {"headers", "shared-memory"}} {
		t.Run(tt.transport, func(t *testing.T) {
			url, _ := browsertest.ServePackage(t, filepath.Join(dir, "dist"), tt.serve)
			ctx := browsertest.New(t)
			browsertest.Do(t, ctx, chromedp.Navigate(url+"__blank")) // not the app's page: its own model's workers would count
			r := browsertest.Eval[deathRun](t, ctx, deathJS)
			if r.Transport != tt.transport { // __blank is a 404 page, with the host's headers
				t.Errorf("info.transport = %q, want %q", r.Transport, tt.transport)
			}
			ref := fmt.Sprint(r.Reference)
			rejects := func(what string, got any, parts ...string) {
				t.Helper()
				s, _ := got.(string)
				for _, p := range parts {
					if !strings.HasPrefix(s, "rejected: ") || !strings.Contains(s, p) {
						t.Errorf("%s: %v; want a rejection that says %q", what, got, p)
						return
					}
				}
			}
			answers := func(what string, got any, want string) {
				t.Helper()
				if fmt.Sprint(got) != want {
					t.Errorf("%s: %v; want %s", what, got, want)
				}
			}
			o := r.One
			rejects("one worker, the model runs out of memory", o.OOM, "model worker 1", "trapped", "fatal error: out of memory", "a new worker starts in its place")
			answers("one worker, the calls after it ran out of memory", o.AfterOOM, ref)
			rejects("one worker, terminated during a call", o.Terminated, "model worker 2", "stopped", "terminated", "a new worker starts in its place")
			answers("one worker, the calls after it was terminated", o.AfterTerminate, ref)
			if o.WorkersAfterOOM != 1 || o.Workers != 1 || o.Pool.Lost != 2 || o.Pool.Replaced != 2 || o.Made != 3 {
				t.Errorf("one worker: info.workers %d after the first death, %d after the second; info.pool lost %d, replaced %d; %d Workers made; want 1, 1, 2, 2, 3", o.WorkersAfterOOM, o.Workers, o.Pool.Lost, o.Pool.Replaced, o.Made)
			}
			w := r.Two
			rejects("two workers, the model runs out of memory", w.OOM, "model worker", "fatal error: out of memory", "a new worker starts in its place")
			answers("two workers, a call beside the dying one", w.Beside, fmt.Sprint(r.Reference[1]))
			answers("two workers, the calls after", w.After, ref)
			answers("two workers, a batch after", w.Batch, ref)
			if w.Workers != 2 || w.Pool.Lost != 1 || w.Pool.Replaced != 1 {
				t.Errorf("two workers: info.workers %d, info.pool lost %d, replaced %d; want 2, 1, 1", w.Workers, w.Pool.Lost, w.Pool.Replaced)
			}
			// A group of calls made at once whose worker died rejects, as a
			// batch's part does: run again call by call (as a group that
			// failed in a live worker is), the input that killed it would
			// kill the next worker too.
			h := r.Three
			if s, ok := h.Longs.(string); ok {
				t.Errorf("two workers busy, the long calls: %s; want answers", s)
			}
			if len(h.Calls) != 3+len(r.Reference) {
				t.Fatalf("two workers busy: %d calls settled, want %d", len(h.Calls), 3+len(r.Reference))
			}
			rejects("two workers busy, the model runs out of memory in a group", h.Calls[2], "model worker", "fatal error: out of memory", "a new worker starts in its place")
			grouped := 0
			for i, got := range h.Calls {
				if i == 2 {
					continue
				}
				want := r.Reference[(i+len(r.Reference)-3)%len(r.Reference)]
				if i < 2 {
					want = r.Reference[i]
				}
				if s, ok := got.(string); ok && strings.Contains(s, "can run no more calls") {
					grouped++
					continue
				}
				answers(fmt.Sprintf("two workers busy, call %d of those made at once", i), got, fmt.Sprint(want))
			}
			if grouped == 0 {
				t.Errorf("two workers busy: no call went out with the out-of-memory one (all answered); want it in a group with others")
			}
			answers("two workers busy, the calls after", h.After, ref)
			if h.Pool.Lost != 1 || h.Pool.Replaced != 1 {
				t.Errorf("two workers busy: info.pool lost %d, replaced %d; want 1, 1 (the group's calls run again one by one, the out-of-memory input kills a second worker)", h.Pool.Lost, h.Pool.Replaced)
			}
			t.Logf("warnings: %q", r.Warnings)
		})
	}
}
