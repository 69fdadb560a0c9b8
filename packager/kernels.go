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
