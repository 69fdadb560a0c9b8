package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pwagen/pwagen/kernels/modules"
)

// pageRun is one timing in a page that has pageJS installed.
type pageRun struct {
	Model   string `json:"model"`   // URL of the reactor, for direct calls ("" for none)
	Fwd     string `json:"fwd"`     // forwarder URL, "" for a model without kernels
	Kern    string `json:"kern"`    // kernel module URL
	Weights string `json:"weights"` // URL of the unsharded weights file
	N       int    `json:"n"`       // inputs per item, when there is no direct run to ask
	Batch   int    `json:"batch"`   // items per call
	Loader  bool   `json:"loader"`  // also through the package's pwagen.js
	Variant string `json:"variant"` // loadModel({variant}); "" for the loader's choice
	Runs    int    `json:"runs"`
	WarmMs  int    `json:"warmMs"`
	// Input, when set, is the input of every call (batch 1); otherwise
	// the generator (i % 7 + 1) / 7.
	Input []float32 `json:"input,omitempty"`
	// Named, when set, is the loader's input instead: int64 inputs by
	// name, as BigInt64Arrays (a model with several typed inputs).
	Named map[string][]int64 `json:"named,omitempty"`
}

// pageResult is µs per call.
type pageResult struct {
	Direct  float64 `json:"direct"`
	Loader  float64 `json:"loader"`
	Variant string  `json:"variant"` // what the loader ran
	N       int     `json:"n"`
}

const pageRunJS = `(async (s) => {
  let direct = 0, n = s.n;
  if (s.model) {
    const m = await __pw.model(s.model, s.fwd, s.kern, s.weights);
    n = m.n;
    const inp = s.input ? Float32Array.from(s.input) : __pw.input(n * s.batch);
    direct = await __pw.time(() => m.predict(inp), s.runs, s.warmMs);
  }
  let loader = 0, variant = '';
  if (s.loader) {
    const { loadModel } = await import('/pwagen.js');
    const opts = { serviceWorker: false, storage: 'memory' };
    if (s.variant) opts.variant = s.variant;
    const m = await loadModel(opts);
    variant = m.info.variant;
    const inp = s.named ? Object.fromEntries(Object.entries(s.named).map(([k, v]) => [k, BigInt64Array.from(v, BigInt)]))
      : s.input ? Float32Array.from(s.input) : __pw.input(n * s.batch);
    loader = await __pw.time(() => m.predict(inp), s.runs, s.warmMs);
    m.dispose();
  }
  return { direct, loader, variant, n };
})`

// timeInPage runs r in the page of bctx, installing pageJS first if the
// page does not have it.
func timeInPage(bctx context.Context, r pageRun) (pageResult, error) {
	if _, err := eval[bool](bctx, `window.__pw ? true : (`+pageJS+`)`); err != nil {
		return pageResult{}, err
	}
	spec, _ := json.Marshal(r)
	res, err := eval[pageResult](bctx, pageRunJS+"("+string(spec)+")")
	if err != nil {
		return res, err
	}
	if r.Loader && r.Variant != "" && res.Variant != r.Variant {
		return res, fmt.Errorf("loadModel({variant: %q}) ran %q", r.Variant, res.Variant)
	}
	return res, nil
}

// kernelExtras are the URLs under which the bench's server serves the
// forwarder and the kernel modules (the bytes the packager ships).
func kernelExtras() (map[string]extraFile, error) {
	x := map[string]extraFile{"/__bench/forwarder.wasm": {data: modules.Forwarder(), ctype: "application/wasm"}}
	for _, v := range modules.Variants {
		b, err := modules.Wasm(v)
		if err != nil {
			return nil, err
		}
		x["/__bench/"+string(v)+".wasm"] = extraFile{data: b, ctype: "application/wasm"}
	}
	x["/__bench/blank.html"] = extraFile{data: []byte("<!doctype html><title>bench</title>"), ctype: "text/html; charset=utf-8"}
	return x, nil
}

// kernelURLs are the forwarder and kernel module URLs for variant v ("",
// "" for the baseline).
func kernelURLs(v modules.Variant) (fwd, kern string) {
	if v == modules.Baseline {
		return "", ""
	}
	return "/__bench/forwarder.wasm", "/__bench/" + string(v) + ".wasm"
}
