// Command bench measures pwagen against the tools users would pick instead
// (Workbox with esbuild and html-minifier-terser; Vite with
// vite-plugin-pwa) and against native Go, and rewrites BENCHMARKS.md.
//
//	go run ./bench            # full run, 5 to 10 minutes on 2 cores
//	go run ./bench --quick    # fewer runs and sizes, a few minutes
//
// It needs Go, node and npm (for the comparison tools only, installed with
// `npm ci` into bench/node) and Chromium (/usr/bin/chromium or
// $PWAGEN_CHROMIUM), and gcc (or $CC) for the C side of the kernel
// comparison. Nothing here is part of `go test ./...` except the
// unit tests of its own code.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// options are the command line.
type options struct {
	quick    bool
	runs     int    // measured runs per figure, after one warm-up
	out      string // the report, BENCHMARKS.md at the repository root
	work     string // scratch folder, bench/work
	only     string // comma-separated section keys, or "" for all
	repo     string // the repository root
	verbose  bool
	models   string // comma-separated ONNX models for the onnx and ort sections, "" for all
	sections map[string]bool
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == childCmd {
		os.Exit(childMain(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == edgeCmd {
		os.Exit(edgeMain(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == coldABCmd {
		os.Exit(coldABMain(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == pathABCmd {
		os.Exit(pathABMain(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == digitABCmd {
		os.Exit(digitABMain(os.Args[2:]))
	}
	var o options
	flag.BoolVar(&o.quick, "quick", false, "fewer runs and sizes (a smoke run, not for publishing)")
	flag.IntVar(&o.runs, "runs", 0, "measured runs per figure after a warm-up (default 5, 2 with --quick)")
	flag.StringVar(&o.out, "out", "", "report to write (default BENCHMARKS.md at the repository root)")
	flag.StringVar(&o.work, "work", "", "scratch folder (default bench/_work)")
	flag.StringVar(&o.only, "only", "", "run only these sections: "+strings.Join(sectionKeys(), ","))
	flag.BoolVar(&o.verbose, "v", false, "log every command")
	flag.StringVar(&o.models, "models", "", "onnx and ort sections: only these models (torch fixture names, or wakeword)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, &o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o *options) error {
	repo, err := repoRoot()
	if err != nil {
		return err
	}
	o.repo = repo
	if o.runs <= 0 {
		o.runs = 5
		if o.quick {
			o.runs = 2
		}
	}
	if o.out == "" {
		o.out = filepath.Join(repo, "BENCHMARKS.md")
	}
	if o.work == "" {
		o.work = filepath.Join(repo, "bench", "_work")
	}
	if o.work, err = filepath.Abs(o.work); err != nil {
		return err
	}
	o.sections = map[string]bool{}
	for _, k := range strings.Split(o.only, ",") {
		if k = strings.TrimSpace(k); k != "" {
			if !validSection(k) {
				return fmt.Errorf("--only %s: no such section; choose from %s", k, strings.Join(sectionKeys(), ","))
			}
			o.sections[k] = true
		}
	}
	if err := os.MkdirAll(o.work, 0o755); err != nil {
		return err
	}
	start := time.Now()
	e, err := newEnv(ctx, o)
	if err != nil {
		return err
	}
	defer e.close()
	rep := &report{opts: o, started: start}
	rep.machine = machineInfo()
	rep.machine = append(rep.machine, [2]string{"load average (1, 5, 15 min) at start", loadAvg()})
	rep.versions = e.versions(ctx)
	for _, s := range sections {
		if len(o.sections) > 0 && !o.sections[s.key] {
			rep.add(s, "", fmt.Errorf("not run (--only %s)", o.only))
			continue
		}
		logf("== %s", s.title)
		t0 := time.Now()
		body, err := s.run(ctx, e)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			logf("   not measured: %v", err)
		}
		logf("   %s", time.Since(t0).Round(time.Second))
		rep.add(s, body, err)
	}
	rep.elapsed = time.Since(start)
	rep.machine = append(rep.machine, [2]string{"load average (1, 5, 15 min) at end", loadAvg()})
	if err := os.WriteFile(o.out, rep.markdown(), 0o644); err != nil {
		return err
	}
	logf("wrote %s in %s", o.out, rep.elapsed.Round(time.Second))
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// repoRoot is the folder of the go.mod of github.com/pwagen/pwagen, found
// from the working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.HasPrefix(string(b), "module github.com/pwagen/pwagen\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("run from inside the pwagen repository (no go.mod of github.com/pwagen/pwagen above %s)", dir)
		}
	}
}
