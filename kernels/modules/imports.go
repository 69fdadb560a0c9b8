package modules

import (
	"errors"
	"fmt"
)

// Import is one function a module imports from module "kernels", with its
// signature in the value type names of Func (validate.KernelImports reads
// them from a module).
type Import struct {
	Name            string
	Params, Results []string
}

// Check returns an error naming each import that pwagen's kernels do not
// supply, or supply with another signature.
func Check(imports []Import) error {
	var errs []error
	for _, im := range imports {
		f, ok := Lookup(im.Name)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("imports kernels.%s, which pwagen's kernels do not supply (they supply %v); use package kernels' API rather than your own //go:wasmimport kernels", im.Name, Names()))
		case fmt.Sprint(f.Params, f.Results) != fmt.Sprint(im.Params, im.Results):
			errs = append(errs, fmt.Errorf("imports kernels.%s as %v -> %v, but pwagen's kernel is %v -> %v; use package kernels from the same pwagen version", im.Name, im.Params, im.Results, f.Params, f.Results))
		}
	}
	return errors.Join(errs...)
}
