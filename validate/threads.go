package validate

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// threadHelpers is how many helper threads the threaded check runs: one
// is enough to split every call, and the machine may have two cores.
const threadHelpers = 1

// isolated tells whether the page is cross-origin isolated, so the loader
// may run the simd-threads kernels.
func isolated(isolation string) bool {
	return isolation == "headers" || isolation == "service-worker"
}

// threadsCheck runs, for an isolated page, the model with a shared memory
// and the simd-threads kernels with one helper thread, every call of 8
// rows or more split, and checks that the outputs are simd's bit for bit
// (the threads split rows, never sums). A model whose memory layout cannot
// hold the threads' control block gets a note: the loader runs simd.
func (v *check) threadsCheck(ctx context.Context, simd []float32) {
	if err := modules.ThreadsLayout(v.wasm); err != nil {
		v.r.Notes = append(v.r.Notes, fmt.Sprintf("kernels simd-threads: not packaged: %v; the loader runs simd", err))
		return
	}
	if v.controlUsed {
		v.r.Notes = append(v.r.Notes, fmt.Sprintf("kernels simd-threads: not packaged: the model wrote to bytes %d-%d of its memory, which the threads' control block needs; the loader runs simd", modules.ControlStart, modules.ControlEnd-1))
		return
	}
	out, err := v.smoke(ctx, modules.SIMDThreads)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		v.problem("run", "running the model with the simd-threads kernels (a shared memory of at most %d pages, %d helper thread) under wazero failed: %v; set [deploy] isolation = \"none\" to ship the simd kernels only", v.limitPages(), threadHelpers, err)
		return
	}
	if len(out) != len(simd) {
		v.problem("run", "the model gave %d outputs with the simd-threads kernels and %d with simd; predict must not depend on the kernel variant", len(out), len(simd))
		return
	}
	for i := range out {
		if math.Float32bits(out[i]) != math.Float32bits(simd[i]) {
			v.problem("run", "output %d is %v with the simd-threads kernels and %v with simd; the threads split rows and must give the same bits: report this as a pwagen bug, and set [deploy] isolation = \"none\" meanwhile", i, out[i], simd[i])
			return
		}
	}
	v.r.Threads = true
	v.r.Notes = append(v.r.Notes, fmt.Sprintf("kernels simd-threads: with a shared memory (at most %d pages) and %d helper thread splitting every call of 8 rows or more, the same %d outputs as simd, bit for bit", v.limitPages(), threadHelpers, len(out)))
	if w := v.r.ThreadsMaxWork; w < modules.DefaultMinWork {
		v.r.Notes = append(v.r.Notes, fmt.Sprintf("kernels simd-threads: the model's biggest kernel call of 8 rows or more has %d multiply-adds, under the %d from which the threads split a call: the loader runs simd (and its pool of workers) unless loadModel asks for simd-threads or a lower threadsMinWork", w, modules.DefaultMinWork))
	}
}

// threadsRuntime is runConfig with the threads feature.
func (v *check) threadsConfig() wazero.RuntimeConfig {
	return v.runConfig().WithCoreFeatures(v.kernelFlags(v.flags) | api.CoreFeaturesV2 | experimental.CoreFeaturesThreads)
}

// controlBlockUsed tells whether the model wrote to the threads' control
// block in a run with the (single-threaded) simd kernels.
func controlBlockUsed(mem api.Memory) bool {
	b, ok := mem.Read(modules.ControlStart, modules.ControlEnd-modules.ControlStart)
	return !ok || !bytes.Equal(b, make([]byte, len(b)))
}
