package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"
)

// The machine's parallel ceiling (issue 18): how much faster two threads
// get the same fixed work done than one, with nothing of pwagen's in the
// way. Natively, a float32 gemm on 1 goroutine against 2 each doing half;
// in Chromium, bare Web Workers each running the digits model's .wasm on
// part of the batch (bareBatchWorkerJS, no loader). Measured in the same
// loops as the pool, so that the pool's figure reads against it.

// ceilingUnits is the native work: gemms of ceilingN × ceilingN, about
// 0.4 s on one core of this machine.
const (
	ceilingN     = 64
	ceilingUnits = 1600
)

// gemmUnits runs units multiply-adds of two ceilingN × ceilingN float32
// matrices into c.
func gemmUnits(units int) float32 {
	const n = ceilingN
	a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = float32(i%7)/7, float32(i%5)/5
	}
	for u := 0; u < units; u++ {
		for i := 0; i < n; i++ {
			ci := c[i*n : i*n+n]
			for k := 0; k < n; k++ {
				x := a[i*n+k]
				bk := b[k*n : k*n+n]
				for j := range ci {
					ci[j] += x * bk[j]
				}
			}
		}
	}
	return c[0]
}

// nativeCeiling runs ceilingUnits of gemm on g goroutines, each an equal
// share, and returns the wall time and this process's CPU time.
func nativeCeiling(g int) poolLoop {
	cpu := func() float64 {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
	}
	c0, t0 := cpu(), time.Now()
	var wg sync.WaitGroup
	for i := 0; i < g; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); gemmUnits(ceilingUnits / g) }()
	}
	wg.Wait()
	return poolLoop{Calls: 1, Ms: float64(time.Since(t0).Microseconds()) / 1000, CPUMs: cpu() - c0}
}

// bareBatchWorkerJS is the digits model in a bare Web Worker (pageJS's
// model(), no loader): {init} loads it; {data, n} runs it on n inputs laid
// out one after another in data and answers their outputs in one buffer.
const bareBatchWorkerJS = `self.window = self;
PAGEJS;
let m;
onmessage = async (e) => {
  const d = e.data;
  if (d.init) { m = await __pw.model(...d.init); postMessage({ ok: true }); return; }
  const x = new Float32Array(d.data), len = x.length / d.n;
  let out = null;
  for (let i = 0; i < d.n; i++) {
    const o = m.predict(x.subarray(i * len, (i + 1) * len));
    if (!out) out = new Float32Array(d.n * o.length);
    out.set(o, i * o.length);
  }
  postMessage(out, [out.buffer]);
};
`

// browserPid is the pid of bctx's browser, 0 if unknown.
func browserPid(bctx context.Context) int {
	if c := chromedp.FromContext(bctx); c != nil && c.Browser != nil && c.Browser.Process() != nil {
		return c.Browser.Process().Pid
	}
	return 0
}

// threadShares sums the CPU ms between two threadCPU samples by kind of
// Chromium thread: the Web Workers' threads (one per worker), the page's
// main thread (a renderer process's first thread), the thread pools
// (where V8 compiles and tiers up wasm and JavaScript in the background,
// and collects garbage), and everything else (the IO threads, the GPU
// and network processes, the browser process).
func threadShares(before, after map[int]threadTime) (workers, page, pools, other float64) {
	renderer := map[string]bool{}
	for tid, a := range after {
		d := float64(a.ns-before[tid].ns) / 1e6
		if d <= 0 {
			continue
		}
		pid, _, _ := strings.Cut(a.name, ":")
		switch {
		case strings.Contains(a.name, "/DedicatedWorker"):
			workers += d
		case strings.Contains(a.name, "/ThreadPool"):
			pools += d
		case pid == strconv.Itoa(tid) && isRenderer(pid, renderer):
			page += d
		default:
			other += d
		}
	}
	return
}

// isRenderer tells whether process pid is a Chromium renderer, memoised
// in seen.
func isRenderer(pid string, seen map[string]bool) bool {
	r, ok := seen[pid]
	if !ok {
		b, _ := os.ReadFile("/proc/" + pid + "/cmdline")
		r = strings.Contains(string(b), "--type=renderer")
		seen[pid] = r
	}
	return r
}

// fmtShares is a loop's CPU per call by kind of thread.
func fmtShares(l poolLoop) string {
	n := float64(max(l.Calls, 1))
	return fmt.Sprintf("workers %s, page %s, thread pools %s, other %s", fmtUs(l.WorkerMs*1000/n), fmtUs(l.PageMs*1000/n), fmtUs(l.PoolMs*1000/n), fmtUs(l.OtherMs*1000/n))
}
