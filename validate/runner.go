package validate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// DefaultTimeLimit is how long one measured run of the model (initialize,
// load weights, one predict) may take when Options.TimeLimit is 0.
const DefaultTimeLimit = 2 * time.Minute

func (v *check) timeLimit() time.Duration {
	if v.o.TimeLimit > 0 {
		return v.o.TimeLimit
	}
	return DefaultTimeLimit
}

// measure runs the model as the loader does, under a memory limit equal to
// the budget and the time limit, and records the peak linear memory.
func (v *check) measure(ctx context.Context) error {
	if !v.compiled || v.noRun != "" {
		if v.noRun != "" {
			v.r.Notes = append(v.r.Notes, "not run: "+v.noRun)
		}
		return nil
	}
	// Linear memories in mappings (linmem_linux.go), unmapped after the
	// runtime is closed; left mapped when a signal leaves it open.
	outer := ctx
	ctx, release := mappedMemory(ctx)
	defer func() {
		if outer.Err() == nil {
			release()
		}
	}()
	rt := wazero.NewRuntimeWithConfig(ctx, v.runConfig())
	defer closeRuntime(ctx, rt)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return stopped(ctx, err)
	}
	cm, err := compile(ctx, rt, v.wasm)
	if err != nil {
		return stopped(ctx, &InvalidError{fmt.Errorf("wazero: %w", err)})
	}
	out := &tailBuffer{}
	// kernels.go: named "model", linked with the SIMD kernels if it imports them.
	mod, err := v.instantiate(ctx, rt, cm, wazero.NewModuleConfig().
		WithStderr(out).WithStdout(out).WithRandSource(zeroReader{}))
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		v.problem("run", "instantiating failed: %v", err)
		return nil
	}
	r, stop := newRunner(ctx, mod, out, v.timeLimit())
	defer stop()
	r.steps(v.weights)
	if ctx.Err() != nil { // a signal, not the time limit: stop validating
		return context.Cause(ctx)
	}
	v.contractOf(r)
	if mem := mod.Memory(); mem != nil {
		peak := uint64(mem.Size())
		v.r.Memory.PeakBytes = &peak
	}
	if note := out.droppedNote(); note != "" {
		v.r.Notes = append(v.r.Notes, note)
	}
	if r.err != nil {
		v.runProblem(r)
		return nil
	}
	v.r.Notes = append(v.r.Notes, r.did)
	return nil
}

// stopped is err, or the reason ctx ended when it has.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// runner calls the ABI in the loader's order; the first error sticks.
type runner struct {
	ctx     context.Context // ends at the time limit; wazero then stops the model
	limit   time.Duration
	start   time.Time
	elapsed time.Duration // from start to the first error
	mod     api.Module
	out     *tailBuffer
	step    string // initialize, load weights or predict
	stage   string // the ABI function called last
	err     error
	// failStep and failStage are step and stage when err happened.
	failStep, failStage string
	did                 string
	// The contract (contract.go): the parsed pwagen_signature, what is
	// wrong with it, and a v1 model's pwagen_input_len (-1: not called).
	sig         *signature
	contractErr error
	inputLen    int
}

func newRunner(ctx context.Context, mod api.Module, out *tailBuffer, limit time.Duration) (*runner, context.CancelFunc) {
	rctx, cancel := context.WithTimeout(ctx, limit)
	return &runner{ctx: rctx, limit: limit, start: time.Now(), mod: mod, out: out, inputLen: -1}, cancel
}

func (r *runner) fail(err error) {
	if r.err == nil {
		r.err, r.elapsed = err, time.Since(r.start)
		r.failStep, r.failStage = r.step, r.stage
	}
}

func (r *runner) call(name string, args ...uint64) uint32 {
	if r.err != nil {
		return 0
	}
	r.stage = name
	f := r.mod.ExportedFunction(name)
	if f == nil {
		r.fail(fmt.Errorf("no export %s", name))
		return 0
	}
	res, err := f.Call(r.ctx, args...)
	if err != nil {
		r.fail(err)
		return 0
	}
	if len(res) == 0 {
		return 0
	}
	return uint32(res[0])
}

func (r *runner) write(ptr uint32, b []byte) {
	if r.err == nil && !r.mod.Memory().Write(ptr, b) {
		r.fail(fmt.Errorf("%s returned %d, but %d bytes there are outside memory (%d bytes)", r.stage, ptr, len(b), r.mod.Memory().Size()))
	}
}

// maxErrorMsg bounds the message a model returns through pwagen_error.
const maxErrorMsg = 1024

// abiError reads the model's own error message after what, an ABI
// function, returned failure. The failure stays what's: pwagen_error and
// pwagen_error_len only fetch its message.
func (r *runner) abiError(what string) {
	if r.err != nil {
		return
	}
	p, n := r.call("pwagen_error"), r.call("pwagen_error_len")
	if r.err != nil {
		return
	}
	r.stage = what
	msg, ok := r.mod.Memory().Read(p, min(n, maxErrorMsg))
	switch {
	case !ok:
		r.fail(fmt.Errorf("%s returned failure, and pwagen_error points at %d bytes at %d, outside memory", what, n, p))
	case n > maxErrorMsg:
		r.fail(fmt.Errorf("the model returned the error %q (cut at %d of %d bytes)", msg, maxErrorMsg, n))
	default:
		r.fail(fmt.Errorf("the model returned the error %q", msg))
	}
}

func (r *runner) steps(weights *weightsFile) {
	r.step = "initialize"
	r.call("_initialize")
	r.readSignature()
	if weights == nil {
		r.did = "measured: _initialize only (no weights given)"
		return
	}
	r.step = "load weights"
	if weights.size > math.MaxUint32 {
		r.fail(fmt.Errorf("%s: %d bytes of weights do not fit a 32-bit memory", weights.path, weights.size))
		return
	}
	p := r.call("pwagen_alloc_weights", uint64(weights.size))
	if r.err == nil {
		if err := weights.copyTo(r.ctx, r.mod.Memory(), p); err != nil {
			r.fail(err)
		}
	}
	if int32(r.call("pwagen_load_weights")) != 0 {
		r.abiError("pwagen_load_weights")
	}
	r.step = "predict"
	if r.sig != nil {
		r.predictTyped()
		r.did = fmt.Sprintf("measured: _initialize, %s of weights, one typed predict on zero inputs (%d inputs, %d outputs), within the time limit of %s",
			human(uint64(weights.size)), len(r.sig.Inputs), len(r.sig.Outputs), r.limit)
		return
	}
	n := r.call("pwagen_input_len")
	if r.err == nil {
		r.inputLen = int(int32(n))
	}
	p = r.call("pwagen_alloc_input", uint64(n))
	r.write(p, make([]byte, 4*int(n)))
	k := int32(r.call("pwagen_predict"))
	if k < 0 {
		r.abiError("pwagen_predict")
	}
	out := r.call("pwagen_output")
	if r.err == nil {
		if _, ok := r.mod.Memory().Read(out, uint32(4*max(k, 0))); !ok {
			r.fail(fmt.Errorf("pwagen_output points at %d, but %d outputs there are outside memory", out, k))
			return
		}
	}
	r.did = fmt.Sprintf("measured: _initialize, %s of weights, one predict on %d zero inputs (%d outputs), within the time limit of %s",
		human(uint64(weights.size)), n, k, r.limit)
}

// timedOut tells whether the run stopped at its time limit.
func (r *runner) timedOut() bool {
	return r.err != nil && errors.Is(r.err, context.DeadlineExceeded)
}

// timeMessage says how long the model ran, in which step, and what to do.
func (r *runner) timeMessage() string {
	return fmt.Sprintf("the model had not returned after %s, in its %s step (%s), and was stopped at the time limit of %s; if the model is only slow, raise [budget] time in pwagen.toml, else look for a loop that never ends (go test ./model runs it natively)",
		r.elapsed.Round(10*time.Millisecond), r.failStep, r.failStage, r.limit)
}

func (v *check) runProblem(r *runner) {
	tail := stderrSummary(r.out.String(), 3)
	if r.timedOut() {
		v.problem("run", "%s", r.timeMessage())
		return
	}
	// A Go reactor out of memory either traps in runtime.abort (unreachable)
	// or exits with code 2; both print "out of memory" first.
	if strings.Contains(r.out.String(), "out of memory") {
		budget := "the 4 GiB a 32-bit memory can address"
		if v.o.MemoryBudget > 0 {
			budget = fmt.Sprintf("the memory budget of %s (%d pages)", human(v.o.MemoryBudget), v.limitPages())
		}
		had := ""
		if p := v.r.Memory.PeakBytes; p != nil {
			had = fmt.Sprintf(" with %s of linear memory", human(*p))
		}
		v.problem("memory", "the model ran out of memory in its %s step (%s)%s: it needs more than %s; raise [budget] memory in pwagen.toml, or make the model need less (smaller weights, fewer or smaller buffers). The Go runtime said: %s",
			r.failStep, r.failStage, had, budget, tail)
		return
	}
	if tail != "" {
		tail = "; the model's stderr ends with: " + tail
		if d := r.out.dropped(); d > 0 {
			tail += fmt.Sprintf(" (%s of its output before the last %s was dropped)", human(d), human(outputKeep))
		}
	}
	msg, _, _ := strings.Cut(r.err.Error(), "\n") // drop wazero's stack trace
	var exit *sys.ExitError
	if errors.As(r.err, &exit) {
		msg = fmt.Sprintf("the model exited with code %d", exit.ExitCode())
	}
	v.problem("run", "running the model under wazero failed in its %s step (%s): %s%s; run the model natively (go test ./model) to find the cause", r.failStep, r.failStage, msg, tail)
}

// compile is rt.CompileModule that returns as soon as ctx ends: wazero does
// not look at ctx while it compiles, which takes seconds for a large model.
// On a signal the compile goes on in the background until the process exits.
func compile(ctx context.Context, rt wazero.Runtime, wasm []byte) (wazero.CompiledModule, error) {
	type result struct {
		cm  wazero.CompiledModule
		err error
	}
	done := make(chan result, 1)
	go func() {
		cm, err := rt.CompileModule(ctx, wasm)
		done <- result{cm, err}
	}()
	select {
	case res := <-done:
		return res.cm, stopped(ctx, res.err)
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// closeRuntime closes rt, unless ctx ended: then a compile may still be
// running in it (compile), and the process is about to exit anyway.
func closeRuntime(ctx context.Context, rt wazero.Runtime) {
	if ctx.Err() == nil {
		rt.Close(ctx)
	}
}
