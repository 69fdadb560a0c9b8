package digits_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/packager"
)

// plainSW is an app's own service worker that does not import
// pwagen-sw.js: it keeps its page and script and takes no message.
const plainSW = `const C = 'consumer-plain-v1';
self.addEventListener('install', (e) => e.waitUntil(caches.open(C).then((c) => c.addAll(['./', './app.js'])).then(() => self.skipWaiting())));
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  if (new URL(e.request.url).origin !== location.origin) return;
  e.respondWith(fetch(e.request).catch(() => caches.match(e.request, { ignoreSearch: true })));
});
`

// TestLibOfflineReadyWithoutPwagenSW: a library's model.offlineReady,
// in an app whose service worker lacks pwagen-sw.js or that registers
// none, rejects within its bound (offline.js ANSWER_MS, 10 s) saying what
// to add — the importScripts line with the library's own pwagen-sw.js
// URL — where it pended for good. The model still predicts.
func TestLibOfflineReadyWithoutPwagenSW(t *testing.T) {
	dir, b := packagedLib(t)
	nv := LoadNative(t)
	lib := serveLib(t, dir, b)
	swURL := lib.URL + packager.LibSW
	for _, tt := range []struct {
		name string
		edit func(files map[string][]byte)
		want []string
	}{
		{"plain service worker", func(f map[string][]byte) { f["sw.js"] = []byte(plainSW) },
			[]string{"did not take pwagen's message within 10 s", "/sw.js", "does not run pwagen-sw.js", "importScripts('" + swURL + "')", "docs/lib.md"}},
		{"no service worker", func(f map[string][]byte) { delete(f, "sw.js") },
			[]string{"no service worker is registered for this page", "importScripts('" + swURL + "')"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files := consumerFiles(t, b, lib.URL, "")
			tt.edit(files)
			consumer := serveConsumer(t, files, false)
			ctx := browsertest.New(t)
			openConsumer(t, ctx, consumer.URL)
			compareWithNative(t, nv, classifyConsumer(t, ctx, nv, 5), 5)
			start := time.Now()
			got := browsertest.Eval[string](t, ctx, `Promise.race([
  window.consumer.offlineReady().then(() => 'resolved', (e) => e.message),
  new Promise((resolve) => setTimeout(() => resolve('still pending after 30 s'), 30000)),
])`)
			t.Logf("offlineReady settled %v after the model's first calls: %s", time.Since(start).Round(100*time.Millisecond), got)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("offlineReady: %q; want a rejection that says %q", got, w)
				}
			}
		})
	}
}
