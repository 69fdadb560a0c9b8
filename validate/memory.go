package validate

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/pwagen/pwagen/internal/fsx"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/pwagen/pwagen/internal/size"
)

const (
	pageSize    = size.PageSize
	wasm32Pages = size.Wasm32Pages // 4 GiB: the most a 32-bit memory can address
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

// stderrSummary picks the line that says why the model died, else the last
// n lines of its stderr; each line cut to its last maxLine bytes.
func stderrSummary(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		if len(l) > maxLine {
			l = "…" + strings.ToValidUTF8(l[len(l)-maxLine:], "")
		}
		lines[i] = strings.TrimSpace(l)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "panic:") || strings.Contains(l, "out of memory") {
			return l
		}
	}
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// maxLine bounds each line of the model's stderr quoted in a problem.
const maxLine = 200

// human formats a byte count as every pwagen message does (size.Human).
func human(n uint64) string { return size.Human(int64(min(n, 1<<62))) }

// weightsFile is the weights the measured run loads, streamed from disk
// into the model's memory: never held whole in the validator's own heap.
type weightsFile struct {
	path string
	size int64
}

func (w *weightsFile) copyTo(ctx context.Context, mem api.Memory, ptr uint32) error {
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
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("weights: copying stopped after %d of %d bytes: %w", off, w.size, err)
		}
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
