package packager

import (
	"fmt"

	"github.com/pwagen/pwagen/kernels/modules"
)

// KernelsConfig names the kernel modules in the runtime configuration: the
// forwarder the model imports from, and one kernel module per variant.
type KernelsConfig struct {
	Forwarder string `json:"forwarder"`
	SIMD      string `json:"simd"`
	Scalar    string `json:"scalar"`
	// Threads is set for an isolated page whose model passed the
	// validator's threaded run (Report.Threads): the simd-threads kernels,
	// and SharedModel, the model with its memory made shared, with
	// MaxPages (the memory budget) as its maximum. The loader runs them
	// with helper Workers (loader/threads.js), or falls back to simd.
	Threads     string `json:"simd-threads,omitempty"`
	SharedModel string `json:"sharedModel,omitempty"`
	MaxPages    uint32 `json:"maxPages,omitempty"`
}

// addThreads adds the shared model and the simd-threads kernels to k.
func addThreads(b *Build, k *KernelsConfig) error {
	pages := uint32(modules.MaxPages)
	if bud := b.Config.MemoryBudget; bud > 0 && bud/65536 < modules.MaxPages {
		pages = uint32(bud / 65536)
	}
	shared, err := modules.SharedMemory(b.Wasm, pages)
	if err != nil {
		return fmt.Errorf("the model's shared memory: %w", err)
	}
	tw, _ := modules.Wasm(modules.SIMDThreads)
	k.SharedModel = hashed("threads/model.wasm", shared) // not at the top: a top-level shared model would make pwagen serve send COOP/COEP for any isolation
	b.add(&File{Name: k.SharedModel, Data: shared, Hashed: true})
	k.Threads = hashed("kernels/threads.wasm", tw)
	b.add(&File{Name: k.Threads, Data: tw, Hashed: true})
	k.MaxPages = pages
	return nil
}

// addKernels adds the kernel modules as hashed files when the model imports
// module "kernels", and returns their names; nil when it does not.
func addKernels(b *Build) (*KernelsConfig, error) {
	imports, err := modules.Imports(b.Wasm)
	if err != nil {
		return nil, fmt.Errorf("reading the model's imports: %w", err)
	}
	if len(imports) == 0 {
		return nil, nil
	}
	if err := modules.Check(imports); err != nil {
		return nil, fmt.Errorf("the model: %w", err)
	}
	add := func(name string, data []byte) string {
		n := hashed("kernels/"+name+".wasm", data)
		b.add(&File{Name: n, Data: data, Hashed: true})
		return n
	}
	simd, _ := modules.Wasm(modules.SIMD)
	scalar, _ := modules.Wasm(modules.Scalar)
	return &KernelsConfig{
		Forwarder: add("forwarder", modules.Forwarder()),
		SIMD:      add("simd", simd),
		Scalar:    add("scalar", scalar),
	}, nil
}
