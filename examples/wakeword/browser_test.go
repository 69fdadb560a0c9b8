package wakeword_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// pageState says what the page shows, for failure messages.
const pageState = `JSON.stringify({ready: document.documentElement.dataset.ready, listening: document.documentElement.dataset.listening,
  chunks: document.documentElement.dataset.chunks, best: document.documentElement.dataset.best,
  detected: document.getElementById('detected')?.dataset.count, state: document.getElementById('state')?.textContent,
  error: document.getElementById('error')?.textContent, time: document.getElementById('time')?.textContent,
  audio: document.getElementById('audio')?.textContent, errors: window.__errors})`

// newMicBrowser starts Chromium whose microphone plays wav, in a loop,
// granted without a prompt. (browsertest.New's context ends after 4
// minutes; a slow machine needs more for a detection and an offline one.)
func newMicBrowser(t *testing.T, wav string) context.Context {
	t.Helper()
	abs, err := filepath.Abs(wav)
	if err != nil {
		t.Fatal(err)
	}
	opts := append(browsertest.Options(browsertest.Path(t), t.TempDir()),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", abs),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 10*time.Minute)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	_, err = chromedp.Call(tctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
window.__errors = [];
addEventListener('error', (e) => __errors.push('error: ' + e.message));
addEventListener('unhandledrejection', (e) => __errors.push('rejection: ' + (e.reason?.message || e.reason)));
document.addEventListener('securitypolicyviolation', (e) => __errors.push('CSP: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));
`})
	if err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return tctx
}

// listen opens the app, waits for the model, and starts the microphone.
func listen(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	browsertest.WaitFor(t, ctx, `document.documentElement.dataset.ready === 'true'`, pageState, 2*time.Minute)
	browsertest.Eval[bool](t, ctx, `(document.getElementById('start').click(), true)`)
	browsertest.WaitFor(t, ctx, `document.documentElement.dataset.listening === 'true'`, pageState, 30*time.Second)
}

type pageResult struct {
	Chunks   string `json:"chunks"`
	Best     string `json:"best"`
	Detected string `json:"detected"`
	Time     string `json:"time"`
	Audio    string `json:"audio"`
	Peak     string `json:"peak"`
}

func result(t *testing.T, ctx context.Context) pageResult {
	t.Helper()
	return browsertest.Eval[pageResult](t, ctx, `({chunks: document.documentElement.dataset.chunks || '0', best: document.documentElement.dataset.best || '',
  detected: document.getElementById('detected').dataset.count, time: document.getElementById('time').textContent,
  audio: document.getElementById('audio').textContent, peak: document.documentElement.dataset.peak || '0'})`)
}

func noErrors(t *testing.T, ctx context.Context) {
	t.Helper()
	for _, e := range browsertest.Eval[[]string](t, ctx, `window.__errors || ['the error watcher is not installed']`) {
		t.Errorf("page: %s", e)
	}
}

// TestBrowserDetectsFromMicrophone: Chromium's fake microphone plays a clip
// in a loop (from wherever it starts within a chunk: the three clips score
// ≥ 0.967 at every start offset); the page, through its AudioWorklet and
// the loader, shows "Hey Mycroft!". For the first clip, again with the
// server stopped (offline, from the service worker and IndexedDB).
func TestBrowserDetectsFromMicrophone(t *testing.T) {
	dir := packaged(t)
	for i, wav := range []string{"hey_mycroft_en-us-f2_150_tempo1.1.wav", "hey_mycroft_en-us-f2_150_tempo1.15_pitch150.wav", "hey_mycroft_en-us-klatt2_150_tempo1.1.wav"} {
		t.Run(wav, func(t *testing.T) {
			srv := serve(t, dir)
			ctx := newMicBrowser(t, filepath.Join(wakeDir, "audio", wav))
			listen(t, ctx, srv.URL)
			browsertest.WaitFor(t, ctx, `Number(document.getElementById('detected').dataset.count) >= 1`, pageState, 3*time.Minute)
			r := result(t, ctx)
			t.Logf("online: detected after %s chunks, highest score %s, %s per chunk through the loader, audio %s", r.Chunks, r.Best, r.Time, r.Audio)
			if v := browsertest.Eval[string](t, ctx, `document.getElementById('detected').textContent`); v != "Hey Mycroft!" {
				t.Errorf("the detection says %q", v)
			}
			if i == 0 {
				waitOffline(t, ctx) // not navigator.serviceWorker.ready: it resolves before the .wasm is kept
				srv.Stop()
				listen(t, ctx, srv.URL)
				if from := browsertest.Eval[string](t, ctx, `document.getElementById('from').dataset.from`); from != "indexeddb" {
					t.Errorf("offline: the weights came from %q, want indexeddb", from)
				}
				browsertest.WaitFor(t, ctx, `Number(document.getElementById('detected').dataset.count) >= 1`, pageState, 3*time.Minute)
				r = result(t, ctx)
				t.Logf("offline: detected after %s chunks, highest score %s, %s per chunk", r.Chunks, r.Best, r.Time)
			}
			noErrors(t, ctx)
		})
	}
}

// TestBrowserIgnoresOtherSound: silence, other speech and espeak-ng's own
// "hey mycroft" (mick-roft, which the model rightly refuses) loop through
// the fake microphone for 100 chunks (8 s, two loops or more) without a
// detection.
func TestBrowserIgnoresOtherSound(t *testing.T) {
	dir := packaged(t)
	for _, tt := range []struct {
		wav    string
		speech bool
	}{{"silence.wav", false}, {"other_weather_en-us_150.wav", true}, {"other_mick-roft_en-us_150.wav", true}} {
		wav := tt.wav
		t.Run(wav, func(t *testing.T) {
			srv := serve(t, dir)
			ctx := newMicBrowser(t, filepath.Join(wakeDir, "audio", wav))
			listen(t, ctx, srv.URL)
			browsertest.WaitFor(t, ctx, `Number(document.documentElement.dataset.chunks) >= 100`, pageState, 4*time.Minute)
			r := result(t, ctx)
			t.Logf("%s chunks, highest score %s, %s per chunk, peak sample %s", r.Chunks, r.Best, r.Time, r.Peak)
			// The clips peak at -3 dBFS (0.71): the page must have heard them.
			if peak, _ := strconv.ParseFloat(r.Peak, 64); tt.speech != (peak > 0.3) {
				t.Errorf("peak sample %s of %s; the fake microphone does not play it", r.Peak, wav)
			}
			if r.Detected != "0" {
				t.Errorf("detected %s times in %s chunks of %s (highest score %s)", r.Detected, r.Chunks, wav, r.Best)
			}
			noErrors(t, ctx)
		})
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
