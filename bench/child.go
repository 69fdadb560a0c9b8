package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/packager"
)

// childCmd runs `pwagen package` in a process of its own, so its wall time
// and peak memory are measured like any other tool's, with each stage
// timed. With --wasm the "compile model" stage reads a prebuilt .wasm
// instead of running go build: packaging without the Go compile.
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
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: bench _package [--wasm FILE] PROJECT OUT")
		return 2
	}
	res, err := packageInProcess(context.Background(), fs.Arg(0), fs.Arg(1), *wasm)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench _package:", err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// timed wraps a packager stage to record its wall time.
type timed struct {
	packager.Stage
	run   func(ctx context.Context, b *packager.Build) error
	times *[]stageTime
}

func (t timed) Run(ctx context.Context, b *packager.Build) error {
	start := time.Now()
	err := t.run(ctx, b)
	*t.times = append(*t.times, stageTime{t.String(), float64(time.Since(start)) / 1e6})
	return err
}

func packageInProcess(ctx context.Context, dir, out, wasm string) (*childResult, error) {
	cfg, err := config.Load(dir)
	if err != nil {
		return nil, err
	}
	var times []stageTime
	replaced := false
	pipeline := make([]packager.Stage, len(packager.Pipeline))
	for i, s := range packager.Pipeline {
		run := s.Run
		if wasm != "" && s.String() == "compile model" {
			replaced = true
			run = func(ctx context.Context, b *packager.Build) error {
				b.Wasm, err = os.ReadFile(wasm)
				return err
			}
		}
		pipeline[i] = timed{Stage: s, run: run, times: &times}
	}
	if wasm != "" && !replaced {
		return nil, fmt.Errorf("packager.Pipeline has no stage named \"compile model\" to replace with --wasm; update bench/child.go")
	}
	packager.Pipeline = pipeline
	start := time.Now()
	if err := packager.Run(ctx, packager.NewBuild(cfg, out)); err != nil {
		return nil, err
	}
	total := float64(time.Since(start)) / 1e6
	sum := 0.0
	for _, t := range times {
		sum += t.Ms
	}
	return &childResult{Stages: times, Write: total - sum, Total: total}, nil
}
