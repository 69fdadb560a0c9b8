package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/pwagen/pwagen/edgegen"
	"github.com/pwagen/pwagen/kernels/native"
	"github.com/pwagen/pwagen/runner"
)

// edgeCmd times the runner with the native kernels (what the edge
// executable runs on amd64 with AVX2) in a process of its own. A bench
// built without GOEXPERIMENT=simd has no native kernels: it builds itself
// again with the experiment, as edgegen builds the executable
// (edgegen.SIMDExperiment), and runs this command of that build.
const edgeCmd = "_edge"

// edgeResult is what edgeCmd prints: per-call ms and the output as
// float32 bits (compared bit for bit with wazero's).
type edgeResult struct {
	Ms  []float64 `json:"ms"`
	Out []uint32  `json:"out"`
}

func edgeMain(args []string) int {
	fs := flag.NewFlagSet(edgeCmd, flag.ContinueOnError)
	quick := fs.Bool("quick", false, "fewer calls, as bench --quick")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: bench _edge [--quick] MODEL.wasm WEIGHTS")
		return 2
	}
	wasm, err := os.ReadFile(fs.Arg(0))
	if err == nil {
		var w []byte
		if w, err = os.ReadFile(fs.Arg(1)); err == nil {
			var r edgeResult
			if r, err = edgeInProcess(context.Background(), wasm, w, *quick); err == nil {
				json.NewEncoder(os.Stdout).Encode(r)
				return 0
			}
		}
	}
	fmt.Fprintln(os.Stderr, "bench _edge:", err)
	return 1
}

// edgeInProcess loads wasm with the native kernels and times calls on the
// bench's input.
func edgeInProcess(ctx context.Context, wasm, w []byte, quick bool) (edgeResult, error) {
	if !native.Available() {
		return edgeResult{}, fmt.Errorf("no native kernels in this build (%s/%s)", runtime.GOOS, runtime.GOARCH)
	}
	em, err := runner.Load(ctx, wasm, w, runner.Options{Uninterruptible: true, Native: true})
	if err != nil {
		return edgeResult{}, fmt.Errorf("runner.Load (native): %w", err)
	}
	defer em.Close(ctx)
	in := make([]float32, em.InputLen())
	for i := range in {
		in[i] = inputValue(i)
	}
	var out []float32
	ms, err := timeCallsMs(quick, func() error {
		out, err = em.Predict(ctx, in)
		return err
	})
	if err != nil {
		return edgeResult{}, err
	}
	r := edgeResult{Ms: ms, Out: make([]uint32, len(out))}
	for i, v := range out {
		r.Out[i] = math.Float32bits(v)
	}
	return r, nil
}

// simdBench is this bench built with GOEXPERIMENT=simd, once per run, or
// why there is none.
type simdBench struct {
	once sync.Once
	path string
	err  error
}

var simdSelf simdBench

// edgeTimes times the native kernels on a model: in this process when it
// has them, else in the GOEXPERIMENT=simd build of the bench.
func (e *env) edgeTimes(ctx context.Context, wasmPath, weightsPath string, wasm, w []byte) (edgeResult, error) {
	if native.Available() {
		return edgeInProcess(ctx, wasm, w, e.o.quick)
	}
	simdSelf.once.Do(func() {
		exp, ok := edgegen.SIMDExperiment(ctx, edgegen.Platform{OS: runtime.GOOS, Arch: runtime.GOARCH})
		if !ok {
			simdSelf.err = fmt.Errorf("not amd64, or the Go toolchain has no GOEXPERIMENT=simd")
			return
		}
		p := filepath.Join(e.o.work, "bench-simd")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", p, "./bench")
		cmd.Dir = e.o.repo
		cmd.Env = append(os.Environ(), "GOEXPERIMENT="+exp, "CGO_ENABLED=0")
		cmd.WaitDelay = time.Second
		if out, err := cmd.CombinedOutput(); err != nil {
			simdSelf.err = fmt.Errorf("go build ./bench with GOEXPERIMENT=%s: %v\n%s", exp, err, tail(string(out)))
			return
		}
		simdSelf.path = p
	})
	if simdSelf.err != nil {
		return edgeResult{}, simdSelf.err
	}
	args := []string{edgeCmd}
	if e.o.quick {
		args = append(args, "--quick")
	}
	cmd := exec.CommandContext(ctx, simdSelf.path, append(args, wasmPath, weightsPath)...)
	cmd.WaitDelay = time.Second
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return edgeResult{}, fmt.Errorf("%s: %v: %s", edgeCmd, err, stderr.String())
	}
	var r edgeResult
	if err := json.Unmarshal(out, &r); err != nil {
		return edgeResult{}, fmt.Errorf("%s: %v", edgeCmd, err)
	}
	return r, nil
}

// limitedBuffer keeps the first 64 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if n := 64<<10 - len(l.b); n > 0 {
		l.b = append(l.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
