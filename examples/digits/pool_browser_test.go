package digits_test

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// poolDigits is how many test digits the pool tests classify.
const poolDigits = 40

// isolated serves h with the headers that make a page cross-origin
// isolated (COOP and COEP), as `isolation = "headers"` hosts do.
func isolated(t testing.TB, h http.Handler) *browsertest.Server {
	t.Helper()
	return browsertest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		h.ServeHTTP(w, r)
	}))
}

// poolRun is what poolJS returns.
type poolRun struct {
	Transport  string                 `json:"transport"`
	Isolated   bool                   `json:"isolated"`
	Workers    int                    `json:"workers"`
	Asked      int                    `json:"asked"`
	Reference  [][]float64            `json:"reference"`  // one worker, one predict per digit
	Batch1     [][]float64            `json:"batch1"`     // one worker, predictBatch
	BatchN     [][]float64            `json:"batchN"`     // the pool, predictBatch
	Concurrent [][]float64            `json:"concurrent"` // the pool, every predict at once
	V1Batch    []float64              `json:"v1batch"`    // the pool, predict of 3 digits in one Float32Array
	V1Many     []float64              `json:"v1many"`     // the pool, predict of every digit in one Float32Array
	Spin       map[string][][]float64 `json:"spin"`       // one worker per loadModel({spin}), the first 20 digits
	Stress     stressRun              `json:"stress"`
	Stress2    stressRun              `json:"stress2"` // two workers, calls of mixed sizes interleaved
	Parts      partsRun               `json:"parts"`
	Errors     map[string]string      `json:"errors"`
	Budget     budgetRun              `json:"budget"`
	Empty      int                    `json:"empty"`
	Warnings   []string               `json:"warnings"`
	WorkersEnd int                    `json:"workersAtEnd"`
}

type stressRun struct {
	Calls, Answers, Mismatches, Rounds, Workers int
	First                                       string
}

// partsRun is how one predictBatch went out to a pool whose workers were
// all idle: the messages posted to workers, to how many workers, the items
// they carried, the buffers they transferred, and the answers.
type partsRun struct {
	Messages, Workers, Items, Transfers, Tries int
	Answers                                    [][]float64
}

type budgetRun struct {
	Workers   int    `json:"workers"`
	Limited   bool   `json:"limited"`
	From      string `json:"budgetFrom"`
	Budget    int64  `json:"budgetBytes"`
	PeakBytes int64  `json:"peakBytes"`
}

// poolJS loads the model with one worker and with a pool of three, and
// runs the same digits through both in every way the loader offers.
const poolJS = `(async (b64, n) => {
  const { loadModel } = await import(new URL('pwagen.js', location.href).href);
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const digits = Array.from({ length: n }, (_, i) => Float32Array.from(bytes.subarray(i * 784, (i + 1) * 784), (v) => v / 255));
  const plain = (a) => Array.from(a);
  const rejects = (p) => p.then(() => 'resolved', (e) => e.message);
  const opts = { serviceWorker: false, storage: 'memory' };
  const one = await loadModel({ ...opts, workers: 1 });
  const warnings = [];
  const pool = await loadModel({ ...opts, workers: 3, onWarning: (w) => warnings.push(w) });
  const out = { transport: pool.info.transport, isolated: self.crossOriginIsolated, workers: pool.info.workers, asked: pool.info.pool.asked, errors: {} };
  out.reference = [];
  for (const d of digits) out.reference.push(plain(await one.predict(d)));
  out.batch1 = (await one.predictBatch(digits)).map(plain);
  out.batchN = (await pool.predictBatch(digits)).map(plain);
  out.concurrent = (await Promise.all(digits.map((d) => pool.predict(d)))).map(plain);
  const three = new Float32Array(3 * 784);
  digits.slice(0, 3).forEach((d, i) => three.set(d, i * 784));
  out.v1batch = plain(await pool.predict(three));
  const many = new Float32Array(n * 784); // larger than the shared channel: posted, the worker parked
  digits.forEach((d, i) => many.set(d, i * 784));
  out.v1many = plain(await pool.predict(many));
  out.empty = (await pool.predictBatch([])).length;

  // Stress: rounds of randomly sized calls, all at once, single and
  // batched, every answer checked against the one-worker reference.
  let seed = 7; // mulberry32
  const rand = (k) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let z = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    z = (z + Math.imul(z ^ (z >>> 7), 61 | z)) ^ z;
    return ((z ^ (z >>> 14)) >>> 0) % k;
  };
  const st = { calls: 0, answers: 0, mismatches: 0, rounds: 0, first: '' };
  const same = (got, i) => {
    st.answers++;
    const want = out.reference[i];
    if (got.length !== want.length || want.some((v, j) => v !== got[j])) {
      st.mismatches++;
      if (!st.first) st.first = 'digit ' + i + ': got ' + JSON.stringify(plain(got)) + ', want ' + JSON.stringify(want);
    }
  };
  for (let r = 0; r < 25; r++, st.rounds++) {
    const calls = [];
    for (let c = 1 + rand(8); c > 0; c--) {
      st.calls++;
      if (rand(2)) {
        const i = rand(n);
        calls.push(pool.predict(digits[i]).then((o) => same(o, i)));
      } else {
        const idx = Array.from({ length: rand(2 * n) }, () => rand(n));
        calls.push(pool.predictBatch(idx.map((i) => digits[i])).then((os) => {
          if (os.length !== idx.length) { st.mismatches++; st.first ||= 'a batch of ' + idx.length + ' resolved to ' + os.length; }
          os.forEach((o, k) => same(o, idx[k]));
        }));
      }
    }
    await Promise.all(calls);
  }
  out.stress = st;

  // Stress on two workers, calls interleaved: single predicts (through a
  // worker's channel on an isolated page), predicts of 2 to 30 digits in
  // one Float32Array (up to 20 fit the 64 KiB channel; more are posted,
  // the worker parked), batches, and pauses of 0 to 2 ms or an await of
  // an earlier call between them, so that calls land while others are in
  // flight on either worker. A rejection counts as a mismatch.
  const two = await loadModel({ ...opts, workers: 2 });
  const st2 = { calls: 0, answers: 0, mismatches: 0, rounds: 0, first: '' };
  const miss = (what) => { st2.mismatches++; st2.first ||= what; };
  const flat = (idx) => {
    const x = new Float32Array(idx.length * 784);
    idx.forEach((i, k) => x.set(digits[i], k * 784));
    return x;
  };
  const check = (got, idx, what) => {
    st2.answers += idx.length;
    const want = idx.flatMap((i) => out.reference[i]);
    if (got.length !== want.length || want.some((v, j) => v !== got[j])) miss(what + ' of digits ' + idx.join(',') + ': got ' + got.length + ' values, differing from the one-worker run');
  };
  for (let r = 0; r < 40; r++, st2.rounds++) {
    const calls = [];
    for (let c = 2 + rand(10); c > 0; c--) {
      st2.calls++;
      const kind = rand(4);
      let p;
      if (kind < 2) {
        const i = rand(n);
        p = two.predict(digits[i]).then((o) => check(o, [i], 'predict'));
      } else if (kind === 2) {
        const idx = Array.from({ length: 2 + rand(29) }, () => rand(n));
        p = two.predict(flat(idx)).then((o) => check(o, idx, 'predict of ' + idx.length + ' in one array'));
      } else {
        const idx = Array.from({ length: 1 + rand(n) }, () => rand(n));
        p = two.predictBatch(idx.map((i) => digits[i])).then((os) => {
          if (os.length !== idx.length) return miss('a batch of ' + idx.length + ' resolved to ' + os.length);
          os.forEach((o, k) => check(o, [idx[k]], 'batch item'));
        });
      }
      calls.push(p.catch((e) => miss('rejected: ' + e.message)));
      const pause = rand(6);
      if (pause < 2) await new Promise((res) => setTimeout(res, pause));
      else if (pause === 2) await calls[rand(calls.length)];
    }
    await Promise.all(calls);
  }
  out.stress2 = { ...st2, workers: two.info.workers };
  two.dispose();

  // predictBatch hands parts to every worker, each part's inputs in one
  // transferred buffer, not one per item. (Tries: until every worker of
  // the pool has started.)
  const post = Worker.prototype.postMessage;
  for (let tries = 1; tries <= 20; tries++) {
    const sent = [];
    Worker.prototype.postMessage = function (msg, transfer) {
      if (msg instanceof ArrayBuffer) sent.push([this, 1, transfer.length]);
      else if (msg?.type === 'batch') sent.push([this, msg.sizes?.length ?? msg.items.length, transfer.length]);
      return post.call(this, msg, transfer);
    };
    let answers;
    try {
      answers = (await pool.predictBatch(digits)).map(plain);
    } finally {
      Worker.prototype.postMessage = post;
    }
    const sum = (k) => sent.reduce((a, x) => a + x[k], 0);
    out.parts = { messages: sent.length, workers: new Set(sent.map((x) => x[0])).size, items: sum(1), transfers: sum(2), tries, answers };
    if (out.parts.workers === 3) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  out.errors.notArray = await rejects(pool.predictBatch(digits[0]));
  out.errors.badItem = await rejects(pool.predictBatch([digits[0], new Float32Array(5), digits[1]]));
  out.errors.badLength = await rejects(pool.predict(new Float32Array(785)));
  out.errors.workers = await rejects(loadModel({ ...opts, workers: 0 }));
  out.errors.spin = await rejects(loadModel({ ...opts, spin: 'yes' }));
  // Each spin policy gives the same answers (on a plain page there is no
  // channel to spin on).
  out.spin = {};
  for (const spin of [true, false, 'auto']) {
    const m = await loadModel({ ...opts, workers: 1, spin });
    out.spin[String(spin)] = [];
    for (const d of digits.slice(0, 20)) out.spin[String(spin)].push(plain(await m.predict(d)));
    m.dispose();
  }
  out.after = plain(await pool.predict(digits[0])); // a rejected call leaves the pool working
  if (JSON.stringify(out.after) !== JSON.stringify(out.reference[0])) out.errors.after = 'predict after the rejections differs';

  out.warnings = warnings;
  out.workersAtEnd = pool.info.workers;
  const peak = pool.info.pool.peakBytes;
  const small = await loadModel({ ...opts, workers: 4, maxMemory: Math.floor(2.5 * peak) });
  out.budget = { workers: small.info.workers, ...small.info.pool };
  small.dispose();
  one.dispose();
  pool.dispose();
  return out;
})`

// TestBrowserPool runs examples/digits through a pool of three workers and
// through one worker, on a plain page (postMessage) and on a cross-origin
// isolated one (the shared-memory channel): predictBatch split across the
// pool, predict calls made all at once, and rounds of randomly sized
// concurrent calls all give the one-worker answers bit for bit, in order,
// and those are native's; so do rounds on two workers of single calls,
// many-digit predicts (through the channel or posted) and batches
// interleaved with pauses. A bad item rejects the whole batch naming it,
// and the memory budget lowers the pool.
func TestBrowserPool(t *testing.T) {
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
			r := browsertest.Eval[poolRun](t, ctx, fmt.Sprintf("%s(%q, %d)", poolJS, base64.StdEncoding.EncodeToString(nv.Pixels(poolDigits)), poolDigits))
			if r.Transport != tt.transport {
				t.Errorf("info.transport = %q (crossOriginIsolated %v), want %q", r.Transport, r.Isolated, tt.transport)
			}
			if r.Workers != 3 || r.Asked != 3 {
				t.Errorf("loadModel({workers: 3}): info.workers = %d, info.pool.asked = %d; want 3 and 3", r.Workers, r.Asked)
			}
			if len(r.Reference) != poolDigits {
				t.Fatalf("the reference run has %d answers, want %d", len(r.Reference), poolDigits)
			}
			for i, ref := range r.Reference {
				want := nv.Probabilities(i)
				got := make([]float32, len(ref))
				for k, v := range ref {
					got[k] = float32(v)
					if d := math.Abs(v - float64(want[k])); d > 1e-5 {
						t.Fatalf("one worker, digit %d class %d: %v, native %v (differ by %.3g > 1e-5)", i, k, v, want[k], d)
					}
				}
				if digitnet.Argmax(got) != digitnet.Argmax(want) {
					t.Fatalf("one worker, digit %d: says %d, native %d", i, digitnet.Argmax(got), digitnet.Argmax(want))
				}
			}
			for name, got := range map[string][][]float64{"one worker, predictBatch": r.Batch1, "pool of 3, predictBatch": r.BatchN, "pool of 3, concurrent predict": r.Concurrent} {
				sameAnswers(t, name, got, r.Reference)
			}
			var flat []float64
			for _, a := range r.Reference[:3] {
				flat = append(flat, a...)
			}
			sameAnswers(t, "pool of 3, predict of 3 digits in one Float32Array", [][]float64{r.V1Batch}, [][]float64{flat})
			for _, a := range r.Reference[3:] {
				flat = append(flat, a...)
			}
			sameAnswers(t, fmt.Sprintf("pool of 3, predict of %d digits in one Float32Array", poolDigits), [][]float64{r.V1Many}, [][]float64{flat})
			for _, spin := range []string{"true", "false", "auto"} {
				sameAnswers(t, "one worker, spin "+spin, r.Spin[spin], r.Reference[:20])
			}
			if r.Empty != 0 {
				t.Errorf("predictBatch([]) resolved to %d results, want 0", r.Empty)
			}
			s := r.Stress
			t.Logf("stress: %d rounds, %d calls, %d answers checked", s.Rounds, s.Calls, s.Answers)
			if s.Mismatches > 0 || s.Answers < 100 {
				t.Errorf("stress: %d of %d answers differ from the one-worker run (first: %s)", s.Mismatches, s.Answers, s.First)
			}
			s2 := r.Stress2
			t.Logf("stress on 2 workers, mixed sizes interleaved: %d rounds, %d calls, %d answers checked", s2.Rounds, s2.Calls, s2.Answers)
			if s2.Mismatches > 0 || s2.Answers < 1000 || s2.Workers != 2 {
				t.Errorf("stress on 2 workers (info.workers %d): %d mismatches or rejections in %d answers (first: %s)", s2.Workers, s2.Mismatches, s2.Answers, s2.First)
			}
			d := r.Parts
			t.Logf("parts: %d messages to %d workers, %d items in %d transferred buffers, after %d tries", d.Messages, d.Workers, d.Items, d.Transfers, d.Tries)
			if d.Workers != 3 || d.Items != poolDigits || d.Transfers != d.Messages || d.Messages >= poolDigits {
				t.Errorf("predictBatch of %d digits on a pool of 3 idle workers went out in %d messages to %d workers carrying %d items in %d transferred buffers; want parts for each of the 3, %d items in all, one buffer a message", poolDigits, d.Messages, d.Workers, d.Items, d.Transfers, poolDigits)
			}
			sameAnswers(t, "pool of 3, predictBatch in parts", d.Answers, r.Reference)
			checkRejections(t, r.Errors, map[string][]string{
				"notArray":  {"predictBatch takes an array of inputs", "Float32Array", "call predict"},
				"badItem":   {"predictBatch's input 1 of 3", "5 values", "784 per input"},
				"badLength": {"785 values", "784 per input"},
				"workers":   {"workers is 0", "whole number from 1"},
				"spin":      {`spin is "yes"`, `"auto", true or false`},
			})
			if msg, ok := r.Errors["after"]; ok {
				t.Error(msg)
			}
			if len(r.Warnings) > 0 || r.WorkersEnd != 3 {
				t.Errorf("the pool of 3 ended with info.workers = %d, warnings %q; want 3 and none", r.WorkersEnd, r.Warnings)
			}
			b := r.Budget
			if b.Workers != 2 || !b.Limited || b.From != "maxMemory" || b.Budget != int64(2.5*float64(b.PeakBytes)) || b.PeakBytes <= 0 {
				t.Errorf("loadModel({workers: 4, maxMemory: 2.5 × peak}): info.workers %d, info.pool %+v; want 2 workers, limited by maxMemory", b.Workers, b)
			}
			checkNoErrors(t, ctx)
		})
	}
}

// sameAnswers checks that got has want's answers, bit for bit, in order.
func sameAnswers(t *testing.T, name string, got, want [][]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d answers, want %d", name, len(got), len(want))
		return
	}
	for i := range want {
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			t.Errorf("%s: answer %d is %v, want the one-worker answer %v", name, i, got[i], want[i])
			return
		}
	}
}

// checkRejections checks that each call rejected with a message holding
// every wanted part.
func checkRejections(t *testing.T, got map[string]string, want map[string][]string) {
	t.Helper()
	for kind, parts := range want {
		msg := got[kind]
		if msg == "" || msg == "resolved" {
			t.Errorf("%s: %q; want a rejection", kind, msg)
			continue
		}
		for _, p := range parts {
			if !strings.Contains(msg, p) {
				t.Errorf("%s: rejected with %q, which does not say %q", kind, msg, p)
			}
		}
	}
}

// TestBrowserPoolSize checks loadModel's default pool size,
// min(navigator.hardwareConcurrency, 4), with Chromium emulating each core
// count, and that the budget, half of navigator.deviceMemory (set on the
// page here: Chromium cannot emulate it), lowers it to what fits the
// model's measured peak.
func TestBrowserPoolSize(t *testing.T) {
	dir := packaged(t)
	ctx := browsertest.New(t)
	srv := serve(t, dir)
	for _, tt := range []struct {
		name         string
		cores        int64
		deviceMemory float64 // GiB; 0 leaves the browser's
		workers      int
		limited      bool
		budgetFrom   string
	}{
		{"one core", 1, 0, 1, false, "half of navigator.deviceMemory"},
		{"three cores", 3, 0, 3, false, "half of navigator.deviceMemory"},
		{"eight cores", 8, 0, 4, false, "half of navigator.deviceMemory"},
		{"eight cores, 16 MiB of RAM", 8, 1.0 / 64, 2, true, "half of navigator.deviceMemory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := chromedp.Call(ctx, emulation.SetHardwareConcurrencyOverride, emulation.SetHardwareConcurrencyOverrideParams{HardwareConcurrency: tt.cores}); err != nil {
				t.Fatal(err)
			}
			browsertest.Do(t, ctx, chromedp.Navigate(srv.URL+"__blank"))
			type sized struct {
				Cores   int64 `json:"cores"`
				Workers int   `json:"workers"`
				Pool    struct {
					Asked   int     `json:"asked"`
					Limited bool    `json:"limited"`
					From    string  `json:"budgetFrom"`
					Budget  float64 `json:"budgetBytes"`
					Peak    float64 `json:"peakBytes"`
				} `json:"pool"`
			}
			got := browsertest.Eval[sized](t, ctx, fmt.Sprintf(`(async (dm) => {
  if (dm) Object.defineProperty(navigator, 'deviceMemory', { value: dm, configurable: true });
  const { loadModel } = await import(new URL('pwagen.js', location.href).href);
  const m = await loadModel({ serviceWorker: false, storage: 'memory' });
  const r = { cores: navigator.hardwareConcurrency, workers: m.info.workers, pool: m.info.pool };
  m.dispose();
  return r;
})(%v)`, tt.deviceMemory))
			if got.Cores != tt.cores {
				t.Fatalf("navigator.hardwareConcurrency = %d under emulation of %d cores", got.Cores, tt.cores)
			}
			if got.Workers != tt.workers || got.Pool.Limited != tt.limited || got.Pool.From != tt.budgetFrom || got.Pool.Asked != int(min(tt.cores, 4)) {
				t.Errorf("info.workers = %d, info.pool = %+v; want %d workers of %d asked, limited %v by %q", got.Workers, got.Pool, tt.workers, min(tt.cores, 4), tt.limited, tt.budgetFrom)
			}
			if tt.limited && got.Pool.Budget != tt.deviceMemory*(1<<29) {
				t.Errorf("info.pool.budgetBytes = %v, want half of %v GiB", got.Pool.Budget, tt.deviceMemory)
			}
		})
	}
}
