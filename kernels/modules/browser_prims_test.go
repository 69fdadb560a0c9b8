package modules_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/kernels/modules"
)

// browserHarness is one kernel module linked to a WebAssembly.Memory in
// Chromium the way the loader links it (forwarder, then the kernels with
// the memory and the forwarder's table), driven from Go: the same methods
// as harness, so checkPrims runs unchanged against V8.
type browserHarness struct {
	t   testing.TB
	ctx context.Context
	v   modules.Variant
}

func newBrowserHarness(t testing.TB, ctx context.Context, v modules.Variant) *browserHarness {
	w, err := modules.Wasm(v)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString
	msg := browsertest.Eval[string](t, ctx, fmt.Sprintf(`(async () => {
		try {
			const bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
			const memory = new WebAssembly.Memory({ initial: 32 });
			const fwd = (await WebAssembly.instantiate(bytes(%q), {})).instance;
			await WebAssembly.instantiate(bytes(%q), { kernels: { table: fwd.exports.table }, model: { memory } });
			window.K = window.K || {};
			window.K[%q] = { memory, f: fwd.exports };
			return '';
		} catch (e) { return String(e.message || e); }
	})()`, b64(modules.Forwarder()), b64(w), v))
	if msg != "" {
		t.Fatalf("linking the %s kernels in Chromium: %s", v, msg)
	}
	return &browserHarness{t: t, ctx: ctx, v: v}
}

func (h *browserHarness) write(p uint32, b []byte) {
	browsertest.Eval[bool](h.t, h.ctx, fmt.Sprintf(
		`(new Uint8Array(K[%q].memory.buffer).set(Uint8Array.from(atob(%q), (c) => c.charCodeAt(0)), %d), true)`,
		h.v, base64.StdEncoding.EncodeToString(b), p))
}

func (h *browserHarness) put(p uint32, s []float32) {
	b := make([]byte, 4*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	h.write(p, b)
}

func (h *browserHarness) putWords(p uint32, w []uint32) {
	b := make([]byte, 4*len(w))
	for i, v := range w {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	h.write(p, b)
}

func (h *browserHarness) get(p uint32, n int) []float32 {
	s := browsertest.Eval[string](h.t, h.ctx, fmt.Sprintf(
		`(() => { const b = new Uint8Array(K[%q].memory.buffer, %d, %d); let s = '';
			for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
			return btoa(s); })()`, h.v, p, 4*n))
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 4*n {
		h.t.Fatalf("reading %d floats at %d from Chromium: %v (%d bytes)", n, p, err, len(b))
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// call passes i32 arguments as numbers and f32 ones (float32 bits, as
// harness takes them) as their values.
func (h *browserHarness) call(name string, args ...uint64) []uint64 {
	f, ok := modules.Lookup(name)
	if !ok || len(f.Params) != len(args) {
		h.t.Fatalf("call %s with %d arguments", name, len(args))
	}
	js := make([]string, len(args))
	for i, a := range args {
		js[i] = fmt.Sprint(int32(a))
		if f.Params[i] == "f32" {
			js[i] = jsFloat(math.Float32frombits(uint32(a)))
		}
	}
	msg := browsertest.Eval[string](h.t, h.ctx, fmt.Sprintf(`(() => { try { K[%q].f[%q](%s); return ''; } catch (e) { return String(e.message || e); } })()`,
		h.v, name, strings.Join(js, ", ")))
	if msg != "" {
		h.t.Fatalf("%s %s in Chromium: %s", h.v, name, msg)
	}
	return nil
}

// TestBrowserPrims runs the primitives of both kernel modules in Chromium
// (V8's SIMD, not wazero's) on random shapes, bit for bit against pure Go.
func TestBrowserPrims(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium; skipped with -short")
	}
	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate("about:blank"))
	for _, v := range modules.Variants {
		t.Run(string(v), func(t *testing.T) {
			h := newBrowserHarness(t, ctx, v)
			r := rand.New(rand.NewPCG(91, uint64(len(v))))
			for i := range 25 {
				checkPrims(t, h, v, r, uint32(i%16))
			}
		})
	}
}

// BenchmarkBrowserPrims times the primitives' calls of BenchmarkPrims in
// Chromium per variant: reps calls from JavaScript on the page's thread,
// timed with performance.now(). It reports µs/call; ns/op is the whole
// round trip.
func BenchmarkBrowserPrims(b *testing.B) {
	ctx := browsertest.New(b, chromedp.Flag("js-flags", "--no-liftoff")) // optimised code from the first call, as browserMicros
	browsertest.Do(b, ctx, chromedp.Navigate("about:blank"))
	for _, v := range modules.Variants {
		h := newBrowserHarness(b, ctx, v)
		browsertest.Eval[bool](b, ctx, fmt.Sprintf(`(K[%q].memory.grow(160), true)`, v)) // to 12 MiB
		for _, c := range primBenchCases(rand.New(rand.NewPCG(3, 3))) {
			L := &layout{next: 1024}
			args := c.place(h, L)
			f, _ := modules.Lookup(c.fn)
			js := make([]string, len(args))
			for i, a := range args {
				js[i] = fmt.Sprint(int32(a))
				if f.Params[i] == "f32" {
					js[i] = jsFloat(math.Float32frombits(uint32(a)))
				}
			}
			b.Run(fmt.Sprintf("%s/chromium-%s", c.name, v), func(b *testing.B) {
				var us float64
				for b.Loop() {
					us = browsertest.Eval[float64](b, ctx, fmt.Sprintf(`(() => { const f = K[%q].f[%q];
						f(%[3]s); const t0 = performance.now(); for (let i = 0; i < 20; i++) f(%[3]s);
						return (performance.now() - t0) * 1000 / 20; })()`, v, c.fn, strings.Join(js, ", ")))
				}
				b.ReportMetric(us, "µs/call")
			})
		}
	}
}

// jsFloat is v as a JavaScript number literal (Infinity, not Go's +Inf).
func jsFloat(v float32) string {
	switch f := float64(v); {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f != f:
		return "NaN"
	default:
		return fmt.Sprint(f)
	}
}
