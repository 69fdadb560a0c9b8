package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/packager"
)

// childCmd runs `pwagen package` in a process of its own, so its wall time
// and peak memory are measured like any other tool's, with each stage
// timed. With --wasm the build starts with packager.Build.Wasm set to a
// prebuilt .wasm, so the "compile model" stage skips go build: packaging
// without the Go compile.
const childCmd = "_package"

// stageTime is one stage's wall time in a child run.
type stageTime struct {
	Name string  `json:"name"`
	Ms   float64 `json:"ms"`
}

type childResult struct {
	Stages []stageTime `json:"stages"`
	Write  float64     `json:"write_ms"` // writing OUT, after the last stage
	Total  float64     `json:"total_ms"`
}

func childMain(args []string) int {
	fs := flag.NewFlagSet(childCmd, flag.ContinueOnError)
	wasm := fs.String("wasm", "", "prebuilt model .wasm: skip the Go compile")
	noKernels := fs.Bool("no-kernels", false, "as with kernels = false in pwagen.toml (build --wasm with -tags "+packager.NoKernelsTag+")")
	noPre := fs.Bool("no-precompress", false, "as with [deploy] precompress = false in pwagen.toml")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the packaging runs to this file (go tool pprof)")
	repeat := fs.Int("repeat", 1, "package this many times in this process (with --cpuprofile: more samples); the last run's stages are printed")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: bench _package [--wasm FILE] [--no-kernels] PROJECT OUT")
		return 2
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench _package:", err)
			return 1
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	var res *childResult
	for range max(*repeat, 1) {
		var err error
		if res, err = packageInProcess(context.Background(), fs.Arg(0), fs.Arg(1), *wasm, *noKernels, *noPre); err != nil {
			fmt.Fprintln(os.Stderr, "bench _package:", err)
			return 1
		}
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

func packageInProcess(ctx context.Context, dir, out, wasm string, noKernels, noPrecompress bool) (*childResult, error) {
	cfg, err := config.Load(dir)
	if err != nil {
		return nil, err
	}
	if noKernels {
		cfg.Model.Kernels = false
	}
	if noPrecompress {
		cfg.Deploy.Precompress = false
	}
	b := packager.NewBuild(cfg, out)
	if wasm != "" {
		// packager's hook: a Build whose Wasm is set before Run packages
		// that module, and its "compile model" stage does nothing.
		if b.Wasm, err = os.ReadFile(wasm); err != nil {
			return nil, err
		}
	}
	var times []stageTime
	b.StageDone = func(stage string, d time.Duration) {
		times = append(times, stageTime{stage, float64(d) / 1e6})
	}
	start := time.Now()
	if err := packager.Run(ctx, b); err != nil {
		return nil, err
	}
	total := float64(time.Since(start)) / 1e6
	sum := 0.0
	for _, t := range times {
		sum += t.Ms
	}
	return &childResult{Stages: times, Write: total - sum, Total: total}, nil
}
