package langid_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// pageState says what the page shows, for failure messages.
const pageState = `JSON.stringify({ready: document.documentElement.dataset.ready, from: document.getElementById('from')?.dataset.from,
  error: document.getElementById('error')?.textContent, status: document.getElementById('status')?.textContent,
  top: document.getElementById('top')?.dataset.top, text: document.getElementById('top')?.dataset.text,
  errors: window.__errors})`

// watchErrors makes every page of the tab record uncaught errors, rejected
// promises and Content-Security-Policy violations in window.__errors.
func watchErrors(t *testing.T, ctx context.Context) {
	t.Helper()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
window.__errors = [];
addEventListener('error', (e) => __errors.push('error: ' + e.message));
addEventListener('unhandledrejection', (e) => __errors.push('rejection: ' + (e.reason?.message || e.reason)));
document.addEventListener('securitypolicyviolation', (e) => __errors.push('CSP: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));
`})
	if err != nil {
		t.Fatal(err)
	}
}

func checkNoErrors(t *testing.T, ctx context.Context) {
	t.Helper()
	for _, e := range browsertest.Eval[[]string](t, ctx, `window.__errors || ['the error watcher is not installed']`) {
		t.Errorf("page: %s", e)
	}
}

func openApp(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	browsertest.WaitFor(t, ctx, `document.documentElement.dataset.ready === 'true'`, pageState, 60*time.Second)
}

// typeText clears the text field and types s one character at a time, as
// a keyboard or an input method does (an input event per character), then
// waits until the bars show s.
func typeText(t *testing.T, ctx context.Context, s string) {
	t.Helper()
	browsertest.Eval[bool](t, ctx, `(() => { const e = document.getElementById('text'); e.value = ''; e.dispatchEvent(new Event('input')); e.focus(); return true; })()`)
	for _, r := range s {
		if _, err := chromedp.Call(ctx, input.InsertText, input.InsertTextParams{Text: string(r)}); err != nil {
			t.Fatal(err)
		}
	}
	js, _ := json.Marshal(s)
	browsertest.WaitFor(t, ctx, fmt.Sprintf(`document.getElementById('top').dataset.text === %s && !document.getElementById('text').dataset.busy`, js), pageState, 30*time.Second)
}

type bar struct {
	Code string  `json:"code"`
	P    float64 `json:"p"`
	Best bool    `json:"best"`
}

func bars(t *testing.T, ctx context.Context) []bar {
	t.Helper()
	return browsertest.Eval[[]bar](t, ctx, `Array.from(document.querySelectorAll('#bars li'), (li) => ({code: li.dataset.code, p: Number(li.dataset.p), best: li.classList.contains('best')}))`)
}

func softmax(z []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = max(m, v)
	}
	p := make([]float64, len(z))
	s := 0.0
	for i, v := range z {
		p[i] = math.Exp(v - m)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	return p
}

// TestBrowserTypesWords types held-out words into the page, online and then
// offline (server stopped), and checks that one bar per language shows the
// native model's probabilities and the top language is native's.
func TestBrowserTypesWords(t *testing.T) {
	_, langs := loadVocab(t)
	native := loadNative(t)
	// The first held-out word of each language that native gets right.
	var picks []nativeRow
	seen := map[string]bool{}
	for _, r := range native {
		if r.Pred == r.Code && !seen[r.Code] {
			seen[r.Code] = true
			picks = append(picks, r)
		}
	}
	ctx := browsertest.New(t)
	srv := serve(t, packaged(t))
	watchErrors(t, ctx)
	check := func(when string) {
		for _, r := range picks {
			typeText(t, ctx, r.Word)
			got := bars(t, ctx)
			if len(got) != len(langs) {
				t.Fatalf("%s: %d bars, want one per language (%d)", when, len(got), len(langs))
			}
			want := softmax(r.Logits)
			for i, b := range got {
				if b.Code != langs[i].Code {
					t.Errorf("%s: bar %d is %q, want %q", when, i, b.Code, langs[i].Code)
				}
				if math.Abs(b.P-want[i]) > 1e-4 {
					t.Errorf("%s: typed %q: bar %s at %.6f, native %.6f", when, r.Word, b.Code, b.P, want[i])
				}
				if b.Best != (langs[i].Code == r.Pred) {
					t.Errorf("%s: typed %q: bar %s best=%v, native says %s", when, r.Word, b.Code, b.Best, r.Pred)
				}
			}
			if top := browsertest.Eval[string](t, ctx, `document.getElementById('top').dataset.top`); top != r.Code {
				t.Errorf("%s: typed %q (%s): the page says %s", when, r.Word, r.Code, top)
			}
		}
		t.Logf("%s: typed %d words, one per language; bars match native", when, len(picks))
	}

	openApp(t, ctx, srv.URL)
	check("online")
	// Clearing the field clears the bars.
	typeText(t, ctx, "")
	for _, b := range bars(t, ctx) {
		if b.P != 0 || b.Best {
			t.Errorf("empty field: bar %s at %v (best %v), want 0", b.Code, b.P, b.Best)
		}
	}

	waitOffline(t, ctx) // not navigator.serviceWorker.ready: it resolves before the .wasm is kept
	srv.Stop()
	openApp(t, ctx, srv.URL)
	if from := browsertest.Eval[string](t, ctx, `document.getElementById('from').dataset.from`); from != "indexeddb" {
		t.Errorf("offline visit: the app says the weights came from %q, want indexeddb", from)
	}
	check("offline")
	checkNoErrors(t, ctx)
}

type heldOutRun struct {
	IDs    [][]int     `json:"ids"`
	Mask   [][]int     `json:"mask"`
	Logits [][]float64 `json:"logits"`
	Ms     float64     `json:"ms"`
}

// TestBrowserHeldOut runs every held-out word through the page's tokenizer
// (web/tokenize.js) and the loader, in Chromium: the ids and masks must be
// the Go tokenizer's (vocab.Encode, the trainer's rules), every logit within
// 1e-4 of native (testdata/native.txt) and the accuracy the same as native.
func TestBrowserHeldOut(t *testing.T) {
	v, langs := loadVocab(t)
	native := loadNative(t)
	ctx := browsertest.New(t)
	srv := serve(t, packaged(t))
	watchErrors(t, ctx)
	openApp(t, ctx, srv.URL)

	words := make([]string, len(native))
	for i, r := range native {
		words[i] = r.Word
	}
	js, _ := json.Marshal(words)
	run := browsertest.Eval[heldOutRun](t, ctx, fmt.Sprintf(`(async () => {
  const { loadModel } = await import(new URL('pwagen.js', location.href).href);
  const { encode, logits } = await import(document.querySelector('script[type=module]').src);
  const model = await loadModel();
  const out = { ids: [], mask: [], logits: [] };
  const t0 = performance.now();
  for (const w of %s) {
    const enc = encode(w);
    out.ids.push(Array.from(enc.ids, Number));
    out.mask.push(Array.from(enc.mask, Number));
    out.logits.push(Array.from(await logits(model, enc)));
  }
  out.ms = performance.now() - t0;
  model.dispose();
  return out;
})()`, js))
	if len(run.Logits) != len(native) {
		t.Fatalf("the page classified %d words, want %d", len(run.Logits), len(native))
	}
	correct, nativeCorrect, maxDiff := 0, 0, 0.0
	for i, r := range native {
		ids, mask := v.Encode(r.Word)
		for k := range ids {
			if int64(run.IDs[i][k]) != ids[k] || int64(run.Mask[i][k]) != mask[k] {
				t.Fatalf("%q: the page's tokenizer gives ids %v mask %v; Go's (the trainer's) %v %v", r.Word, run.IDs[i], run.Mask[i], ids, mask)
			}
		}
		best := 0
		for k, x := range run.Logits[i] {
			maxDiff = max(maxDiff, math.Abs(x-r.Logits[k]))
			if x > run.Logits[i][best] {
				best = k
			}
		}
		if langs[best].Code != r.Pred {
			t.Errorf("%q: Chromium says %s, native %s", r.Word, langs[best].Code, r.Pred)
		}
		if langs[best].Code == r.Code {
			correct++
		}
		if r.Pred == r.Code {
			nativeCorrect++
		}
	}
	if maxDiff > 1e-4 {
		t.Errorf("largest logit difference from native %.3g, want at most 1e-4", maxDiff)
	}
	t.Logf("Chromium: %d of %d held-out words right (%.2f%%), native %d; largest logit difference %.3g; %.3f ms per word through the loader",
		correct, len(native), 100*float64(correct)/float64(len(native)), nativeCorrect, maxDiff, run.Ms/float64(len(native)))
	if correct != nativeCorrect {
		t.Errorf("Chromium gets %d words right, native %d", correct, nativeCorrect)
	}
	checkNoErrors(t, ctx)
}

// TestBrowserTokenizer compares the page's tokenizer with the Go one on
// words the held-out set lacks: capitals, decomposed accents (NFD),
// characters outside the vocabulary, a word longer than 24 characters,
// a character outside the BMP and the empty string.
func TestBrowserTokenizer(t *testing.T) {
	v, _ := loadVocab(t)
	ctx := browsertest.New(t)
	srv := serve(t, packaged(t))
	openApp(t, ctx, srv.URL)
	for _, tt := range []struct{ typed, nfc string }{
		{"Straße", "Straße"},
		{"ÉTÉ", "ÉTÉ"},
		{"e\u0301te\u0301", "été"},
		{"ŻÓŁW", "ŻÓŁW"},
		{"Привіт", "Привіт"},
		{"x7!?", "x7!?"},
		{"𝔸bc", "𝔸bc"},
		{"donaudampfschifffahrtsgesellschaft", "donaudampfschifffahrtsgesellschaft"},
		{"", ""},
	} {
		js, _ := json.Marshal(tt.typed)
		got := browsertest.Eval[[][]int](t, ctx, fmt.Sprintf(`import(document.querySelector('script[type=module]').src).then(({ encode }) => { const e = encode(%s); return [Array.from(e.ids, Number), Array.from(e.mask, Number)]; })`, js))
		ids, mask := v.Encode(tt.nfc)
		for k := range ids {
			if int64(got[0][k]) != ids[k] || int64(got[1][k]) != mask[k] {
				t.Errorf("%q: the page's tokenizer gives %v %v; Go's %v %v", tt.typed, got[0], got[1], ids, mask)
				break
			}
		}
	}
}

// waitOffline waits for the page to show that the loader's offlineReady
// resolved: the service worker holds the model's files and the weights
// are in IndexedDB, so the app works with the server gone.
func waitOffline(t *testing.T, ctx context.Context) {
	t.Helper()
	browsertest.WaitFor(t, ctx, `['ready', 'no'].includes(document.getElementById('offline').dataset.offline)`, pageState, time.Minute)
	if got := browsertest.Eval[string](t, ctx, `document.getElementById('offline').dataset.offline + ': ' + document.getElementById('offline').textContent`); got != "ready: ready: works without a network" {
		t.Fatalf("the page says offline %q, want ready", got)
	}
}
