package validate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/pwagen/pwagen/internal/fsx"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

const (
	pageSize     = 65536
	wasm32Pages  = 65536 // 4 GiB: the most a 32-bit memory can address
	runTimeLimit = 2 * time.Minute
)

func (v *check) declaredMemory(context.Context) error {
	if len(v.m.memories) == 0 {
		return nil
	}
	mem := v.m.memories[0]
	if mem.Max > wasm32Pages || mem.Min > wasm32Pages {
		pages := max(mem.Max, mem.Min)
		if !mem.Is64 {
			v.r.invalidMemory = true
			v.problem("memory", "%s declares %d pages (%s), above the %d pages (4 GiB) a 32-bit memory can address, so browsers refuse to compile the module; lower the maximum to at most 65536 pages, or omit it",
				mem.Where, pages, human(pages*pageSize), wasm32Pages)
		} else {
			v.problem("memory", "%s declares %d pages (%s), above 4 GiB; browsers give a tab far less, phones about 1 GiB; lower the maximum to what the model needs",
				mem.Where, pages, human(pages*pageSize))
		}
	}
	if b := v.o.MemoryBudget; b > 0 && mem.Min*pageSize > b {
		v.problem("memory", "%s declares a minimum of %d pages (%s), over the memory budget of %s (%d pages) by %s, before the model even starts; raise [budget] memory in pwagen.toml to at least %s, or shrink what the module allocates statically (Go: large package-level arrays, or importing crypto)",
			mem.Where, mem.Min, human(mem.Min*pageSize), human(b), b/pageSize, human(mem.Min*pageSize-b), human(mem.Min*pageSize))
		if v.noRun == "" {
			v.noRun = "the declared minimum memory is over the budget"
		}
	}
	return nil
}

// limitPages is the memory budget in whole pages, at most 65536.
func (v *check) limitPages() uint32 {
	if v.o.MemoryBudget == 0 || v.o.MemoryBudget/pageSize >= wasm32Pages {
		return wasm32Pages
	}
	return uint32(v.o.MemoryBudget / pageSize)
}

// caches holds one compilation cache per folder for the life of the process.
var caches sync.Map // dir -> wazero.CompilationCache

func (v *check) cache() wazero.CompilationCache {
	dir := v.cacheDir()
	if dir == "" {
		return nil
	}
	if c, ok := caches.Load(dir); ok {
		return c.(wazero.CompilationCache)
	}
	c, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		v.r.Notes = append(v.r.Notes, fmt.Sprintf("compilation cache off: %v", err))
		return nil
	}
	c2, _ := caches.LoadOrStore(dir, c)
	return c2.(wazero.CompilationCache)
}

// zeroReader makes the model's random numbers, hence its run, repeatable.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// measure runs the model as the loader does, under a memory limit equal to
// the budget, and records the peak linear memory.
func (v *check) measure(ctx context.Context) error {
	if !v.compiled || v.noRun != "" {
		if v.noRun != "" {
			v.r.Notes = append(v.r.Notes, "not run: "+v.noRun)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, runTimeLimit)
	defer cancel()
	rt := wazero.NewRuntimeWithConfig(ctx, v.runConfig())
	defer rt.Close(ctx)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return err
	}
	cm, err := rt.CompileModule(ctx, v.wasm)
	if err != nil {
		return fmt.Errorf("wazero: %w", err)
	}
	var stderr bytes.Buffer
	// kernels.go: named "model", linked with the SIMD kernels if it imports them.
	mod, err := v.instantiate(ctx, rt, cm, wazero.NewModuleConfig().
		WithStderr(&stderr).WithStdout(&stderr).WithRandSource(zeroReader{}))
	if err != nil {
		v.problem("run", "instantiating failed: %v", err)
		return nil
	}
	r := &runner{mod: mod, stderr: &stderr}
	r.steps(v.weights)
	if mem := mod.Memory(); mem != nil {
		peak := uint64(mem.Size())
		v.r.Memory.PeakBytes = &peak
	}
	if r.err != nil {
		v.runProblem(r)
		return nil
	}
	v.r.Notes = append(v.r.Notes, r.did)
	return nil
}

// runner calls the ABI in the loader's order; the first error sticks.
type runner struct {
	mod    api.Module
	stderr *bytes.Buffer
	stage  string
	err    error
	did    string
}

func (r *runner) call(name string, args ...uint64) uint32 {
	if r.err != nil {
		return 0
	}
	r.stage = name
	f := r.mod.ExportedFunction(name)
	if f == nil {
		r.err = fmt.Errorf("no export %s", name)
		return 0
	}
	res, err := f.Call(context.Background(), args...)
	if err != nil {
		r.err = err
		return 0
	}
	if len(res) == 0 {
		return 0
	}
	return uint32(res[0])
}

func (r *runner) write(ptr uint32, b []byte) {
	if r.err == nil && !r.mod.Memory().Write(ptr, b) {
		r.err = fmt.Errorf("%s returned %d, but %d bytes there are outside memory (%d bytes)", r.stage, ptr, len(b), r.mod.Memory().Size())
	}
}

func (r *runner) abiError(what string) {
	if r.err != nil {
		return
	}
	p, n := r.call("pwagen_error"), r.call("pwagen_error_len")
	msg, _ := r.mod.Memory().Read(p, n)
	r.err = fmt.Errorf("%s failed: %q", what, msg)
}

func (r *runner) steps(weights *weightsFile) {
	r.call("_initialize")
	if weights == nil {
		r.did = "measured: _initialize only (no weights given)"
		return
	}
	if weights.size > math.MaxUint32 {
		r.err = fmt.Errorf("%s: %d bytes of weights do not fit a 32-bit memory", weights.path, weights.size)
		return
	}
	p := r.call("pwagen_alloc_weights", uint64(weights.size))
	if r.err == nil {
		r.err = weights.copyTo(r.mod.Memory(), p)
	}
	if int32(r.call("pwagen_load_weights")) != 0 {
		r.abiError("pwagen_load_weights")
	}
	n := r.call("pwagen_input_len")
	p = r.call("pwagen_alloc_input", uint64(n))
	r.write(p, make([]byte, 4*int(n)))
	k := int32(r.call("pwagen_predict"))
	if k < 0 {
		r.abiError("pwagen_predict")
	}
	out := r.call("pwagen_output")
	if r.err == nil {
		if _, ok := r.mod.Memory().Read(out, uint32(4*max(k, 0))); !ok {
			r.err = fmt.Errorf("pwagen_output points at %d, but %d outputs there are outside memory", out, k)
			return
		}
	}
	r.did = fmt.Sprintf("measured: _initialize, %s of weights, one predict on %d zero inputs (%d outputs)", human(uint64(weights.size)), n, k)
}

func (v *check) runProblem(r *runner) {
	tail := stderrSummary(r.stderr.String(), 3)
	// A Go reactor out of memory either traps in runtime.abort (unreachable)
	// or exits with code 2; both print "out of memory" first.
	if strings.Contains(r.stderr.String(), "out of memory") {
		budget := "the 4 GiB a 32-bit memory can address"
		if v.o.MemoryBudget > 0 {
			budget = fmt.Sprintf("the memory budget of %s (%d pages)", human(v.o.MemoryBudget), v.limitPages())
		}
		had := ""
		if p := v.r.Memory.PeakBytes; p != nil {
			had = fmt.Sprintf(" with %s of linear memory", human(*p))
		}
		v.problem("memory", "the model ran out of memory in %s%s: it needs more than %s; raise [budget] memory in pwagen.toml, or make the model need less (smaller weights, fewer or smaller buffers). The Go runtime said: %s",
			r.stage, had, budget, tail)
		return
	}
	if tail != "" {
		tail = "; the model's stderr ends with: " + tail
	}
	msg, _, _ := strings.Cut(r.err.Error(), "\n") // drop wazero's stack trace
	var exit *sys.ExitError
	if errors.As(r.err, &exit) {
		msg = fmt.Sprintf("the model exited with code %d", exit.ExitCode())
	}
	v.problem("run", "running the model under wazero failed in %s: %s%s; run the model natively (go test ./model) to find the cause", r.stage, msg, tail)
}

// stderrSummary picks the line that says why the model died, else the last
// n lines of its stderr.
func stderrSummary(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "panic:") || strings.Contains(l, "out of memory") {
			return strings.TrimSpace(l)
		}
	}
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// human formats a byte count: 512 B, 2.5 KiB, 64 MiB.
func human(n uint64) string {
	const k = 1024
	switch {
	case n < k:
		return fmt.Sprintf("%d B", n)
	case n < k*k:
		return trimZero(float64(n)/k) + " KiB"
	case n < k*k*k:
		return trimZero(float64(n)/(k*k)) + " MiB"
	default:
		return trimZero(float64(n)/(k*k*k)) + " GiB"
	}
}

func trimZero(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}

// weightsFile is the weights the measured run loads, streamed from disk
// into the model's memory: never held whole in the validator's own heap.
type weightsFile struct {
	path string
	size int64
}

func (w *weightsFile) copyTo(mem api.Memory, ptr uint32) error {
	if uint64(ptr)+uint64(w.size) > uint64(mem.Size()) {
		return fmt.Errorf("pwagen_alloc_weights returned %d, but %d bytes there are outside memory (%d bytes)", ptr, w.size, mem.Size())
	}
	f, _, err := fsx.Open(w.path, fsx.WeightsLimit, "weights")
	if err != nil {
		return fmt.Errorf("weights: %w", err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < w.size; {
		n, err := f.Read(buf[:min(int64(len(buf)), w.size-off)])
		if n > 0 {
			mem.Write(ptr+uint32(off), buf[:n])
			off += int64(n)
		}
		if err != nil && off < w.size {
			return fmt.Errorf("weights: %s: %w after %d of %d bytes", w.path, err, off, w.size)
		}
	}
	return nil
}

// runConfig is the runtime of a measured run: the module's features (and
// the kernels'), a memory limit equal to the budget, the compilation cache.
func (v *check) runConfig() wazero.RuntimeConfig {
	cfg := wazero.NewRuntimeConfig().WithCoreFeatures(v.kernelFlags(v.flags)).
		WithMemoryLimitPages(v.limitPages()).WithCloseOnContextDone(true)
	if c := v.cache(); c != nil {
		cfg = cfg.WithCompilationCache(c)
	}
	return cfg
}
