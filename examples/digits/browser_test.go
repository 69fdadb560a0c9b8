package digits_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// parityDigits is how many test digits the browser classifies.
const parityDigits = 250

// pageState says what the page shows, for failure messages.
const pageState = `JSON.stringify({ready: document.documentElement.dataset.ready, from: document.getElementById('from')?.dataset.from,
  error: document.getElementById('error')?.textContent, status: document.getElementById('status')?.textContent,
  top: document.getElementById('top')?.dataset.top, values: document.getElementById('top')?.dataset.values})`

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

// checkNoErrors fails the test for anything watchErrors recorded.
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

type loaderRun struct {
	WeightsFrom string      `json:"weightsFrom"`
	Variant     string      `json:"variant"`
	Probs       [][]float64 `json:"probs"`
	Ms          float64     `json:"ms"`
}

// classifyInPage loads the model through the loader's API (a second
// loadModel beside the app's), with variant forced unless it is "", and
// classifies the first n test digits, one predict per digit, with input
// pixel/255.
func classifyInPage(t *testing.T, ctx context.Context, nv *Native, n int, variant string) loaderRun {
	t.Helper()
	opts := "{}"
	if variant != "" {
		opts = fmt.Sprintf("{ variant: %q }", variant)
	}
	js := fmt.Sprintf(`(async () => {
  const { loadModel } = await import(new URL('pwagen.js', location.href).href);
  const model = await loadModel(`+opts+`);
  const bytes = Uint8Array.from(atob(%q), (c) => c.charCodeAt(0));
  const probs = [];
  const t0 = performance.now();
  for (let i = 0; i < %d; i++) {
    const x = new Float32Array(784);
    for (let j = 0; j < 784; j++) x[j] = bytes[i * 784 + j] / 255;
    probs.push(Array.from(await model.predict(x)));
  }
  const ms = performance.now() - t0;
  const { weightsFrom, variant } = model.info;
  model.dispose();
  return { weightsFrom, variant, probs, ms };
})()`, base64.StdEncoding.EncodeToString(nv.Pixels(n)), n)
	return browsertest.Eval[loaderRun](t, ctx, js)
}

// compareWithNative checks every digit's top class and probabilities:
// within 1e-5 of native, and the same bits unless the run used the SIMD
// kernels (which sum the dense layers in four lanes).
func compareWithNative(t *testing.T, nv *Native, run loaderRun, n int) {
	t.Helper()
	exact := run.Variant != "simd"
	if len(run.Probs) != n {
		t.Fatalf("browser classified %d digits, want %d", len(run.Probs), n)
	}
	maxDiff, identical, correct := 0.0, 0, 0
	for i, got := range run.Probs {
		want := nv.Probabilities(i)
		if len(got) != digitnet.Classes {
			t.Fatalf("digit %d: %d outputs in the browser, want 10", i, len(got))
		}
		g := make([]float32, len(got))
		same := true
		for k, v := range got {
			g[k] = float32(v)
			d := math.Abs(v - float64(want[k]))
			maxDiff = max(maxDiff, d)
			same = same && g[k] == want[k]
			if d > 1e-5 {
				t.Errorf("digit %d class %d: browser (%s) %v, native %v (differ by %.3g > 1e-5)", i, k, run.Variant, v, want[k], d)
			} else if exact && g[k] != want[k] {
				t.Errorf("digit %d class %d: browser (%s) %v, native %v; want the same bits", i, k, run.Variant, v, want[k])
			}
		}
		if digitnet.Argmax(g) != digitnet.Argmax(want) {
			t.Errorf("digit %d: browser says %d, native %d", i, digitnet.Argmax(g), digitnet.Argmax(want))
		}
		if digitnet.Argmax(g) == int(nv.Set.Labels[i]) {
			correct++
		}
		if same {
			identical++
		}
	}
	t.Logf("%s, %d digits: weights from %s, %d correct, %d bit-identical to native, largest difference %.3g, %.3f ms per predict through the loader",
		run.Variant, n, run.WeightsFrom, correct, identical, maxDiff, run.Ms/float64(n))
}

func TestBrowserMatchesNativeOnlineAndOffline(t *testing.T) {
	ctx := browsertest.New(t)
	nv := LoadNative(t)
	srv := serve(t, packaged(t))
	watchErrors(t, ctx)

	openApp(t, ctx, srv.URL)
	t.Logf("first visit (nothing cached): first inference %.0f ms after navigation start", readyMs(t, ctx))
	if from := browsertest.Eval[string](t, ctx, `document.getElementById('from').dataset.from`); from != "network" {
		t.Errorf("first visit: the app says the weights came from %q, want network", from)
	}
	inst, err := chromedp.Call(ctx, page.GetInstallabilityErrors, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range inst.InstallabilityErrors {
		t.Errorf("Chromium says the app is not installable: %s %v", e.ErrorID, e.ErrorArguments)
	}
	online := classifyInPage(t, ctx, nv, parityDigits, "")
	if online.Variant != "simd" {
		t.Errorf("Chromium has WebAssembly SIMD, but the loader chose the %q kernels", online.Variant)
	}
	compareWithNative(t, nv, online, parityDigits)

	// Offline: the service worker must be active (precache done) before the server goes.
	browsertest.Eval[bool](t, ctx, `navigator.serviceWorker.ready.then((r) => !!r.active)`)
	srv.Stop()
	openApp(t, ctx, srv.URL)
	t.Logf("offline visit (server stopped): first inference %.0f ms after navigation start", readyMs(t, ctx))
	if from := browsertest.Eval[string](t, ctx, `document.getElementById('from').dataset.from`); from != "indexeddb" {
		t.Errorf("offline visit: the app says the weights came from %q, want indexeddb", from)
	}
	offline := classifyInPage(t, ctx, nv, parityDigits, "")
	if offline.WeightsFrom != "indexeddb" {
		t.Errorf("offline: loader's weightsFrom = %q, want indexeddb", offline.WeightsFrom)
	}
	compareWithNative(t, nv, offline, parityDigits)
	checkNoErrors(t, ctx)
}

// TestBrowserVariantsAgree loads the model with each variant forced (the
// SIMD and the scalar kernels from the default package, and the package
// built with kernels = false) and compares 250 digits with native.
// Forcing a variant the package cannot run is refused with the reason.
func TestBrowserVariantsAgree(t *testing.T) {
	nv := LoadNative(t)
	for _, tt := range []struct {
		variant, dir, refused, why string
	}{
		{"simd", packaged(t), "baseline", "was built with kernels"},
		{"scalar", packaged(t), "", ""},
		{"baseline", packagedBaseline(t), "scalar", "does not use kernels"},
	} {
		t.Run(tt.variant, func(t *testing.T) {
			ctx := browsertest.New(t)
			srv := serve(t, tt.dir)
			watchErrors(t, ctx)
			openApp(t, ctx, srv.URL)
			run := classifyInPage(t, ctx, nv, parityDigits, tt.variant)
			if run.Variant != tt.variant {
				t.Errorf("loadModel({variant: %q}): model.info.variant = %q", tt.variant, run.Variant)
			}
			compareWithNative(t, nv, run, parityDigits)
			if tt.variant == "baseline" { // the app's own loadModel() falls back to it
				if got := browsertest.Eval[string](t, ctx, `import(new URL('pwagen.js', location.href).href).then(async ({ loadModel }) => { const m = await loadModel(); const v = m.info.variant; m.dispose(); return v; })`); got != "baseline" {
					t.Errorf("a package built with kernels = false: loadModel() runs %q, want baseline", got)
				}
			}
			if tt.refused != "" {
				msg := browsertest.Eval[string](t, ctx, fmt.Sprintf(`import(new URL('pwagen.js', location.href).href).then(({ loadModel }) => loadModel({ variant: %q })).then((m) => (m.dispose(), 'loaded'), (e) => e.message)`, tt.refused))
				if !strings.Contains(msg, tt.why) {
					t.Errorf("loadModel({variant: %q}) on this package: %q, want a refusal saying it %s", tt.refused, msg, tt.why)
				}
			}
			checkNoErrors(t, ctx)
		})
	}
}

// readyMs is when the app finished its first inference, in ms from the
// start of the navigation.
func readyMs(t *testing.T, ctx context.Context) float64 {
	t.Helper()
	return browsertest.Eval[float64](t, ctx, `Number(document.documentElement.dataset.readyMs)`)
}

func TestBrowserPreprocessMatchesMNIST(t *testing.T) {
	ctx := browsertest.New(t)
	srv := serve(t, packaged(t))
	openApp(t, ctx, srv.URL)
	// A 90×200 filled rectangle in a 400×400 drawing becomes a 9×20 block
	// (aspect kept, 20 px tall) whose centre of mass, (4, 9.5) in the block,
	// moves to (14, 14) rounded half up: columns 10..18, rows 5..24.
	type result struct {
		Null  bool      `json:"null"`
		Image []float64 `json:"image"`
	}
	got := browsertest.Eval[result](t, ctx, `(async () => {
  const app = await import(document.querySelector('script[type=module]').src);
  const w = 400, h = 400, rgba = new Uint8ClampedArray(w * h * 4);
  for (let y = 50; y < 250; y++) for (let x = 30; x < 120; x++) rgba[(y * w + x) * 4 + 3] = 255;
  return { null: app.preprocess(new Uint8ClampedArray(w * h * 4), w, h) === null, image: Array.from(app.preprocess(rgba, w, h)) };
})()`)
	if !got.Null {
		t.Error("preprocess of an empty drawing is not null")
	}
	if len(got.Image) != 784 {
		t.Fatalf("preprocess gave %d values, want 784", len(got.Image))
	}
	for y := range 28 {
		for x := range 28 {
			want := 0.0
			if y >= 5 && y < 25 && x >= 10 && x < 19 {
				want = 1
			}
			if v := got.Image[y*28+x]; math.Abs(v-want) > 1e-6 {
				t.Fatalf("pixel (%d, %d) = %v, want %v", x, y, v, want)
			}
		}
	}
}

// stroke draws a polyline on the pad, in pad fractions (0..1), with a
// mouse or a pen, through real input events.
func stroke(t *testing.T, ctx context.Context, kind input.DispatchMouseEventPointerType, pts ...[2]float64) {
	t.Helper()
	box := browsertest.Eval[[]float64](t, ctx, `(() => { const r = document.getElementById('pad').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	at := func(p [2]float64) (float64, float64) { return box[0] + p[0]*box[2], box[1] + p[1]*box[3] }
	call := func(typ input.DispatchMouseEventType, p [2]float64, buttons int64) {
		x, y := at(p)
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{
			Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: buttons, ClickCount: 1, PointerType: kind,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	call(input.DispatchMouseEventTypeMousePressed, pts[0], 1)
	for i := 1; i < len(pts); i++ {
		n := steps(pts[i-1], pts[i])
		for s := 1; s <= n; s++ { // small steps, as a hand moves
			f := float64(s) / float64(n)
			call(input.DispatchMouseEventTypeMouseMoved, [2]float64{pts[i-1][0] + f*(pts[i][0]-pts[i-1][0]), pts[i-1][1] + f*(pts[i][1]-pts[i-1][1])}, 1)
		}
	}
	call(input.DispatchMouseEventTypeMouseReleased, pts[len(pts)-1], 0)
}

// steps is how many moves a segment takes: one per 3% of the pad.
func steps(a, b [2]float64) int {
	return max(1, int(math.Ceil(math.Hypot(b[0]-a[0], b[1]-a[1])/0.03)))
}

// touchStroke draws a polyline with one finger.
func touchStroke(t *testing.T, ctx context.Context, pts ...[2]float64) {
	t.Helper()
	box := browsertest.Eval[[]float64](t, ctx, `(() => { const r = document.getElementById('pad').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	touch := func(typ input.DispatchTouchEventType, p *[2]float64) {
		var tp []*input.TouchPoint
		if p != nil {
			tp = []*input.TouchPoint{{X: box[0] + p[0]*box[2], Y: box[1] + p[1]*box[3]}}
		}
		if _, err := chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: tp}); err != nil {
			t.Fatal(err)
		}
	}
	touch(input.DispatchTouchEventTypeTouchStart, &pts[0])
	for i := 1; i < len(pts); i++ {
		n := steps(pts[i-1], pts[i])
		for s := 1; s <= n; s++ {
			f := float64(s) / float64(n)
			p := [2]float64{pts[i-1][0] + f*(pts[i][0]-pts[i-1][0]), pts[i-1][1] + f*(pts[i][1]-pts[i-1][1])}
			touch(input.DispatchTouchEventTypeTouchMove, &p)
		}
	}
	touch(input.DispatchTouchEventTypeTouchEnd, nil)
}

// drawn are the ten digits as a person might draw them: strokes of points
// in pad fractions (0..1).
var drawn = [10][][][2]float64{
	0: {ellipse(0.5, 0.5, 0.22, 0.32)},
	1: {{{0.52, 0.15}, {0.48, 0.85}}},
	2: {append(arc(0.5, 0.32, 0.2, 0.15, 1.1*math.Pi, -0.1*math.Pi), [2]float64{0.28, 0.8}, [2]float64{0.75, 0.8})},
	3: {{{0.3, 0.2}, {0.65, 0.22}, {0.45, 0.48}, {0.68, 0.62}, {0.6, 0.8}, {0.3, 0.82}}},
	4: {{{0.55, 0.15}, {0.25, 0.6}, {0.75, 0.6}}, {{0.6, 0.35}, {0.6, 0.88}}},
	5: {{{0.7, 0.18}, {0.35, 0.18}, {0.32, 0.45}, {0.6, 0.45}, {0.7, 0.62}, {0.6, 0.8}, {0.3, 0.8}}},
	6: {{{0.65, 0.15}, {0.38, 0.45}, {0.33, 0.7}, {0.45, 0.85}, {0.62, 0.8}, {0.64, 0.62}, {0.5, 0.52}, {0.36, 0.62}}},
	7: {{{0.25, 0.2}, {0.75, 0.2}, {0.45, 0.85}}},
	8: {{{0.62, 0.2}, {0.45, 0.15}, {0.35, 0.28}, {0.62, 0.62}, {0.5, 0.82}, {0.36, 0.65}, {0.62, 0.3}, {0.62, 0.2}}},
	9: {{{0.65, 0.35}, {0.5, 0.2}, {0.35, 0.3}, {0.4, 0.45}, {0.62, 0.4}, {0.65, 0.3}, {0.6, 0.85}}},
}

// arc returns points on an elliptic arc from angle a0 to a1 (radians,
// counter-clockwise from the right, y down).
func arc(cx, cy, rx, ry, a0, a1 float64) [][2]float64 {
	var pts [][2]float64
	for i := 0; i <= 24; i++ {
		a := a0 + (a1-a0)*float64(i)/24
		pts = append(pts, [2]float64{cx + rx*math.Cos(a), cy - ry*math.Sin(a)})
	}
	return pts
}

func ellipse(cx, cy, rx, ry float64) [][2]float64 {
	return arc(cx, cy, rx, ry, 0.5*math.Pi, 2.5*math.Pi)
}

func waitTop(t *testing.T, ctx context.Context, digit string) {
	t.Helper()
	browsertest.WaitFor(t, ctx, `!document.getElementById('pad').dataset.busy`, pageState, 10*time.Second)
	if got := browsertest.Eval[string](t, ctx, `document.getElementById('top').dataset.top`); got != digit {
		t.Errorf("drew %s; the page reads it as %q: %s", digit, got, browsertest.Eval[string](t, ctx, pageState))
	}
}

func TestBrowserReadsDrawnDigits(t *testing.T) {
	ctx := browsertest.New(t)
	srv := serve(t, packaged(t))
	watchErrors(t, ctx)
	openApp(t, ctx, srv.URL)
	for d, strokes := range drawn {
		kind := input.DispatchMouseEventPointerTypeMouse
		if d%2 == 1 {
			kind = input.DispatchMouseEventPointerTypePen
		}
		for _, s := range strokes {
			stroke(t, ctx, kind, s...)
		}
		waitTop(t, ctx, fmt.Sprint(d))
		t.Logf("%s-drawn %d read as %d (inference %s)", kind, d, d, browsertest.Eval[string](t, ctx, `document.getElementById('time').textContent`))
		browsertest.Do(t, ctx, chromedp.Click(chromedp.ID("clear")))
		waitTop(t, ctx, "")
	}
	checkNoErrors(t, ctx)
}

func TestBrowserScreenshots(t *testing.T) {
	out := os.Getenv("PWAGEN_SCREENSHOTS") // keep the PNGs there; default: a temporary folder
	if out == "" {
		out = t.TempDir()
	}
	srv := serve(t, packaged(t))
	for _, tt := range []struct {
		name          string
		width, height int64
		phone         bool
	}{
		{"phone", 390, 844, true},
		{"desktop", 1280, 800, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := browsertest.New(t)
			var opts []chromedp.EmulateViewportOption
			if tt.phone {
				opts = append(opts, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulateTouch)
			}
			browsertest.Do(t, ctx, chromedp.EmulateViewport(tt.width, tt.height, opts...))
			watchErrors(t, ctx)
			openApp(t, ctx, srv.URL)
			if tt.phone {
				touchStroke(t, ctx, drawn[7][0]...)
				waitTop(t, ctx, "7")
			} else {
				stroke(t, ctx, input.DispatchMouseEventPointerTypeMouse, drawn[7][0]...)
				waitTop(t, ctx, "7")
			}
			checkLayout(t, ctx, tt.width, tt.height)
			checkNoErrors(t, ctx)
			shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(out, "digits-"+tt.name+".png")
			if err := os.WriteFile(path, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", path)
			checkPixels(t, ctx, shot)
		})
	}
}

type rect struct{ X, Y, W, H float64 }

// checkLayout: no sideways scrolling, and the pad and every bar inside the
// first screen.
func checkLayout(t *testing.T, ctx context.Context, width, height int64) {
	t.Helper()
	type layout struct {
		ScrollWidth float64 `json:"scrollWidth"`
		Pad         rect    `json:"pad"`
		Tracks      []rect  `json:"tracks"`
	}
	l := browsertest.Eval[layout](t, ctx, `(() => {
  const r = (e) => { const b = e.getBoundingClientRect(); return { X: b.left, Y: b.top, W: b.width, H: b.height }; };
  return { scrollWidth: document.documentElement.scrollWidth, pad: r(document.getElementById('pad')),
    tracks: Array.from(document.querySelectorAll('#bars .track'), r) };
})()`)
	if l.ScrollWidth > float64(width) {
		t.Errorf("page is %v px wide in a %d px viewport: it scrolls sideways", l.ScrollWidth, width)
	}
	inside := func(what string, r rect) {
		if r.W < 8 || r.H < 8 || r.X < 0 || r.Y < 0 || r.X+r.W > float64(width) || r.Y+r.H > float64(height) {
			t.Errorf("%s at %+v is not wholly inside the %d×%d first screen", what, r, width, height)
		}
	}
	inside("drawing pad", l.Pad)
	if len(l.Tracks) != 10 {
		t.Fatalf("%d bars, want 10", len(l.Tracks))
	}
	for i, r := range l.Tracks {
		inside(fmt.Sprintf("bar %d", i), r)
	}
}

// checkPixels finds the top bar in the screenshot by its colour, the
// theme's #3b4cca.
func checkPixels(t *testing.T, ctx context.Context, shot []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.Eval[rect](t, ctx, `(() => { const b = document.querySelector('#bars .bar.best').getBoundingClientRect(); return { X: b.left, Y: b.top, W: b.width, H: b.height }; })()`)
	dpr := browsertest.Eval[float64](t, ctx, `devicePixelRatio`)
	cx, cy := int((b.X+b.W/2)*dpr), int((b.Y+b.H/2)*dpr)
	if !image.Pt(cx, cy).In(img.Bounds()) {
		t.Fatalf("top bar centre (%d, %d) outside the %v screenshot", cx, cy, img.Bounds())
	}
	r, g, bl, _ := img.At(cx, cy).RGBA()
	if d := math.Abs(float64(r>>8)-0x3b) + math.Abs(float64(g>>8)-0x4c) + math.Abs(float64(bl>>8)-0xca); d > 30 {
		t.Errorf("top bar pixel at (%d, %d) is #%02x%02x%02x, want the theme's #3b4cca", cx, cy, r>>8, g>>8, bl>>8)
	}
}

// MNIST digits are already boxed to 20×20 and centred by mass, so drawing
// one 16 times larger and preprocessing it must give back nearly the same
// image, which the model must still read right.
func TestBrowserPreprocessKeepsMNISTDigits(t *testing.T) {
	const n = 200
	ctx := browsertest.New(t)
	nv := LoadNative(t)
	srv := serve(t, packaged(t))
	openApp(t, ctx, srv.URL)
	type result struct {
		Labels []int     `json:"labels"`
		MaxErr []float64 `json:"maxErr"`
	}
	got := browsertest.Eval[result](t, ctx, fmt.Sprintf(`(async () => {
  const app = await import(document.querySelector('script[type=module]').src);
  const { loadModel } = await import(new URL('pwagen.js', location.href).href);
  const model = await loadModel();
  const bytes = Uint8Array.from(atob(%q), (c) => c.charCodeAt(0));
  const S = 16, W = 28 * S, labels = [], maxErr = [];
  for (let i = 0; i < %d; i++) {
    const rgba = new Uint8ClampedArray(W * W * 4);
    for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) {
      rgba[(y * W + x) * 4 + 3] = bytes[i * 784 + ((y / S) | 0) * 28 + ((x / S) | 0)];
    }
    const img = app.preprocess(rgba, W, W);
    let err = 0;
    for (let j = 0; j < 784; j++) err = Math.max(err, Math.abs(img[j] - bytes[i * 784 + j] / 255));
    maxErr.push(err);
    const p = await model.predict(img);
    labels.push(p.indexOf(Math.max(...p)));
  }
  model.dispose();
  return { labels, maxErr };
})()`, base64.StdEncoding.EncodeToString(nv.Pixels(n)), n))
	same, correct := 0, 0
	for i, l := range got.Labels {
		if got.MaxErr[i] < 1e-6 {
			same++
		}
		if l == int(nv.Set.Labels[i]) {
			correct++
		}
	}
	t.Logf("%d MNIST digits drawn 16× larger: %d come back pixel for pixel, %d read right", n, same, correct)
	if same < n*95/100 {
		t.Errorf("only %d of %d enlarged MNIST digits come back pixel for pixel; preprocess no longer boxes and centres like MNIST", same, n)
	}
	if correct < n*97/100 {
		t.Errorf("only %d of %d enlarged MNIST digits read right after preprocessing; want at least 97%%", correct, n)
	}
}
