package swgen_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/tetratelabs/wazero"
)

// damage alters a .wasm as a broken host or proxy might, keeping it a
// whole 200 answer: "cut" keeps the first half (it fails to compile);
// "flip" changes one byte in the middle of the data section (it still
// compiles, and would run with a wrong constant).
func damage(t *testing.T, good []byte, how string) []byte {
	t.Helper()
	bad := append([]byte(nil), good...)
	switch how {
	case "cut":
		return bad[:len(bad)/2]
	case "flip":
		off, size := section(t, good, 11)
		bad[off+size/2] ^= 0x55
		if _, err := wazero.NewRuntime(context.Background()).CompileModule(context.Background(), bad); err != nil {
			t.Fatalf("the flipped module does not compile (%v); the test wants one that does", err)
		}
		return bad
	}
	t.Fatalf("no damage %q", how)
	return nil
}

// section finds the payload of the first section with id in a module.
func section(t *testing.T, wasm []byte, id byte) (off, size int) {
	t.Helper()
	for p := 8; p < len(wasm); {
		sid := wasm[p]
		n, k := binary.Uvarint(wasm[p+1:])
		if k <= 0 {
			break
		}
		p += 1 + k
		if sid == id {
			return p, int(n)
		}
		p += int(n)
	}
	t.Fatalf("no section %d in the module", id)
	return 0, 0
}

// damagedCSS is what a broken host sends for the app's style sheet, and
// damagedCSSSum the start of its SHA-256, as the service worker reports it.
var damagedCSS, damagedCSSSum = "body{color:red}\n", func() string {
	s := sha256.Sum256([]byte("body{color:red}\n"))
	return hex.EncodeToString(s[:8])
}()

// wasmSumsJS lists the SHA-256 of every .wasm the origin's caches hold, as
// "path sha256".
const wasmSumsJS = `(async () => {
	const out = [];
	for (const k of await caches.keys()) for (const r of await (await caches.open(k)).keys()) {
		if (!r.url.endsWith('.wasm')) continue;
		const b = await (await (await caches.open(k)).match(r)).arrayBuffer();
		const d = new Uint8Array(await crypto.subtle.digest('SHA-256', b));
		out.push(new URL(r.url).pathname + ' ' + Array.from(d, (x) => x.toString(16).padStart(2, '0')).join(''));
	}
	return out;
})()`

// damagedHost serves out, with the model's .wasm damaged for its first n
// requests (n < 0: until fix is called).
type damagedHost struct {
	*server
	wasm string // URL path
	sum  string // the good SHA-256
	mu   sync.Mutex
	left int
}

func newDamagedHost(t *testing.T, out, how string, n int) *damagedHost {
	t.Helper()
	name := wasmName(t, out)
	good, err := os.ReadFile(filepath.Join(out, name))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(good)
	bad := damage(t, good, how)
	h := &damagedHost{server: serve(t, out), wasm: "/" + name, sum: hex.EncodeToString(sum[:]), left: n}
	h.setAlter(func(p string, data []byte) []byte {
		h.mu.Lock()
		defer h.mu.Unlock()
		if p != h.wasm || h.left == 0 {
			return data
		}
		h.left--
		return bad
	})
	return h
}

func (h *damagedHost) fix() {
	h.mu.Lock()
	h.left = 0
	h.mu.Unlock()
}

// checkNothingDamagedCached fails unless every .wasm in the caches has the
// package's bytes.
func (h *damagedHost) checkNothingDamagedCached(t *testing.T, ctx context.Context, when string) {
	t.Helper()
	for _, e := range browsertest.Eval[[]string](t, ctx, wasmSumsJS) {
		p, sum, _ := strings.Cut(e, " ")
		if p == h.wasm && sum != h.sum {
			t.Errorf("%s: the service worker's cache holds damaged bytes for %s (SHA-256 %s, want %s)", when, p, sum, h.sum)
		}
	}
}

// visit loads the app and waits for its answer or its error.
func visit(t *testing.T, ctx context.Context, url string) (result, errMsg string) {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	browsertest.WaitFor(t, ctx, `window.t?.result || window.t?.error`, diagJS, 60*time.Second)
	return browsertest.Eval[string](t, ctx, `t.result || ''`), browsertest.Eval[string](t, ctx, `t.error || ''`)
}

// Issue 12, defect 3: two visits through a host that damages the .wasm
// (answered 200 application/wasm, cacheable for a year), then the host is
// fixed: the next visit answers, and the damaged bytes were never cached.
// "cut/1": a single damaged answer is healed within the first visit.
func TestDamagedWasmNeverCachedAndRecovers(t *testing.T) {
	skipShort(t)
	for _, tt := range []struct {
		how       string
		n         int // damaged answers (-1: until fixed)
		badVisits int
	}{
		{"cut", -1, 2},
		{"flip", -1, 2},
		{"cut", 1, 0},
	} {
		t.Run(fmt.Sprintf("%s/%d", tt.how, tt.n), func(t *testing.T) {
			ctx := browsertest.New(t)
			out := pack(t, newApp(t, "v1"))
			h := newDamagedHost(t, out, tt.how, tt.n)
			for v := 1; v <= tt.badVisits; v++ {
				res, msg := visit(t, ctx, h.URL)
				if msg == "" {
					t.Fatalf("visit %d through a damaging host answered %q; want an error", v, res)
				}
				t.Logf("visit %d: %s", v, msg)
				h.checkNothingDamagedCached(t, ctx, fmt.Sprintf("after visit %d", v))
				if v == 1 {
					browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, diagJS, 20*time.Second)
				}
			}
			if tt.n < 0 {
				h.fix()
			}
			before := h.count(h.wasm)
			if res, msg := visit(t, ctx, h.URL); msg != "" || res == "" {
				t.Fatalf("the visit after the host was fixed failed: %q (the .wasm reached the server %d times before it)", msg, before)
			}
			browsertest.WaitFor(t, ctx, cachedJS(h.wasm), diagJS, 20*time.Second)
			h.checkNothingDamagedCached(t, ctx, "after the host was fixed")
			// Then under the service worker, from its cache.
			n := h.count(h.wasm)
			if res, msg := visit(t, ctx, h.URL); msg != "" || res == "" {
				t.Fatalf("the visit after recovery failed: %q", msg)
			}
			if h.count(h.wasm) != n {
				t.Errorf("the recovered .wasm was fetched again; want it from the service worker's cache")
			}
		})
	}
}

// Issue 12, defect 11: a damaged .wasm gets a message that names the file,
// says it failed to compile or did not match its SHA-256, and what to do;
// it was fetched once more past every cache before the loader gave up.
func TestDamagedWasmClearMessage(t *testing.T) {
	skipShort(t)
	for _, tt := range []struct {
		how  string
		want []string
	}{
		{"cut", []string{"failed to compile", "SHA-256"}},
		{"flip", []string{"SHA-256"}},
	} {
		t.Run(tt.how, func(t *testing.T) {
			ctx := browsertest.New(t)
			out := pack(t, newApp(t, "v1"))
			h := newDamagedHost(t, out, tt.how, -1)
			_, msg := visit(t, ctx, h.URL+"?first")
			t.Logf("the loader says: %s", msg)
			for _, w := range append(tt.want, strings.TrimPrefix(h.wasm, "/"), "damaged", "past every cache", "redeploy") {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if strings.HasPrefix(msg, "WebAssembly.") || strings.Contains(msg, "CompileError:") && !strings.HasPrefix(msg, "pwagen:") {
				t.Errorf("error %q is the browser's raw error", msg)
			}
			if n := h.count(h.wasm); n != 2 {
				t.Errorf("the .wasm reached the server %d times; want 2 (once, then once more past the caches)", n)
			}
		})
	}
}
