package modules_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/kernels/modules"
)

// kernelPage opens an empty page in a fresh Chromium whose origin serves
// the forwarder at /forwarder.wasm and each kernel variant at
// /VARIANT.wasm: the page the kernel benchmarks evaluate kernelPrelude in.
func kernelPage(tb testing.TB, opts ...chromedp.ExecAllocatorOption) context.Context {
	url, _ := browsertest.Serve(tb, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><title>k</title>"))
		case "/forwarder.wasm":
			w.Header().Set("Content-Type", "application/wasm")
			w.Write(modules.Forwarder())
		default:
			k, err := modules.Wasm(modules.Variant(r.URL.Path[1 : len(r.URL.Path)-len(".wasm")]))
			if err != nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/wasm")
			w.Write(k)
		}
	}))
	ctx := browsertest.New(tb, opts...)
	browsertest.Do(tb, ctx, chromedp.Navigate(url))
	return ctx
}

// kernelPrelude is the start of an async function body on kernelPage: it
// instantiates variant over a fresh 16 MiB memory filled with
// sin(i)/2, and leaves the forwarder's exports in f, the memory's
// floats in fl.
func kernelPrelude(variant modules.Variant) string {
	return `const bytes = async (u) => (await fetch(u)).arrayBuffer();
				const memory = new WebAssembly.Memory({ initial: 256 });
				const fwd = (await WebAssembly.instantiate(await bytes('/forwarder.wasm'), {})).instance;
				await WebAssembly.instantiate(await bytes('/` + string(variant) + `.wasm'), { model: { memory }, kernels: { table: fwd.exports.table } });
				const f = fwd.exports;
				const fl = new Float32Array(memory.buffer);
				for (let i = 0; i < fl.length; i++) fl[i] = Math.sin(i) * 0.5;
`
}
