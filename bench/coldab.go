package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// coldABCmd compares the cold start of packages side by side: the pages
// of several folders (each a packaged site, pwagen's or the ORT page's,
// with an optional ?query), visited in turn, each visit in a fresh
// Chromium profile, so that the machine's load falls on every side alike.
// It prints the median time to first inference (cold, and warm offline
// with --offline), each side's median loader stages (info.stages) and the
// first round's request timeline as the server saw it (every target:
// page, workers, service worker).
//
//	go run ./bench _coldab [--n 6] [--offline] OLD/dist NEW/dist ORT/ort-site?threads=1
const coldABCmd = "_coldab"

func coldABMain(args []string) int {
	fs := flag.NewFlagSet(coldABCmd, flag.ContinueOnError)
	n := fs.Int("n", 6, "rounds: each side is visited once per round, in a rotated order")
	offline := fs.Bool("offline", false, "after each cold visit, a warm online visit then a warm offline one (server stopped)")
	work := fs.String("work", os.TempDir(), "folder for the Chromium profiles")
	if err := fs.Parse(args); err != nil || fs.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: bench _coldab [--n N] [--offline] DIST[?QUERY]...")
		return 2
	}
	ctx := context.Background()
	sides := fs.Args()
	res := make([]abSide, len(sides))
	for r := 0; r < *n; r++ {
		for j := range sides {
			i := (j + r) % len(sides)
			dir, q, _ := strings.Cut(sides[i], "?")
			if q != "" {
				q = "?" + q
			}
			v, err := abVisit(ctx, *work, dir, q, *offline, r == 0)
			if err != nil {
				fmt.Fprintf(os.Stderr, "bench _coldab: %s, round %d: %v\n", sides[i], r+1, err)
				return 1
			}
			res[i].add(v)
			fmt.Fprintf(os.Stderr, "round %d %s: cold %.0f ms, offline %.0f ms\n", r+1, sides[i], v.cold, v.offline)
		}
	}
	fmt.Printf("load average %s\n\n", loadAvg())
	for i, s := range sides {
		fmt.Printf("%s: cold %s, warm offline %s\n", s, msRange(res[i].cold), msRange(res[i].offline))
	}
	// Stages: the union of names, by median time.
	names := map[string]bool{}
	for _, s := range res {
		for _, m := range s.stages {
			for k := range m {
				names[k] = true
			}
		}
	}
	keys := make([]string, 0, len(names))
	med := func(s abSide, k string) (float64, bool) {
		var v []float64
		for _, m := range s.stages {
			if t, ok := m[k]; ok {
				v = append(v, t)
			}
		}
		if len(v) == 0 {
			return 0, false
		}
		return medianOf(v), true
	}
	for k := range names {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		ta, _ := med(res[0], keys[a])
		tb, _ := med(res[0], keys[b])
		return ta < tb || ta == tb && keys[a] < keys[b]
	})
	fmt.Printf("\n%-22s", "stage (median ms)")
	for i := range sides {
		fmt.Printf(" %10s", fmt.Sprintf("side %d", i+1))
	}
	fmt.Println()
	for _, k := range keys {
		fmt.Printf("%-22s", k)
		for _, s := range res {
			if t, ok := med(s, k); ok {
				fmt.Printf(" %10.0f", t)
			} else {
				fmt.Printf(" %10s", "–")
			}
		}
		fmt.Println()
	}
	// The same, ms after each visit's own loadModel(): without the page's
	// start, whose noise is the largest.
	fmt.Printf("\n%-22s", "after loadModel()")
	for i := range sides {
		fmt.Printf(" %10s", fmt.Sprintf("side %d", i+1))
	}
	fmt.Println()
	for _, k := range keys {
		fmt.Printf("%-22s", k)
		for _, s := range res {
			var v []float64
			for _, m := range s.stages {
				t, ok := m[k]
				t0, ok0 := m["loadModel"]
				if ok && ok0 {
					v = append(v, t-t0)
				}
			}
			if len(v) > 0 {
				fmt.Printf(" %10.0f", medianOf(v))
			} else {
				fmt.Printf(" %10s", "–")
			}
		}
		fmt.Println()
	}
	if *offline {
		fmt.Printf("\n%-22s", "offline, after loadModel()")
		fmt.Println()
		offKeys := map[string]bool{}
		for _, s := range res {
			for _, m := range s.offStages {
				for k := range m {
					offKeys[k] = true
				}
			}
		}
		ks := make([]string, 0, len(offKeys))
		for k := range offKeys {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			fmt.Printf("%-22s", k)
			for _, s := range res {
				var v []float64
				for _, m := range s.offStages {
					if t, ok := m[k]; ok {
						v = append(v, t-m["loadModel"])
					}
				}
				if len(v) > 0 {
					fmt.Printf(" %10.0f", medianOf(v))
				} else {
					fmt.Printf(" %10s", "–")
				}
			}
			fmt.Println()
		}
	}
	for i, s := range sides {
		fmt.Printf("\nrequests of %s, round 1 (ms after the page's request: arrived → response ended):\n%s", s, res[i].requests)
	}
	return 0
}

type abResult struct {
	cold, offline float64
	stages        map[string]float64
	offStages     map[string]float64 // the warm offline visit's
	requests      string
}

type abSide struct {
	cold, offline []float64
	stages        []map[string]float64
	offStages     []map[string]float64
	requests      string
}

func (s *abSide) add(v abResult) {
	s.cold = append(s.cold, v.cold)
	if v.offline > 0 {
		s.offline = append(s.offline, v.offline)
	}
	if v.stages != nil {
		s.stages = append(s.stages, v.stages)
	}
	if v.offStages != nil {
		s.offStages = append(s.offStages, v.offStages)
	}
	if v.requests != "" {
		s.requests = v.requests
	}
}

// abVisit is one cold visit of dir's page (then warm online and warm
// offline ones with offline) in a fresh profile.
func abVisit(ctx context.Context, work, dir, q string, offline, logRequests bool) (abResult, error) {
	var v abResult
	ctx, cancelRun := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelRun()
	srv, err := startServer(dir, nil)
	if err != nil {
		return v, err
	}
	srv.isolate = true
	var mu sync.Mutex
	var lines []string
	var t0 time.Time
	srv.onServed = func(path string, start, end time.Time) {
		mu.Lock()
		defer mu.Unlock()
		if t0.IsZero() || start.Before(t0) {
			t0 = start
		}
		lines = append(lines, fmt.Sprintf("%s\x00%s", start.Format(time.RFC3339Nano), path+"\x00"+end.Format(time.RFC3339Nano)))
	}
	defer srv.stop()
	if err := os.MkdirAll(work, 0o755); err != nil {
		return v, err
	}
	bctx, cancel, err := browser(ctx, work)
	if err != nil {
		return v, err
	}
	defer cancel()
	visit := func() (pageState, error) {
		if err := navigate(bctx, srv.URL+q); err != nil {
			return pageState{}, err
		}
		if err := waitFor(bctx, benchDoneJS, benchStateJS, 120*time.Second); err != nil {
			return pageState{}, err
		}
		s, err := eval[pageState](bctx, `window.__bench`)
		if err == nil && s.Error != "" {
			err = fmt.Errorf("the page failed: %s", s.Error)
		}
		return s, err
	}
	s, err := visit()
	if err != nil {
		return v, fmt.Errorf("cold visit: %w", err)
	}
	v.cold, v.stages = s.TTFI, s.Info.Stages
	if s.Info.InitMs > 0 {
		v.stages = map[string]float64{"ortInitStart": s.TTFI - s.Info.InitMs, "ortInitDone": 0}
	}
	if logRequests {
		pt, err := eval[string](bctx, pageTimingJS)
		if err != nil {
			return v, err
		}
		v.requests = pt + "  server:\n"
		mu.Lock()
		sort.Strings(lines)
		var b strings.Builder
		for _, l := range lines {
			f := strings.Split(l, "\x00")
			a, _ := time.Parse(time.RFC3339Nano, f[0])
			e, _ := time.Parse(time.RFC3339Nano, f[2])
			fmt.Fprintf(&b, "  %6.0f → %6.0f  %s\n", msOf(a.Sub(t0)), msOf(e.Sub(t0)), filepath.Base(f[1]))
		}
		v.requests += b.String()
		mu.Unlock()
	}
	if !offline {
		return v, nil
	}
	if err := waitFor(bctx, `navigator.serviceWorker.controller`, `'no controller'`, 30*time.Second); err != nil {
		return v, err
	}
	time.Sleep(500 * time.Millisecond)
	if _, err := visit(); err != nil {
		return v, fmt.Errorf("warm online visit: %w", err)
	}
	time.Sleep(500 * time.Millisecond)
	srv.stop()
	if s, err = visit(); err != nil {
		return v, fmt.Errorf("offline visit: %w", err)
	}
	v.offline = s.TTFI
	v.offStages = s.Info.Stages
	return v, nil
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// pageTimingJS is the page's own view of round 1: navigation timing, its
// resources (start → end, ms from navigation start) and the loader's stages.
const pageTimingJS = `(() => {
  const n = performance.getEntriesByType('navigation')[0];
  const out = ['  page: response ' + Math.round(n.responseStart) + '–' + Math.round(n.responseEnd) + ', domInteractive ' + Math.round(n.domInteractive) + ', DCL ' + Math.round(n.domContentLoadedEventStart)];
  for (const r of performance.getEntriesByType('resource')) out.push('  ' + String(Math.round(r.startTime)).padStart(6) + ' → ' + String(Math.round(r.responseEnd)).padStart(6) + '  ' + r.name.split('/').pop() + ' (' + r.initiatorType + ')');
  const st = window.__bench?.info?.stages || {};
  out.push('  stages: ' + Object.entries(st).map(([k, v]) => k + ' ' + v).join(', '));
  return out.join('\\n') + '\\n';
})()`
