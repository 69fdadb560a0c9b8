package main

import (
	"context"
	"fmt"
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

// timeInTurns opens each side's page at once, each in its own Chromium
// (served cross-origin isolated, as pageRuns serves it), waits for each
// page's first inference, warms each up for a second, then times windows
// of calls from the pages in turn: the machine's load falls on every side
// alike, where timing one side minutes after the other (pageRuns) gave
// ratios that moved with whatever else ran. It returns each side's ms per
// call over all its windows, and the load average at the end.
func timeInTurns(ctx context.Context, e *env, sides []turnSide, plan turnsPlan) ([]dist, string, error) {
	ctx, cancelAll := context.WithTimeout(ctx, 10*time.Minute)
	defer cancelAll()
	bctxs := make([]context.Context, len(sides))
	for i, s := range sides {
		srv, err := startServer(s.dir, nil)
		if err != nil {
			return nil, "", err
		}
		srv.isolate = true
		defer srv.stop()
		bctx, cancel, err := browser(ctx, e.o.work)
		if err != nil {
			return nil, "", err
		}
		defer cancel()
		if err := navigate(bctx, srv.URL+s.query); err != nil {
			return nil, "", fmt.Errorf("%s: %w", s.name, err)
		}
		if err := waitFor(bctx, benchDoneJS, benchStateJS, 120*time.Second); err != nil {
			return nil, "", fmt.Errorf("%s: %w", s.name, err)
		}
		st, err := eval[pageState](bctx, `window.__bench`)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", s.name, err)
		}
		if st.Error != "" {
			return nil, "", fmt.Errorf("%s: the page failed: %s", s.name, oneLine(st.Error))
		}
		if s.check != nil {
			if err := s.check(st); err != nil {
				return nil, "", fmt.Errorf("%s: %w", s.name, err)
			}
		}
		bctxs[i] = bctx
	}
	// What a page does after its first inference is not what a call
	// costs: pwagen's pool starts its other worker, stores the weights and
	// installs the service worker then, and calls in the first second or
	// two took 2-5 times as long (bench _pathab). Each page's service
	// worker in control, then a settling second, before any window.
	for i, bctx := range bctxs {
		if err := waitFor(bctx, `navigator.serviceWorker.controller`, `'no controller'`, 30*time.Second); err != nil {
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
			return nil, "", err
		}
	}
	all := make([][]float64, len(sides))
	for r := 0; r < plan.rounds; r++ {
		for _, i := range turnOrder(len(sides), r) {
			ms, err := window(i, plan.warmMs, plan.calls)
			if err != nil {
				return nil, "", err
			}
			all[i] = append(all[i], ms...)
		}
	}
	out := make([]dist, len(sides))
	var parts []string
	for i := range sides {
		out[i] = distOf(all[i])
		parts = append(parts, fmt.Sprintf("%s %s", sides[i].name, fmtMsDist(out[i])))
	}
	load := loadAvg()
	logf("   in turns (load %s): %s", load, strings.Join(parts, ", "))
	return out, load, nil
}
