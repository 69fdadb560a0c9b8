package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pwagen/pwagen/kernels/modules"
)

// digitABCmd times builds of one model's reactor (each a .wasm built with
// GOOS=wasip1 GOARCH=wasm -buildmode=c-shared, say from two trees) called
// directly in one cross-origin isolated Chromium page with the SIMD
// kernels, in turns, so that the machine's load falls on each alike. Per
// build: the best and median µs per call over the rounds' windows, and the
// browser's CPU time per call (/proc/TID/schedstat of all its threads: what
// a call costs whatever else the machine runs). It checks that every build
// gives the same outputs for the bench input.
//
//	go run ./bench _digitab [--rounds 10] [--calls 1000] WEIGHTS A.wasm B.wasm ...
const digitABCmd = "_digitab"

func digitABMain(args []string) int {
	fset := flag.NewFlagSet(digitABCmd, flag.ContinueOnError)
	rounds := fset.Int("rounds", 10, "rounds: each build is timed once per round, in a rotated order")
	calls := fset.Int("calls", 1000, "timed calls per build and round")
	work := fset.String("work", os.TempDir(), "folder for the Chromium profile")
	if err := fset.Parse(args); err != nil || fset.NArg() < 3 {
		fmt.Fprintln(os.Stderr, "usage: bench _digitab [--rounds N] [--calls N] WEIGHTS A.wasm B.wasm ...")
		return 2
	}
	if err := digitAB(fset.Arg(0), fset.Args()[1:], *work, *rounds, *calls); err != nil {
		fmt.Fprintf(os.Stderr, "bench %s: %v\n", digitABCmd, err)
		return 1
	}
	return 0
}

// digitABSetupJS links every build (window.__ab[i]) and returns whether
// their outputs for the bench input are the same bits.
const digitABSetupJS = `(async (urls, fwd, kern, weights) => {
  window.__ab = [];
  for (const u of urls) window.__ab.push(await __pw.model(u, fwd, kern, weights));
  const x = __pw.input(window.__ab[0].n);
  window.__abx = x;
  const outs = window.__ab.map((m) => m.predict(x));
  return outs.every((o) => o.length === outs[0].length && o.every((v, i) => Object.is(v, outs[0][i])));
})`

// digitABWarmJS calls build i for 200 ms; digitABTimeJS returns the ms
// that calls calls took.
const digitABWarmJS = `((i) => {
  const m = window.__ab[i], x = window.__abx;
  for (const t = performance.now(); performance.now() - t < 200;) m.predict(x);
  return true;
})`

const digitABTimeJS = `((i, calls) => {
  const m = window.__ab[i], x = window.__abx;
  const t0 = performance.now();
  for (let c = 0; c < calls; c++) m.predict(x);
  return performance.now() - t0;
})`

func digitAB(weights string, wasms []string, work string, rounds, calls int) error {
	extra, err := kernelExtras()
	if err != nil {
		return err
	}
	extra["/__bench/w.bin"] = extraFile{path: weights, ctype: "application/octet-stream"}
	var urls []string
	for i, w := range wasms {
		if _, err := os.Stat(w); err != nil {
			return err
		}
		u := fmt.Sprintf("/__bench/ab%d.wasm", i)
		extra[u] = extraFile{path: w, ctype: "application/wasm"}
		urls = append(urls, u)
	}
	ctx, cancelAll := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancelAll()
	root, err := os.MkdirTemp(work, "digitab-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	srv, err := startServer(root, extra)
	if err != nil {
		return err
	}
	srv.isolate = true
	defer srv.stop()
	bctx, cancel, err := browser(ctx, work)
	if err != nil {
		return err
	}
	defer cancel()
	if err := navigate(bctx, srv.URL+"__bench/blank.html"); err != nil {
		return err
	}
	if _, err := eval[bool](bctx, pageJS); err != nil {
		return err
	}
	fwd, kern := kernelURLs(modules.SIMD)
	u, _ := json.Marshal(urls)
	same, err := eval[bool](bctx, fmt.Sprintf("%s(%s, %q, %q, %q)", digitABSetupJS, u, fwd, kern, "/__bench/w.bin"))
	if err != nil {
		return err
	}
	browserPid := 0
	if c := chromedp.FromContext(bctx); c != nil && c.Browser != nil && c.Browser.Process() != nil {
		browserPid = c.Browser.Process().Pid
	}
	fmt.Printf("same outputs: %v; load average %s\n", same, loadAvg())
	wall := make([][]float64, len(wasms)) // µs per call, per round
	cpu := make([][]float64, len(wasms))
	for r := 0; r < rounds; r++ {
		for j := range wasms {
			i := (j + r) % len(wasms)
			if _, err := eval[bool](bctx, fmt.Sprintf("%s(%d)", digitABWarmJS, i)); err != nil {
				return err
			}
			before := threadCPU(browserPid)
			ms, err := eval[float64](bctx, fmt.Sprintf("%s(%d, %d)", digitABTimeJS, i, calls))
			if err != nil {
				return err
			}
			after := threadCPU(browserPid)
			var ns int64
			for tid, a := range after {
				ns += a.ns - before[tid].ns
			}
			wall[i] = append(wall[i], ms*1000/float64(calls))
			cpu[i] = append(cpu[i], float64(ns)/1e3/float64(calls))
		}
	}
	fmt.Printf("load average after %s\n\n| build | best µs per call | median µs per call | CPU µs per call, best | CPU µs per call, median |\n|---|---|---|---|---|\n", loadAvg())
	for i, w := range wasms {
		sort.Float64s(wall[i])
		sort.Float64s(cpu[i])
		fmt.Printf("| %s | %.1f | %.1f | %.1f | %.1f |\n", filepath.Base(filepath.Dir(w))+"/"+filepath.Base(w), wall[i][0], wall[i][len(wall[i])/2], cpu[i][0], cpu[i][len(cpu[i])/2])
	}
	return nil
}
