package templates_test

import (
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/templates"
)

// spinJS drives channel.js's Spin and PageChannel on a cross-origin
// isolated page, with no worker: a word that already holds what is waited
// for is a spin that catches, one that never does a spin that misses (it
// gives up within its budget). turns runs a policy over a script of turns
// ('y': the answer is there, 'n': it never comes) and writes what each
// turn did: 'c' spun and caught, 'm' spun and missed, '.' slept at once.
const spinJS = `import('/loader/channel.js').then(async ({ Spin, PageChannel }) => {
  const word = new Int32Array(new SharedArrayBuffer(8));
  const turns = (sp, script) => [...script].map((a) => sp.skip() ? '.' : sp.wait(word, 0, a === 'y' ? 0 : 1, true, 0.05) ? 'c' : 'm').join('');
  const auto = new Spin(true), always = new Spin(false);
  const r = {
    auto: turns(auto, 'y'.repeat(40) + 'n'.repeat(200) + 'y'.repeat(70) + 'nyny' + 'nnyyyy'),
    always: turns(always, 'nnnnyyyn'),
    spinWord: {},
  };
  // The page's end with nobody answering: the call spins, misses and
  // awaits Atomics.waitAsync; the test answers it. The SPIN word tells the
  // worker what the page allows after this call.
  for (const policy of ['auto', true, false]) {
    const ch = new PageChannel(64, policy);
    const words = [];
    for (const allowed of [true, false]) {
      const answer = new Promise((resolve) => ch.call(4, allowed, (status, bytes) => resolve([status, bytes.byteLength])));
      words.push(ch.ctl[6]);
      ch.data.set([1, 2, 3], 0);
      ch.ctl[3] = 3;
      ch.ctl[4] = 0;
      Atomics.store(ch.ctl, 1, ch.want);
      Atomics.notify(ch.ctl, 1);
      const [status, n] = await answer;
      if (status !== 0 || n !== 3) throw new Error('answer ' + status + ', ' + n + ' bytes; want 0, 3');
    }
    r.spinWord[String(policy)] = words;
  }
  return r;
})`

// spinTurns is what Spin(true) does over script: it spins every turn
// while its spins catch; the k-th miss (at most 6) since its misses were
// last taken back makes it sleep at once for the next 2^k − 1 turns, and
// each catch takes one miss back.
func spinTurns(script string) string {
	var b strings.Builder
	misses, left := 0, 0
	for _, a := range script {
		switch {
		case left > 0:
			left--
			b.WriteByte('.')
		case a == 'y':
			misses = max(misses-1, 0)
			b.WriteByte('c')
		default:
			misses = min(misses+1, 6)
			left = 1<<misses - 1
			b.WriteByte('m')
		}
	}
	return b.String()
}

// TestSpinPolicy: with spin "auto" each side of the shared channel decides
// per turn whether to poll before it sleeps (channel.js, Spin): it polls
// on every turn while its polls catch the answer — no block of turns
// asleep to re-measure, which left "auto"'s median round trip far above
// its best window — and after a miss it sleeps at once for 1, 3, 7 … 63
// turns, so that on a busy machine it rarely polls; each catch takes one
// miss back. spin: true polls every turn. The page's end tells the worker
// per call what it may do after its answer (the SPIN word): 1 ("auto"), 2
// (true), 0 (false, or a call made while another is in flight).
func TestSpinPolicy(t *testing.T) {
	if testing.Short() {
		t.Skip("drives Chromium")
	}
	url, _ := browsertest.Serve(t, isolatedLoader(t))
	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	type result struct {
		Auto     string           `json:"auto"`
		Always   string           `json:"always"`
		SpinWord map[string][]int `json:"spinWord"`
	}
	r := browsertest.Eval[result](t, ctx, spinJS)
	script := strings.Repeat("y", 40) + strings.Repeat("n", 200) + strings.Repeat("y", 70) + "nyny" + "nnyyyy"
	if want := spinTurns(script); r.Auto != want {
		t.Errorf("spin \"auto\" over %d turns:\n got %s\nwant %s\n('c' caught, 'm' missed, '.' slept at once)", len(script), r.Auto, want)
	}
	if want := "mmmmcccm"; r.Always != want {
		t.Errorf("spin: true over nnnnyyyn: %s, want %s: it polls every turn", r.Always, want)
	}
	for policy, want := range map[string][2]int{"auto": {1, 0}, "true": {2, 0}, "false": {0, 0}} {
		if got := r.SpinWord[policy]; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("spin %s: the worker's SPIN word for a call alone and one beside another is %v, want %v", policy, got, want)
		}
	}
}

// isolatedLoader serves the loader's modules at /loader/ and a blank page
// at /, with the headers that make the page cross-origin isolated.
func isolatedLoader(t *testing.T) http.Handler {
	t.Helper()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<!doctype html><title>channel</title>"))
			return
		}
		b, err := fs.ReadFile(templates.Loader, strings.TrimPrefix(r.URL.Path, "/"))
		if err != nil || !strings.HasPrefix(r.URL.Path, "/loader/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(b)
	})
}

// parkWorker is a model worker's side of the channel as pwagen.js runs it
// (count the messages read, serve the channel after each), with a model
// that answers 40 bytes computed from its input and notes every input it
// ran; a 'hold' message keeps it, as a long batch would, until the page
// sets the gate word.
const parkWorker = `import { serveChannel } from '/loader/channel.js';
let sab = null, gate = null, seen = 0, read = 0;
const runs = [];
const run = (input) => {
  runs.push(Array.from(input));
  const out = new Uint8Array(40);
  for (let i = 0; i < 40; i++) out[i] = (input[i % input.length] + i) & 255;
  return out;
};
self.onmessage = ({ data: m }) => {
  if (sab) read++;
  if (m.type === 'channel') [sab, gate] = [m.sab, new Int32Array(m.gate)];
  else if (m.type === 'hold') Atomics.wait(gate, 0, 0, 10000);
  else if (m.type === 'report') self.postMessage(runs);
  seen = serveChannel(sab, seen, read, run, 0, 60000).seen;
};
`

// parkJS: a predict through the channel; the worker parked to read a
// message and held in it; the page's next predict half written (its
// input, length and op, not yet its request number) at the moment the
// worker, let go, reads the park's number — the page stops inside
// PageChannel.call until the worker has taken the park. Then the worker
// tells which inputs it ran.
const parkJS = `(async () => {
  const { PageChannel, OK } = await import('/loader/channel.js');
  const ch = new PageChannel(64, false);
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const w = new Worker('/parkworker.js', { type: 'module' });
  w.postMessage({ type: 'channel', sab: ch.sab, gate: gate.buffer });
  const call = (bytes) => new Promise((resolve) => {
    ch.data.set(bytes);
    ch.call(bytes.length, false, (status, out) => resolve(status === OK ? Array.from(new Uint8Array(out)) : 'status ' + status + ': ' + out));
  });
  const r = { first: await call([1, 2, 3, 4, 5, 6, 7, 8]) };
  ch.post(w, { type: 'hold' });
  const parked = ch.seq;
  const bump = ch.bump;
  let armed = true;
  ch.bump = function () {
    if (armed) {
      armed = false;
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      const t0 = performance.now();
      while (Atomics.load(this.ctl, 1) !== parked) if (performance.now() - t0 > 10000) { r.timedOut = true; break; }
    }
    return bump.call(this);
  };
  r.second = await Promise.race([call([9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]), new Promise((resolve) => setTimeout(() => resolve('no answer in 10 s'), 10000))]);
  ch.bump = bump;
  const runs = new Promise((resolve) => (w.onmessage = ({ data }) => resolve(data)));
  ch.post(w, { type: 'report' });
  r.runs = await runs;
  w.terminate();
  return r;
})()`

// TestChannelParkThenPredict: the race bench section 12 met on an isolated
// page (a worker ran a predict on 40 bytes, its own previous answer),
// made to happen every time. A worker parked to read a message (a batch)
// reads the park's request number only once it is back in its loop; by
// then the page may be writing its next predict. With the op in a word of
// its own beside SEQ the worker read the new op with the park's number,
// ran the new input as the park, wrote its answer's length over the
// page's, and ran the real predict on that answer. Each request's kind is
// now tied to its number (PRED): the worker runs each input once, and
// the page gets the answer to its input.
func TestChannelParkThenPredict(t *testing.T) {
	if testing.Short() {
		t.Skip("drives Chromium")
	}
	loader := isolatedLoader(t)
	url, _ := browsertest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/parkworker.js" {
			loader.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(parkWorker))
	}))
	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	type result struct {
		First    []int   `json:"first"`
		Second   any     `json:"second"`
		Runs     [][]int `json:"runs"`
		TimedOut bool    `json:"timedOut"`
	}
	r := browsertest.Eval[result](t, ctx, parkJS)
	answer := func(in []int) string {
		out := make([]int, 40)
		for i := range out {
			out[i] = (in[i%len(in)] + i) & 255
		}
		return fmt.Sprint(out)
	}
	in1, in2 := []int{1, 2, 3, 4, 5, 6, 7, 8}, []int{9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	if r.TimedOut {
		t.Error("the worker never took the park (DONE did not reach the park's number within 10 s)")
	}
	if fmt.Sprint(r.First) != answer(in1) {
		t.Errorf("first predict: %v, want %s", r.First, answer(in1))
	}
	if fmt.Sprint(r.Second) != answer(in2) {
		t.Errorf("the predict written while the worker took the park: %v, want %s", r.Second, answer(in2))
	}
	if want := fmt.Sprint([][]int{in1, in2}); fmt.Sprint(r.Runs) != want {
		t.Errorf("the worker ran %v; want each input once: %s", r.Runs, want)
	}
}
