package packager

import (
	"fmt"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/validate"
)

// KernelsConfig names the kernel modules in the runtime configuration: the
// forwarder the model imports from, and one kernel module per variant.
type KernelsConfig struct {
	Forwarder string `json:"forwarder"`
	SIMD      string `json:"simd"`
	Scalar    string `json:"scalar"`
	// Threads is set for an isolated page whose model passed the
	// validator's threaded run (Report.Threads). The loader
	// (loader/threads.js) applies Memory to the model it fetched, making
	// its memory shared, and runs it with these kernels and helper
	// Workers, or falls back to simd. Both ride in pwagen.js rather than
	// in files of their own: the service worker's list of files stays as
	// it is (sw.js has a size budget), and offline they come with the
	// loader.
	Threads *ThreadsConfig `json:"simd-threads,omitempty"`
}

// ThreadsConfig is the simd-threads variant in the runtime configuration.
type ThreadsConfig struct {
	// Kernels is the simd-threads kernel module.
	Kernels []byte `json:"kernels"`
	// Memory makes the model's memory shared, with MaxPages (the memory
	// budget, or 4 GiB) as its maximum.
	Memory   modules.Patch `json:"memory"`
	MaxPages uint32        `json:"maxPages"`
	// MaxWork is the most multiply-adds of one kernel call of 8 rows or
	// more in the validator's run: the loader runs simd-threads only when
	// it reaches the threshold (threads.js), since no smaller call is split.
	MaxWork uint32 `json:"maxWork"`
}

// addThreads sets k.Threads.
func addThreads(b *Build, k *KernelsConfig) error {
	pages := uint32(modules.MaxPages)
	if bud := b.Config.MemoryBudget; bud > 0 && bud/65536 < modules.MaxPages {
		pages = uint32(bud / 65536)
	}
	p, err := modules.SharedMemoryPatch(b.Wasm, pages)
	if err != nil {
		return fmt.Errorf("the model's shared memory: %w", err)
	}
	tw, _ := modules.Wasm(modules.SIMDThreads)
	k.Threads = &ThreadsConfig{Kernels: tw, Memory: p, MaxPages: pages, MaxWork: b.maxWork}
	return nil
}

// addKernels adds the kernel modules as hashed files when the model imports
// module "kernels", and returns their names; nil when it does not.
func addKernels(b *Build) (*KernelsConfig, error) {
	imports, err := validate.KernelImports(b.Wasm)
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
		n := b.hashed("kernels/"+name+".wasm", data)
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
