package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// fileSizes are the raw and gzip sizes of some files of a folder.
func fileSizes(dir string, globs ...string) (raw, gz int64, names []string, err error) {
	for _, g := range globs {
		m, _ := filepath.Glob(filepath.Join(dir, g))
		if len(m) == 0 {
			return 0, 0, nil, fmt.Errorf("%s: no file matches %s", dir, g)
		}
		for _, p := range m {
			b, err := os.ReadFile(p)
			if err != nil {
				return 0, 0, nil, err
			}
			raw += int64(len(b))
			gz += int64(len(gzipBytes(b)))
			names = append(names, filepath.Base(p))
		}
	}
	return raw, gz, names, nil
}

func bytesSection(ctx context.Context, e *env) (string, error) {
	var b strings.Builder
	b.WriteString("Sizes of the files each tool wrote for the default fixture; gzip is Go's compress/gzip at the default level, as most hosts serve. \n\n")
	pw, err := pwagenDist(ctx, e)
	if err != nil {
		return b.String(), err
	}
	// The service worker and its runtime.
	type entry struct {
		name, dir string
		globs     []string
	}
	entries := []entry{{"pwagen: sw.js (no separate runtime)", pw, []string{"sw.js"}}}
	if d := e.dists["workbox"]; d != "" {
		entries = append(entries, entry{"(a) Workbox generateSW: sw.js + workbox runtime chunk", d, []string{"sw.js", "workbox-*.js"}})
	}
	if d := e.dists["vite"]; d != "" {
		entries = append(entries, entry{"(b) vite-plugin-pwa: sw.js + workbox runtime chunk + registerSW.js", d, []string{"sw.js", "workbox-*.js", "registerSW.js"}})
	}
	var rows [][]string
	var baseGz int64
	for i, en := range entries {
		raw, gz, names, err := fileSizes(en.dir, en.globs...)
		if err != nil {
			return b.String(), err
		}
		if i == 0 {
			baseGz = gz
		}
		rows = append(rows, []string{en.name, strings.Join(names, ", "), kb(raw), kb(gz), ratio(float64(gz), float64(baseGz))})
	}
	b.WriteString(table([]string{"service worker", "files", "raw", "gzip", "gzip × pwagen"}, rows))
	if len(entries) == 1 {
		b.WriteString("\nWorkbox and Vite rows: not measured: the packaging section did not run in this invocation (it writes their output).\n")
	}
	b.WriteString("\nAnalysis: pwagen's service worker is generated for the package (the precache list and the lazy .wasm rule inline) and minified by esbuild, so it needs no runtime library; Workbox ships its general runtime (routing, strategies, precaching, expiration) beside a small sw.js, and vite-plugin-pwa adds a registration script. pwagen's figure includes everything its worker does; the Workbox configuration here does the same job (precache the shell, cache the .wasm and weights on first use), without SHA-256 checks, and it leaves weight loading and IndexedDB to the app.\n\n")

	// The page-side runtime: pwagen.js against wasm_exec.js.
	goroot, err := goCmd(ctx, e.o.repo, nil, "env", "GOROOT")
	if err != nil {
		return b.String(), err
	}
	wasmExec := filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js")
	src, err := os.ReadFile(wasmExec)
	if err != nil {
		//lint:ignore ST1005 the message starts with a name, Go's
		return b.String(), fmt.Errorf("Go's wasm_exec.js: %w", err)
	}
	min := api.Transform(string(src), api.TransformOptions{MinifyWhitespace: true, MinifyIdentifiers: true, MinifySyntax: true, LegalComments: api.LegalCommentsNone})
	if len(min.Errors) > 0 {
		return b.String(), fmt.Errorf("minifying wasm_exec.js: %s", min.Errors[0].Text)
	}
	lraw, lgz, _, err := fileSizes(pw, "pwagen.js")
	if err != nil {
		return b.String(), err
	}
	rows = [][]string{
		{"pwagen.js (loader + worker + WASI shim + IndexedDB weights + SW registration, minified)", kb(lraw), kb(lgz), "1.0×"},
		{"Go's wasm_exec.js, as shipped ($(go env GOROOT)/lib/wasm)", kb(int64(len(src))), kb(int64(len(gzipBytes(src)))), ratio(float64(len(gzipBytes(src))), float64(lgz))},
		{"Go's wasm_exec.js, minified by esbuild", kb(int64(len(min.Code))), kb(int64(len(gzipBytes(min.Code)))), ratio(float64(len(gzipBytes(min.Code))), float64(lgz))},
	}
	b.WriteString(table([]string{"page runtime", "raw", "gzip", "gzip × pwagen.js"}, rows))
	b.WriteString("\nAnalysis: wasm_exec.js is only the glue for a GOOS=js program (its syscall/js bridge); it loads no weights, caches nothing and runs on the page's main thread. pwagen.js is the whole runtime of the app: it runs the wasip1 reactor in a Web Worker, fetches, verifies and stores the weight shards, and registers the service worker. Its size is what that extra work costs on the wire.\n\n")

	// First and second visit.
	if e.visits == nil {
		b.WriteString("First and second visit: not measured: the browser section did not run in this invocation.\n")
		return b.String(), nil
	}
	v := e.visits
	_, wgz, _, _ := fileSizes(pw, "model-*.wasm")
	wraw, _, _, _ := fileSizes(pw, "weights/*.bin")
	rows = [][]string{
		{"first visit (empty profile)", fmt.Sprint(v.firstReq), kb(v.first)},
		{"second visit (service worker and IndexedDB warm)", fmt.Sprint(v.secondReq), kb(v.second)},
		{"of the first: weights (raw, not compressed)", "", kb(wraw)},
		{"of the first: the .wasm (gzip)", "", kb(wgz)},
	}
	b.WriteString("Bytes the server sent (response bodies after gzip, every target: page, model worker and service worker; medians of the browser section's runs):\n\n")
	b.WriteString(table([]string{"visit", "requests", "bytes"}, rows))
	fmt.Fprintf(&b, "\nAnalysis: the first visit downloads the weights once (%s, which do not compress) and the .wasm once: the service worker precaches the shell but leaves the .wasm to be cached on first use and the weights to the loader's IndexedDB store, so nothing large is fetched twice. ", kb(wraw))
	fmt.Fprintf(&b, "The second visit sends %s in %d request(s): the page itself, which the service worker fetches network-first so that an online user sees a new version, and whatever update check of sw.js the browser makes; everything else comes from the caches. ", kb(v.second), v.secondReq)
	b.WriteString("Counted by the server rather than from CDP network events: CDP's page target does not see the service worker's and the worker's fetches, and the server sees them all.\n")
	return b.String(), nil
}
