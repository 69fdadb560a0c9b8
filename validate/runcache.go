package validate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pwagen/pwagen/internal/fsx"
	"github.com/pwagen/pwagen/kernels/modules"
)

// runRecord is the outcome of a measured run that found no problem.
type runRecord struct {
	Peak     uint64          `json:"peak"`
	Notes    []string        `json:"notes"`
	Contract *ContractReport `json:"contract"`
	Threads  bool            `json:"threads"`
	MaxWork  uint32          `json:"threadsMaxWork"`
}

// run measures the model (measure, then kernelVariants), or takes the
// outcome of an earlier run of the same module with the same weights,
// budget, time limit and targets from the cache: with large weights the run is most of
// what validation costs.
func (v *check) run(ctx context.Context) error {
	p := v.runPath()
	if p != "" {
		if b, err := fsx.ReadFile(p, cacheLimit, "cache"); err == nil {
			var rec runRecord
			if json.Unmarshal(b, &rec) == nil && rec.Peak > 0 {
				v.r.Memory.PeakBytes = &rec.Peak
				v.r.Notes = append(v.r.Notes, rec.Notes...)
				if rec.Contract != nil {
					v.r.Contract = rec.Contract
				}
				v.r.Threads, v.r.ThreadsMaxWork = rec.Threads, rec.MaxWork
				v.r.Notes = append(v.r.Notes, "measured run taken from the cache: same module, weights, budget and targets")
				return nil
			}
		}
	}
	notes, problems := len(v.r.Notes), len(v.r.Problems)
	if err := v.measure(ctx); err != nil {
		return err
	}
	if err := v.kernelVariants(ctx); err != nil {
		return err
	}
	if p != "" && len(v.r.Problems) == problems && v.r.Memory.PeakBytes != nil {
		rec := runRecord{Peak: *v.r.Memory.PeakBytes, Notes: v.r.Notes[notes:], Contract: v.r.Contract, Threads: v.r.Threads, MaxWork: v.r.ThreadsMaxWork}
		if b, err := json.Marshal(rec); err == nil && os.MkdirAll(filepath.Dir(p), 0o755) == nil {
			if os.WriteFile(p+".tmp", b, 0o644) == nil {
				os.Rename(p+".tmp", p)
			}
		}
	}
	return nil
}

// kernelModules are the bytes of every kernel module a measured run may
// link (the forwarder, each variant and the threaded one), in the run
// cache's key. A variable: a test changes one to see the cache miss.
var kernelModules = func() [][]byte {
	out := [][]byte{modules.Forwarder()}
	for _, kv := range []modules.Variant{modules.SIMD, modules.Scalar, modules.SIMDThreads} {
		w, _ := modules.Wasm(kv)
		out = append(out, w)
	}
	return out
}

// runPath is the cache file of this run, or "" when it may not be cached.
func (v *check) runPath() string {
	dir := v.cacheDir()
	if dir == "" || (v.weights != nil && v.o.WeightsKey == "") {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00run-4\x00%s\x00%d\x00%s\x00%d\x00%v\x00", factsVersion, v.o.WeightsKey, v.limitPages(), strings.Join(v.o.Targets, ","), v.timeLimit(), isolated(v.o.Isolation))
	if v.weights != nil {
		fmt.Fprintf(h, "%d\x00", v.weights.size)
	}
	h.Write(v.wasm)
	// The kernels the runs link: a changed kernel must run again.
	for _, w := range kernelModules() {
		fmt.Fprintf(h, "%d\x00", len(w))
		h.Write(w)
	}
	return filepath.Join(dir, "pwagen-runs", hex.EncodeToString(h.Sum(nil))+".json")
}
