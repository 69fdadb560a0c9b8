package templates_test

import (
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
