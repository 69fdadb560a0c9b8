package packager_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/packager"
)

// The weights of the browser tests: 64 MiB in 16 shards of 4 MiB.
const (
	weightsSize = 64 << 20
	shardSize   = 4 << 20
)

type progressEvent struct {
	Phase  string `json:"phase"`
	Loaded int64  `json:"loaded"`
	Total  int64  `json:"total"`
}

type modelInfo struct {
	WeightsFrom        string  `json:"weightsFrom"`
	BytesFromNetwork   int64   `json:"bytesFromNetwork"`
	BytesFromIndexedDB int64   `json:"bytesFromIndexedDB"`
	Storage            string  `json:"storage"`
	Stored             bool    `json:"stored"`
	Persisted          bool    `json:"persisted"`
	WeightsMs          float64 `json:"weightsMs"`
	LoadMs             float64 `json:"loadMs"`
}

// pageState is window.pw of testdata/weightsapp/web/app.js.
type pageState struct {
	Progress      []progressEvent `json:"progress"`
	Warnings      []string        `json:"warnings"`
	Info          *modelInfo      `json:"info"`
	Answer        []float64       `json:"answer"`
	Error         string          `json:"error"`
	FirstAnswerMs float64         `json:"firstAnswerMs"`
}

func skipShort(t *testing.T) {
	if testing.Short() {
		t.Skip("packages 64 MiB of weights and drives Chromium")
	}
}

// load opens the app at url and waits until it has an answer or an error.
func load(t *testing.T, ctx context.Context, url string) pageState {
	t.Helper()
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	browsertest.WaitFor(t, ctx, `window.pw?.done`, `document.body.innerText`, 90*time.Second)
	return browsertest.Eval[pageState](t, ctx, `window.pw`)
}

// loadOK is load that fails the test unless the answer is want.
func loadOK(t *testing.T, ctx context.Context, url string, want []float64) pageState {
	t.Helper()
	st := load(t, ctx, url)
	if st.Error != "" {
		t.Fatalf("load %s failed: %s", url, st.Error)
	}
	if !slices.Equal(st.Answer, want) {
		t.Fatalf("the model answers %v, want %v (CRC-32 halves, size/64KiB, input+1): the weights in its memory are wrong", st.Answer, want)
	}
	return st
}

// checkProgress asserts that progress never goes back and ends at its total.
func checkProgress(t *testing.T, ev []progressEvent) {
	t.Helper()
	if len(ev) == 0 {
		t.Fatal("no progress events")
	}
	for i := 1; i < len(ev); i++ {
		if ev[i].Loaded < ev[i-1].Loaded {
			t.Fatalf("progress went back: event %d has %d bytes, event %d had %d", i, ev[i].Loaded, i-1, ev[i-1].Loaded)
		}
	}
	if last := ev[len(ev)-1]; last.Loaded != last.Total || last.Total == 0 {
		t.Fatalf("progress ends at %d of %d", last.Loaded, last.Total)
	}
}

// idbKeysJS lists the shard keys stored for the app at the origin's root,
// without creating the database.
const idbKeysJS = `new Promise((res, rej) => {
	const q = indexedDB.open('pwagen:/');
	q.onupgradeneeded = () => q.transaction.abort();
	q.onerror = () => res([]);
	q.onsuccess = () => {
		const db = q.result;
		if (!db.objectStoreNames.contains('shards')) { db.close(); return res([]); }
		const r = db.transaction('shards').objectStore('shards').getAllKeys();
		r.onsuccess = () => { db.close(); res(r.result); };
		r.onerror = () => rej(r.error);
	};
})`

func idbKeys(t *testing.T, ctx context.Context) []string {
	t.Helper()
	keys := browsertest.Eval[[]string](t, ctx, idbKeysJS)
	sort.Strings(keys)
	return keys
}

// keysOf lists the SHA-256 of shards, sorted and without repeats.
func keysOf(shards []packager.Shard) []string {
	var keys []string
	for _, s := range shards {
		keys = append(keys, s.SHA256)
	}
	sort.Strings(keys)
	return slices.Compact(keys)
}

func urlsOf(shards []packager.Shard) []string {
	var u []string
	for _, s := range shards {
		u = append(u, s.URL)
	}
	sort.Strings(u)
	return u
}

func sizeOf(shards []packager.Shard) (n int64) {
	for _, s := range shards {
		n += s.Size
	}
	return n
}

// fetched lists the paths requested, sorted; whole lists the ones served whole.
func fetched(reqs []request) (all, whole []string) {
	for _, r := range reqs {
		all = append(all, r.Path)
		if !r.Dropped {
			whole = append(whole, r.Path)
		}
	}
	sort.Strings(all)
	sort.Strings(whole)
	return all, whole
}

func byURL(shards []packager.Shard, urls []string) []packager.Shard {
	var out []packager.Shard
	for _, s := range shards {
		if slices.Contains(urls, s.URL) {
			out = append(out, s)
		}
	}
	return out
}

func without(shards []packager.Shard, drop []packager.Shard) []packager.Shard {
	var out []packager.Shard
	for _, s := range shards {
		if !slices.Contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got  %d: %v\n want %d: %v", what, len(got), got, len(want), want)
	}
}

// cacheURLsJS lists every URL in the origin's caches (the service worker's).
const cacheURLsJS = `(async () => {
	const out = [];
	for (const k of await caches.keys()) for (const r of await (await caches.open(k)).keys()) out.push(r.url);
	return out;
})()`

// 1. A first load fetches every shard, with monotonic progress to the total;
// a second one, with the server gone, fetches none and gives the same answer.
func TestWeightsFirstLoadThenOffline(t *testing.T) {
	skipShort(t)
	a := buildApp(t, t.TempDir(), weightsSize, 1, 0)
	if n := len(a.Index.Shards); n != weightsSize/shardSize {
		t.Fatalf("%d shards, want %d", n, weightsSize/shardSize)
	}
	srv := startServer(t, a.Out)
	ctx := browsertest.New(t)

	st := loadOK(t, ctx, srv.URL(), a.Answer)
	checkProgress(t, st.Progress)
	all, whole := fetched(srv.requests())
	equal(t, "first load: shards requested", all, urlsOf(a.Index.Shards))
	equal(t, "first load: shards served whole", whole, urlsOf(a.Index.Shards))
	if i := st.Info; i.BytesFromNetwork != weightsSize || i.BytesFromIndexedDB != 0 || i.WeightsFrom != "network" || i.Storage != "indexeddb" || !i.Stored {
		t.Fatalf("first load info %+v; want all %d bytes from the network, stored in IndexedDB", *i, weightsSize)
	}
	equal(t, "IndexedDB keys after the first load", idbKeys(t, ctx), keysOf(a.Index.Shards))
	t.Logf("first load: %.0f ms for the weights, persisted=%v", st.Info.WeightsMs, st.Info.Persisted)

	// The service worker keeps the shell and the .wasm, never the weights.
	browsertest.WaitFor(t, ctx, `navigator.serviceWorker.controller`, `'no controller'`, 20*time.Second)
	browsertest.WaitFor(t, ctx, `(`+cacheURLsJS+`).then((u) => u.some((x) => x.endsWith('.wasm')))`, `'the .wasm is not cached'`, 20*time.Second)
	for _, u := range browsertest.Eval[[]string](t, ctx, cacheURLsJS) {
		if strings.Contains(u, "/weights/") {
			t.Errorf("the service worker's cache holds %s; the weights belong in IndexedDB only", u)
		}
	}

	srv.stop()
	st = loadOK(t, ctx, srv.URL(), a.Answer)
	checkProgress(t, st.Progress)
	if i := st.Info; i.BytesFromNetwork != 0 || i.BytesFromIndexedDB != weightsSize || i.WeightsFrom != "indexeddb" {
		t.Fatalf("offline load info %+v; want all %d bytes from IndexedDB", *i, weightsSize)
	}
}

// 2. The server cuts the connection after some shards; the next load, with
// a healthy server, fetches only the others, as the server's log shows.
func TestWeightsResumeAfterDroppedConnection(t *testing.T) {
	skipShort(t)
	a := buildApp(t, t.TempDir(), weightsSize, 2, 0)
	srv := startServer(t, a.Out)
	ctx := browsertest.New(t)
	const keep = 5
	srv.set(a.Out, keep)
	st := load(t, ctx, srv.URL()+"?sw=0")
	if !strings.Contains(st.Error, "weights shard weights/") || !strings.Contains(st.Error, "twice") {
		t.Fatalf("load through a failing connection: error %q, want one naming the shard", st.Error)
	}
	t.Logf("the loader says: %s", st.Error)
	_, whole := fetched(srv.requests())
	if len(whole) != keep {
		t.Fatalf("server served %d shards whole, want %d", len(whole), keep)
	}
	stored := byURL(a.Index.Shards, whole)
	equal(t, "IndexedDB keys after the broken load", idbKeys(t, ctx), keysOf(stored))

	srv.set(a.Out, -1)
	st = loadOK(t, ctx, srv.URL()+"?sw=0", a.Answer)
	checkProgress(t, st.Progress)
	rest := without(a.Index.Shards, stored)
	all, _ := fetched(srv.requests())
	equal(t, "second load: shards requested", all, urlsOf(rest))
	if i := st.Info; i.BytesFromNetwork != sizeOf(rest) || i.BytesFromIndexedDB != sizeOf(stored) || i.WeightsFrom != "mixed" {
		t.Fatalf("second load info %+v; want %d bytes from the network, %d from IndexedDB", *i, sizeOf(rest), sizeOf(stored))
	}
	equal(t, "IndexedDB keys after resuming", idbKeys(t, ctx), keysOf(a.Index.Shards))
}

// A host that answers a shard with its index page (HTML, 200) gets the
// shard refused, never stored, with an error that names it; the load after
// the host is fixed fetches only that shard.
func TestWeightsHTMLAnswerIsRefused(t *testing.T) {
	skipShort(t)
	a := buildApp(t, t.TempDir(), weightsSize, 9, 0)
	srv := startServer(t, a.Out)
	ctx := browsertest.New(t)
	bad := a.Index.Shards[5]
	srv.answerWithPage(bad.URL)
	st := load(t, ctx, srv.URL()+"?sw=0")
	for _, w := range []string{"weights shard " + bad.URL, "came back as an HTML page", "it was not stored"} {
		if !strings.Contains(st.Error, w) {
			t.Fatalf("error %q; want it to contain %q", st.Error, w)
		}
	}
	if n := slices.Index(func() []string { all, _ := fetched(srv.requests()); return all }(), bad.URL); n < 0 {
		t.Fatal("the shard was never requested")
	}
	keys := idbKeys(t, ctx)
	if slices.Contains(keys, bad.SHA256) {
		t.Fatal("the HTML answer was stored")
	}
	var rest []packager.Shard // the bad one, and those not started after it failed
	for _, s := range a.Index.Shards {
		if !slices.Contains(keys, s.SHA256) {
			rest = append(rest, s)
		}
	}
	srv.answerWithPage("")
	srv.set(a.Out, -1)
	loadOK(t, ctx, srv.URL()+"?sw=0", a.Answer)
	all, _ := fetched(srv.requests())
	equal(t, "requests after the host is fixed", all, urlsOf(rest))
}

// corruptJS damages a stored shard: mode "flip" changes one byte, "html"
// replaces it with a short HTML page.
const corruptJS = `(async (key, mode) => {
	const open = () => new Promise((res, rej) => { const q = indexedDB.open('pwagen:/'); q.onsuccess = () => res(q.result); q.onerror = () => rej(q.error); });
	const req = (db, m, f) => new Promise((res, rej) => { const tx = db.transaction('shards', m); const r = f(tx.objectStore('shards')); tx.oncomplete = () => res(r.result); tx.onerror = () => rej(tx.error); });
	const db = await open();
	const v = await req(db, 'readonly', (s) => s.get(key));
	if (!v) throw new Error('no shard ' + key);
	let bad;
	if (mode === 'flip') { const b = new Uint8Array(await new Response(v).arrayBuffer()); b[b.length >> 1] ^= 1; bad = new Blob([b]); }
	else bad = new Blob(['<!doctype html><title>Not found</title>'], { type: 'text/html' });
	await req(db, 'readwrite', (s) => s.put(bad, key));
	db.close();
	return true;
})`

// storedSHA256JS hashes what IndexedDB holds under a key.
const storedSHA256JS = `(async (key) => {
	const db = await new Promise((res, rej) => { const q = indexedDB.open('pwagen:/'); q.onsuccess = () => res(q.result); q.onerror = () => rej(q.error); });
	const v = await new Promise((res, rej) => { const r = db.transaction('shards').objectStore('shards').get(key); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
	db.close();
	const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await new Response(v).arrayBuffer()));
	return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
})`

// 3. A damaged stored shard is detected, fetched again and replaced.
func TestWeightsCorruptStoredShardIsRefetched(t *testing.T) {
	skipShort(t)
	a := buildApp(t, t.TempDir(), weightsSize, 3, 0)
	srv := startServer(t, a.Out)
	ctx := browsertest.New(t)
	loadOK(t, ctx, srv.URL()+"?sw=0", a.Answer)

	flip, html := a.Index.Shards[3], a.Index.Shards[7]
	browsertest.Eval[bool](t, ctx, fmt.Sprintf(`%s(%q, 'flip')`, corruptJS, flip.SHA256))
	browsertest.Eval[bool](t, ctx, fmt.Sprintf(`%s(%q, 'html')`, corruptJS, html.SHA256))
	if got := browsertest.Eval[string](t, ctx, fmt.Sprintf(`%s(%q)`, storedSHA256JS, flip.SHA256)); got == flip.SHA256 {
		t.Fatal("the test did not damage the shard")
	}

	srv.set(a.Out, -1)
	st := loadOK(t, ctx, srv.URL()+"?sw=0", a.Answer)
	checkProgress(t, st.Progress)
	all, _ := fetched(srv.requests())
	equal(t, "shards fetched again", all, urlsOf([]packager.Shard{flip, html}))
	if st.Info.BytesFromNetwork != flip.Size+html.Size {
		t.Fatalf("info %+v: want %d bytes from the network", *st.Info, flip.Size+html.Size)
	}
	if w := strings.Join(st.Warnings, "\n"); !strings.Contains(w, flip.URL) || !strings.Contains(w, html.URL) {
		t.Errorf("warnings %q do not name the damaged shards %s and %s", w, flip.URL, html.URL)
	}
	for _, s := range []packager.Shard{flip, html} {
		if got := browsertest.Eval[string](t, ctx, fmt.Sprintf(`%s(%q)`, storedSHA256JS, s.SHA256)); got != s.SHA256 {
			t.Errorf("IndexedDB holds %s under %s after the reload; the fetched copy should have replaced it", got, s.SHA256)
		}
	}
}

// 4. With a tiny quota (CDP Storage.overrideQuotaForOrigin) the load is
// refused with the numbers, and storage: "memory" runs without storing.
// Chromium's estimate() reports an artificial quota (usage + up to 10 GiB)
// unless the StaticStorageQuota feature is off, while the override is still
// enforced: with the feature on, the refusal comes from the first put that
// does not fit; with it off, from estimate(), before any download.
func TestWeightsTinyQuota(t *testing.T) {
	skipShort(t)
	a := buildApp(t, t.TempDir(), weightsSize, 4, 0)
	for _, tt := range []struct {
		name  string
		flags []chromedp.ExecAllocatorOption
		want  []string // in the error
		most  int      // weights requests at most before the refusal
	}{
		{"estimate", []chromedp.ExecAllocatorOption{chromedp.Flag("disable-features", "StaticStorageQuota")},
			[]string{fmt.Sprintf("%d bytes (64.0 MiB) needed, ", weightsSize), "available (quota 8388608, used "}, 0},
		{"put", nil, []string{"(QuotaExceededError) after storing ", "still needed", "bytes available by its estimate"}, weightsSize / shardSize / 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, a.Out)
			ctx := browsertest.New(t, tt.flags...)
			quota := float64(8 << 20)
			if _, err := chromedp.Call(ctx, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{Origin: srv.Origin(), QuotaSize: &quota}); err != nil {
				t.Fatalf("Storage.overrideQuotaForOrigin: %v", err)
			}
			st := load(t, ctx, srv.URL()+"?sw=0")
			t.Logf("the loader says: %s", st.Error)
			for _, w := range append(tt.want, "not enough storage", `{ storage: "memory" }`) {
				if !strings.Contains(st.Error, w) {
					t.Fatalf("with an 8 MiB quota: error %q, want it to contain %q", st.Error, w)
				}
			}
			if n := len(srv.requests()); n > tt.most {
				t.Fatalf("%d weights requests before the refusal, want at most %d", n, tt.most)
			}

			srv.set(a.Out, -1)
			st = loadOK(t, ctx, srv.URL()+"?sw=0&storage=memory", a.Answer)
			checkProgress(t, st.Progress)
			if i := st.Info; i.Storage != "memory" || i.Stored || i.BytesFromNetwork != weightsSize {
				t.Fatalf("memory mode info %+v; want storage memory, nothing stored, all from the network", *i)
			}
			if n := len(srv.requests()); n != weightsSize/shardSize {
				t.Fatalf("memory mode made %d weights requests, want %d", n, weightsSize/shardSize)
			}
		})
	}
}

// 5. A new version: the old shards stay until the new set is whole, then go.
func TestWeightsNewVersionPrunesOnlyWhenComplete(t *testing.T) {
	skipShort(t)
	v1 := buildApp(t, t.TempDir(), weightsSize, 5, 0)
	v2 := buildApp(t, t.TempDir(), weightsSize, 5, 4) // every 4th shard differs
	changed := without(v2.Index.Shards, v1.Index.Shards)
	if len(changed) != 4 {
		t.Fatalf("%d shards changed, want 4", len(changed))
	}
	old := without(v1.Index.Shards, v2.Index.Shards)
	srv := startServer(t, v1.Out)
	ctx := browsertest.New(t)
	loadOK(t, ctx, srv.URL()+"?sw=0", v1.Answer)
	equal(t, "keys after v1", idbKeys(t, ctx), keysOf(v1.Index.Shards))

	// v2, with the connection cut after two of its four new shards.
	srv.set(v2.Out, 2)
	st := load(t, ctx, srv.URL()+"?sw=0")
	if st.Error == "" {
		t.Fatal("the cut load succeeded")
	}
	_, whole := fetched(srv.requests())
	got := byURL(v2.Index.Shards, whole)
	equal(t, "keys after the cut v2 load (v1's whole set must remain)", idbKeys(t, ctx), keysOf(append(slices.Clone(v1.Index.Shards), got...)))

	srv.set(v2.Out, -1)
	st = loadOK(t, ctx, srv.URL()+"?sw=0", v2.Answer)
	all, _ := fetched(srv.requests())
	equal(t, "v2 shards fetched after the cut", all, urlsOf(without(changed, got)))
	if st.Info.BytesFromIndexedDB != weightsSize-sizeOf(without(changed, got)) {
		t.Fatalf("info %+v", *st.Info)
	}
	equal(t, "keys after v2 is whole (v1's own shards gone)", idbKeys(t, ctx), keysOf(v2.Index.Shards))
	for _, s := range old {
		if slices.Contains(idbKeys(t, ctx), s.SHA256) {
			t.Fatalf("v1 shard %s still stored", s.URL)
		}
	}
}

// heapSampler polls Runtime.getHeapUsage in the model's worker: the JS heap
// plus the backing stores of ArrayBuffers, which hold any bytes JS keeps.
// The wasm memory is not among them.
type heapSampler struct {
	mu      sync.Mutex
	peak    float64
	first   float64 // before the load
	samples int
	stop    chan struct{}
	done    chan struct{}
}

func sampleHeap(ctx context.Context) *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for {
			select {
			case <-h.stop:
				return
			default:
			}
			if u, err := chromedp.Call(ctx, runtime.GetHeapUsage, cdp.Empty{}); err == nil {
				h.mu.Lock()
				if h.samples == 0 {
					h.first = u.UsedSize + u.BackingStorageSize
				}
				h.peak = max(h.peak, u.UsedSize+u.BackingStorageSize)
				h.samples++
				h.mu.Unlock()
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return h
}

func (h *heapSampler) finish() (peak float64, samples int) {
	close(h.stop)
	<-h.done
	return h.peak, h.samples
}

// workerTarget waits for the model's worker, other than the ones in seen.
func workerTarget(t *testing.T, ctx context.Context, seen map[target.ID]bool) target.ID {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range infos {
			if i.Type == "worker" && !seen[i.TargetID] {
				seen[i.TargetID] = true
				return i.TargetID
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the model's worker did not start")
	return ""
}

// 6. Peak JS memory of the worker during a load stays near one shard, not
// the whole weights, cold and warm.
func TestWeightsPeakHeap(t *testing.T) {
	skipShort(t)
	a := buildApp(t, t.TempDir(), weightsSize, 6, 0)
	srv := startServer(t, a.Out)
	ctx := browsertest.New(t)
	const overhead = 4 << 20
	limit := 1.5*shardSize + overhead
	seen := map[target.ID]bool{}
	for _, run := range []string{"cold", "warm"} {
		// Every worker of the page before (the pool's later ones included,
		// which start after the first call) is not the next page's.
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range infos {
			if i.Type == "worker" {
				seen[i.TargetID] = true
			}
		}
		release := srv.holdWasm() // the worker waits for its .wasm while the sampler attaches
		browsertest.Do(t, ctx, chromedp.Navigate(srv.URL()+"?sw=0"))
		wctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(workerTarget(t, ctx, seen)))
		if _, err := chromedp.Call(wctx, runtime.GetHeapUsage, cdp.Empty{}); err != nil {
			t.Fatalf("attaching to the worker: %v", err)
		}
		h := sampleHeap(wctx)
		release()
		browsertest.WaitFor(t, ctx, `window.pw?.done`, `document.body.innerText`, 90*time.Second)
		peak, n := h.finish()
		cancel()
		st := browsertest.Eval[pageState](t, ctx, `window.pw`)
		if st.Error != "" || !slices.Equal(st.Answer, a.Answer) {
			t.Fatalf("%s load: error %q, answer %v, want %v", run, st.Error, st.Answer, a.Answer)
		}
		t.Logf("%s load: peak worker heap %.1f MiB (%.1f MiB before the load) over %d samples in %.0f ms (limit %.1f MiB; weights %d MiB in %d MiB shards)",
			run, peak/(1<<20), h.first/(1<<20), n, st.Info.WeightsMs, limit/(1<<20), weightsSize>>20, shardSize>>20)
		if n < 10 {
			t.Fatalf("%s load: only %d heap samples; the measurement missed the load", run, n)
		}
		if peak > limit {
			t.Errorf("%s load: peak worker heap %.1f MiB over the limit %.1f MiB (1.5 × a %d MiB shard + %d MiB)", run, peak/(1<<20), limit/(1<<20), shardSize>>20, overhead>>20)
		}
	}
}
