package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// turnSide is one page whose calls timeInTurns times: a served folder and
// the query of its URL.
type turnSide struct {
	name, dir, query string
	// check, when set, judges the page's state after its first inference
	// (pwagen's: the variant its loader ran).
	check func(pageState) error
}

// turnsPlan is how timeInTurns splits its calls: rounds windows of calls
// per side, each after a warm-up of warmMs.
type turnsPlan struct {
	rounds, calls, warmMs int
}

func turnsFor(quick bool) turnsPlan {
	if quick {
		return turnsPlan{rounds: 4, calls: 50, warmMs: 200}
	}
	return turnsPlan{rounds: 10, calls: 60, warmMs: 200}
}

// turnOrder is the order of the sides in round r: rotated, so that no
// side always follows the same one.
func turnOrder(sides, r int) []int {
	o := make([]int, sides)
	for j := range o {
		o[j] = (j + r) % sides
	}
	return o
}

// turnsResult is what timeTurns measured, by side: every call's ms, the
// calls of each round, the page's state after its first inference, and
// the CPU of its Chromium's threads over its windows.
type turnsResult struct {
	all    []dist
	rounds [][][]float64 // [side][round]: ms per call
	states []pageState
	cpu    []turnCPU
	// rest is, by side and round, the cores everything but the page's
	// own Chromium kept busy during its window.
	rest [][]float64
	load string // the load average at the end
}

// turnCPU is one side's CPU over its timed windows, ms by kind of
// Chromium thread (threadShares), and the windows' wall ms.
type turnCPU struct {
	calls                       int
	wallMs                      float64
	workers, page, pools, other float64
	// busy and all are the machine's CPU jiffies over the windows
	// (/proc/stat): busy/all is how much of every core something used,
	// this page or any other program.
	busy, all uint64
}

// machineBusy is the share of the machine's CPU in use over the windows.
func (c turnCPU) machineBusy() float64 {
	if c.all == 0 {
		return 0
	}
	return float64(c.busy) / float64(c.all)
}

// cores is the CPU the side's Chromium used per wall second of its windows.
func (c turnCPU) cores() float64 {
	if c.wallMs <= 0 {
		return 0
	}
	return (c.workers + c.page + c.pools + c.other) / c.wallMs
}

// rest is the cores everything but this page's Chromium kept busy: the
// machine's busy share of all its cores less the page's own; -1 when
// /proc/stat was not read.
func (c turnCPU) rest() float64 {
	if c.all == 0 {
		return -1
	}
	return max(c.machineBusy()*float64(runtime.NumCPU())-c.cores(), 0)
}

// quietRounds keeps the rounds in which both sides' windows had the rest
// of the machine below limit cores (rest: by side and round, -1 unknown)
// and returns a's and b's calls of those rounds.
func quietRounds(a, b [][]float64, restA, restB []float64, limit float64) (qa, qb [][]float64) {
	for r := 0; r < min(len(a), len(b), len(restA), len(restB)); r++ {
		if restA[r] >= 0 && restB[r] >= 0 && restA[r] < limit && restB[r] < limit {
			qa, qb = append(qa, a[r]), append(qb, b[r])
		}
	}
	return qa, qb
}

// timeInTurns is timeTurns' per-call distributions and load.
func timeInTurns(ctx context.Context, e *env, sides []turnSide, plan turnsPlan) ([]dist, string, error) {
	r, err := timeTurns(ctx, e, sides, plan)
	if err != nil {
		return nil, "", err
	}
	return r.all, r.load, nil
}

// timeTurns opens each side's page at once, each in its own Chromium
// (served cross-origin isolated, as pageRuns serves it), waits for each
// page's first inference, then for its service worker to control it and
// (pwagen's pages) model.offlineReady to settle, warms each up for a
// second, then times windows of calls from the pages in turn: the
// machine's load falls on every side alike, where timing one side minutes
// after the other (pageRuns) gave ratios that moved with whatever else
// ran. Around each window it reads the CPU of the page's Chromium by
// thread (/proc/TID/schedstat), outside the timed calls.
func timeTurns(ctx context.Context, e *env, sides []turnSide, plan turnsPlan) (*turnsResult, error) {
	ctx, cancelAll := context.WithTimeout(ctx, 10*time.Minute)
	defer cancelAll()
	res := &turnsResult{rounds: make([][][]float64, len(sides)), states: make([]pageState, len(sides)), cpu: make([]turnCPU, len(sides)), rest: make([][]float64, len(sides))}
	bctxs := make([]context.Context, len(sides))
	for i, s := range sides {
		srv, err := startServer(s.dir, nil)
		if err != nil {
			return nil, err
		}
		srv.isolate = true
		defer srv.stop()
		bctx, cancel, err := browser(ctx, e.o.work)
		if err != nil {
			return nil, err
		}
		defer cancel()
		if err := navigate(bctx, srv.URL+s.query); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		if err := waitFor(bctx, benchDoneJS, benchStateJS, 120*time.Second); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		st, err := eval[pageState](bctx, `window.__bench`)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		if st.Error != "" {
			return nil, fmt.Errorf("%s: the page failed: %s", s.name, oneLine(st.Error))
		}
		if s.check != nil {
			if err := s.check(st); err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
		}
		res.states[i] = st
		bctxs[i] = bctx
	}
	// What a page does after its first inference is not what a call
	// costs: pwagen's pool starts its other worker, stores the weights and
	// installs the service worker then, and calls in the first second or
	// two took 2-5 times as long (bench _pathab). Each page's service
	// worker in control and pwagen's model.offlineReady settled (ORT's
	// pages have no such flag), then a settling second, before any window.
	for i, bctx := range bctxs {
		if err := waitFor(bctx, `navigator.serviceWorker.controller`, `'no controller'`, 30*time.Second); err != nil {
			logf("   %s: %v (timed anyway)", sides[i].name, err)
		}
		if err := waitFor(bctx, `window.__bench.settled !== false`, `'start-up work still running'`, 15*time.Second); err != nil {
			logf("   %s: %v (timed anyway)", sides[i].name, err)
		}
	}
	time.Sleep(time.Second)
	window := func(i, warmMs, calls int) ([]float64, error) {
		ms, err := eval[[]float64](bctxs[i], fmt.Sprintf("%s(%d, %d, %d)", timeCallsJS, warmMs, calls, 60000))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sides[i].name, err)
		}
		return ms, nil
	}
	for i := range sides {
		if _, err := window(i, 1000, 1); err != nil {
			return nil, err
		}
	}
	all := make([][]float64, len(sides))
	for r := 0; r < plan.rounds; r++ {
		for _, i := range turnOrder(len(sides), r) {
			// The warm-up first, then the window with the CPU read
			// around it, so the CPU is the timed calls' own.
			if _, err := eval[[]float64](bctxs[i], fmt.Sprintf("%s(%d, 0, 0)", timeCallsJS, plan.warmMs)); err != nil {
				return nil, fmt.Errorf("%s: %w", sides[i].name, err)
			}
			pid := browserPid(bctxs[i])
			before := threadCPU(pid)
			b0u, a0u := procStatCPU()
			t0 := time.Now()
			ms, err := window(i, 0, plan.calls)
			wall := float64(time.Since(t0).Nanoseconds()) / 1e6
			b1u, a1u := procStatCPU()
			if err != nil {
				return nil, err
			}
			w, p, pl, o := threadShares(before, threadCPU(pid))
			c := &res.cpu[i]
			c.calls += len(ms)
			c.wallMs += wall
			c.workers += w
			c.page += p
			c.pools += pl
			c.other += o
			c.busy += b1u - b0u
			c.all += a1u - a0u
			own := turnCPU{wallMs: wall, workers: w, page: p, pools: pl, other: o, busy: b1u - b0u, all: a1u - a0u}
			res.rest[i] = append(res.rest[i], own.rest())
			all[i] = append(all[i], ms...)
			res.rounds[i] = append(res.rounds[i], ms)
		}
	}
	res.all = make([]dist, len(sides))
	var parts []string
	for i := range sides {
		res.all[i] = distOf(all[i])
		parts = append(parts, fmt.Sprintf("%s %s", sides[i].name, fmtMsDist(res.all[i])))
	}
	res.load = loadAvg()
	logf("   in turns (load %s): %s", res.load, strings.Join(parts, ", "))
	return res, nil
}

// roundRatios is, round by round, the median call of side a over the
// median call of side b (a's time ÷ b's: b's speed-up over a), for the
// rounds both sides have; a round with no calls on either side is left
// out.
func roundRatios(a, b [][]float64) []float64 {
	var out []float64
	for r := 0; r < min(len(a), len(b)); r++ {
		if len(a[r]) == 0 || len(b[r]) == 0 {
			continue
		}
		ma, mb := medianOf(a[r]), medianOf(b[r])
		if mb <= 0 {
			continue
		}
		out = append(out, ma/mb)
	}
	return out
}

// ratioSummary is a set of per-round ratios: their median, the best
// (highest) and the lowest.
type ratioSummary struct {
	n                 int
	median, best, low float64
}

func summarizeRatios(rs []float64) ratioSummary {
	if len(rs) == 0 {
		return ratioSummary{}
	}
	s := slices.Clone(rs)
	slices.Sort(s)
	return ratioSummary{n: len(s), median: median(s), best: s[len(s)-1], low: s[0]}
}

func (r ratioSummary) String() string {
	if r.n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f× (best %.2f×, %.2f–%.2f× over %d rounds)", r.median, r.best, r.low, r.best, r.n)
}

// procStatCPU is the machine's busy and total CPU jiffies (the first
// line of /proc/stat); 0, 0 if unreadable.
func procStatCPU() (busy, all uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	return parseProcStat(string(b))
}

// parseProcStat reads the "cpu" line of /proc/stat: busy is every field
// but idle and iowait (the 4th and 5th), all every field but guest and
// guest_nice (already counted in user and nice).
func parseProcStat(s string) (busy, all uint64) {
	line, _, _ := strings.Cut(s, "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:] {
		if i >= 8 {
			break
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, 0
		}
		all += n
		if i != 3 && i != 4 {
			busy += n
		}
	}
	return busy, all
}
