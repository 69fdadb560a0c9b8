package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pwagen/pwagen/bench/fixture"
)

// benchState is what the fixture's app.js leaves in window.__bench.
type benchState struct {
	T struct {
		Start, SWReady, ModelReady, FirstInference float64
	} `json:"t"`
	Info struct {
		WeightsFrom        string  `json:"weightsFrom"`
		BytesFromNetwork   int64   `json:"bytesFromNetwork"`
		BytesFromIndexedDB int64   `json:"bytesFromIndexedDB"`
		LoadMs             float64 `json:"loadMs"`
	} `json:"info"`
	Error string `json:"error"`
}

// visitBytes are the bytes the server sent for a first and a second visit
// (response bodies, gzip where the host would compress), for every target.
type visitBytes struct {
	first, second       int64
	firstReq, secondReq int
}

// browserRun is one fresh profile's figures.
type browserRun struct {
	coldTTFI, warmTTFI, offlineTTFI float64 // ms from navigation start
	swInstall                       float64 // ms from app start to serviceWorker.ready
	coldLoad, offlineLoad           float64 // the loader's loadMs
	idbGet, idbVerify               float64 // MB/s
	first, second                   int64
	firstReq, secondReq             int
}

const benchJS = `window.__bench && (window.__bench.error || window.__bench.t.firstInference)`
const benchDiag = `JSON.stringify({bench: window.__bench, status: document.querySelector('#status')?.textContent})`

// idbReadJS reads every shard the loader stored (Blobs, or ArrayBuffers in
// older loaders) into memory, one transaction per shard, one after the
// other; then again verifying each with SHA-256 as the loader does. It
// returns MB/s for both.
const idbReadJS = `(async () => {
  const db = await new Promise((res, rej) => { const r = indexedDB.open('pwagen:/'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  const get = (k) => new Promise((res, rej) => { const tx = db.transaction('shards', 'readonly'); const q = tx.objectStore('shards').get(k); tx.oncomplete = () => res(q.result); tx.onerror = () => rej(tx.error); });
  const keys = await new Promise((res) => { const q = db.transaction('shards', 'readonly').objectStore('shards').getAllKeys(); q.onsuccess = () => res(q.result); });
  let bytes = 0, t0 = performance.now();
  const read = async (k) => { const v = await get(k); return v instanceof Blob ? await v.arrayBuffer() : v; };
  for (const k of keys) bytes += (await read(k)).byteLength;
  const tGet = performance.now() - t0;
  t0 = performance.now();
  for (const k of keys) { const b = await read(k); await crypto.subtle.digest('SHA-256', b); }
  const tVerify = performance.now() - t0;
  db.close();
  return { shards: keys.length, bytes, get: bytes / 1e6 / (tGet / 1e3), verify: bytes / 1e6 / (tVerify / 1e3) };
})()`

type idbResult struct {
	Shards int     `json:"shards"`
	Bytes  int64   `json:"bytes"`
	Get    float64 `json:"get"`
	Verify float64 `json:"verify"`
}

const wasmCachedJS = `(async () => {
  for (const k of await caches.keys())
    for (const r of await (await caches.open(k)).keys()) if (r.url.endsWith('.wasm')) return true;
  return false;
})()`

func browserSection(ctx context.Context, e *env) (string, error) {
	dist, err := pwagenDist(ctx, e)
	if err != nil {
		return "", err
	}
	var runs []browserRun
	for i := 0; i < 1+e.o.runs; i++ {
		r, err := browserOnce(ctx, e, dist)
		if err != nil {
			return "", fmt.Errorf("run %d: %w", i+1, err)
		}
		if i > 0 {
			runs = append(runs, r)
		}
	}
	pick := func(f func(r browserRun) float64) float64 {
		var xs []float64
		for _, r := range runs {
			xs = append(xs, f(r))
		}
		return medianOf(xs)
	}
	pickN := func(f func(r browserRun) int64) int64 {
		var xs []int64
		for _, r := range runs {
			xs = append(xs, f(r))
		}
		return medianOf(xs)
	}
	e.visits = &visitBytes{first: pickN(func(r browserRun) int64 { return r.first }), second: pickN(func(r browserRun) int64 { return r.second }),
		firstReq: int(pickN(func(r browserRun) int64 { return int64(r.firstReq) })), secondReq: int(pickN(func(r browserRun) int64 { return int64(r.secondReq) }))}
	cold, warm, off := pick(func(r browserRun) float64 { return r.coldTTFI }), pick(func(r browserRun) float64 { return r.warmTTFI }), pick(func(r browserRun) float64 { return r.offlineTTFI })
	sw := pick(func(r browserRun) float64 { return r.swInstall })
	get, verify := pick(func(r browserRun) float64 { return r.idbGet }), pick(func(r browserRun) float64 { return r.idbVerify })
	weights := fixture.WeightsSize(fixture.Hidden(fixture.Default.WeightsBytes))
	f := func(v float64) string { return fmtMs(v) }
	rows := [][]string{
		{"time to first inference, cold (empty profile, online)", f(cold), "1.0×"},
		{"time to first inference, warm, online (second visit)", f(warm), ratio(warm, cold)},
		{"time to first inference, warm, offline (server stopped)", f(off), ratio(off, cold)},
		{"service worker install (app start → serviceWorker.ready, first visit)", f(sw), ""},
		{"loader's loadMs, cold (fetch + verify + store weights, compile .wasm)", f(pick(func(r browserRun) float64 { return r.coldLoad })), ""},
		{"loader's loadMs, warm offline (weights from IndexedDB)", f(pick(func(r browserRun) float64 { return r.offlineLoad })), ""},
		{fmt.Sprintf("IndexedDB read of the %s of weight shards, one get per shard", kb(weights)), fmt.Sprintf("%.0f MB/s", get), ""},
		{"IndexedDB read + SHA-256 verify per shard (what the loader does)", fmt.Sprintf("%.0f MB/s", verify), ""},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The default fixture packaged by pwagen (`pwagen package`, %s of weights in 4 MiB shards), served from 127.0.0.1 by the bench's server with the package's own header rules and gzip, opened in a fresh headless Chromium profile per run (%d runs after one warm-up run, medians). ", kb(weights), len(runs))
	b.WriteString("Times are `performance.now()` in the page, from navigation start, recorded by the fixture's app.js: the first `predict()` resolved. Warm online is a second navigation with the service worker active and the weights in IndexedDB; offline is a third with the server stopped.\n\n")
	b.WriteString(table([]string{"measure", "median", "× cold"}, rows))
	fmt.Fprintf(&b, "\nAnalysis: a cold first visit (%s) downloads, SHA-256-verifies and stores the weights and streams-compiles the .wasm; the second visit (%s) reads the weights from IndexedDB and the .wasm from the service worker's cache. Offline (%s) nothing waits for the network at all; online, the service worker fetches the page network-first (with navigation preload) so that a new version is seen, which is the difference between the two. ", f(cold), f(warm), f(off))
	fmt.Fprintf(&b, "Verifying each shard with SHA-256 on every load costs throughput (%.0f against %.0f MB/s for the bare reads): that is the price of never running on a corrupted or stale shard, which TF.js, transformers.js and WebLLM do not check. ", verify, get)
	b.WriteString("The service worker install overlaps the model load on the first visit: it precaches the shell only, never the weights, so it does not double the download.\n")
	return b.String(), nil
}

// pwagenDist is the default fixture packaged by the pwagen CLI, reusing
// the packaging section's output when it ran.
func pwagenDist(ctx context.Context, e *env) (string, error) {
	if d := e.dists["pwagen"]; d != "" {
		if _, err := os.Stat(filepath.Join(d, "pwagen.js")); err == nil {
			return d, nil
		}
	}
	dir, err := e.fixture(fixture.Default)
	if err != nil {
		return "", err
	}
	out := filepath.Join(e.o.work, "out", "default", "pwagen")
	os.RemoveAll(out)
	if _, _, err := measure(ctx, command{dir: dir, env: []string{"XDG_CACHE_HOME=" + e.cache}, name: e.pwagen, args: []string{"package", "-q", "--out", out, dir}}); err != nil {
		return "", err
	}
	e.dists["pwagen"], e.dists["project"] = out, dir
	return out, nil
}

func browserOnce(ctx context.Context, e *env, dist string) (browserRun, error) {
	var r browserRun
	ctx, cancelRun := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelRun()
	srv, err := startServer(dist, nil)
	if err != nil {
		return r, err
	}
	defer srv.stop()
	bctx, cancel, err := browser(ctx, e.o.work)
	if err != nil {
		return r, err
	}
	defer cancel()
	srv.reset()
	state := func() (benchState, error) {
		if err := waitFor(bctx, benchJS, benchDiag, 90*time.Second); err != nil {
			return benchState{}, err
		}
		s, err := eval[benchState](bctx, `window.__bench`)
		if err == nil && s.Error != "" {
			err = fmt.Errorf("the app failed: %s", s.Error)
		}
		return s, err
	}
	// 1. First visit, online, empty profile.
	if err := navigate(bctx, srv.URL); err != nil {
		return r, err
	}
	s, err := state()
	if err != nil {
		return r, fmt.Errorf("first visit: %w", err)
	}
	r.coldTTFI, r.coldLoad = s.T.FirstInference, s.Info.LoadMs
	if err := waitFor(bctx, `window.__bench.t.swReady && navigator.serviceWorker.controller`, benchDiag, 30*time.Second); err != nil {
		return r, fmt.Errorf("service worker: %w", err)
	}
	if err := waitFor(bctx, wasmCachedJS, `'the .wasm is not in a cache'`, 30*time.Second); err != nil {
		return r, err
	}
	s, _ = eval[benchState](bctx, `window.__bench`)
	r.swInstall = s.T.SWReady - s.T.Start
	time.Sleep(300 * time.Millisecond) // let the last fetches finish
	r.first, r.firstReq = srv.reset()

	// 2. Second visit, online.
	if err := navigate(bctx, srv.URL); err != nil {
		return r, err
	}
	if s, err = state(); err != nil {
		return r, fmt.Errorf("second visit: %w", err)
	}
	r.warmTTFI = s.T.FirstInference
	if s.Info.WeightsFrom != "indexeddb" {
		return r, fmt.Errorf("second visit loaded the weights from %q, want indexeddb", s.Info.WeightsFrom)
	}
	time.Sleep(300 * time.Millisecond)
	r.second, r.secondReq = srv.reset()

	// 3. Offline: the server is gone.
	srv.stop()
	if err := navigate(bctx, srv.URL); err != nil {
		return r, fmt.Errorf("offline navigation: %w", err)
	}
	if s, err = state(); err != nil {
		return r, fmt.Errorf("offline visit: %w", err)
	}
	r.offlineTTFI, r.offlineLoad = s.T.FirstInference, s.Info.LoadMs
	idb, err := eval[idbResult](bctx, idbReadJS)
	if err != nil {
		return r, err
	}
	if idb.Shards == 0 {
		return r, fmt.Errorf("IndexedDB pwagen:/ holds no shards")
	}
	r.idbGet, r.idbVerify = idb.Get, idb.Verify
	return r, nil
}
