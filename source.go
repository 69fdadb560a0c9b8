// Package pwagen holds the sources of pwagen's own packages that an edge
// executable compiles (pwagen package --edge): the generated program
// builds against this copy, so pwagen needs neither its source folder nor
// a published module version to build one.
package pwagen

import "embed"

// Source holds go.mod, go.sum and the non-test sources of package edge and
// the packages it imports (runner, hosts, kernels, kernels/modules,
// kernels/native, internal/npy,
// internal/suggest, internal/tensorio), with package kernels' assembly
// (the AVX2 gemm tile of the native kernels). Test
// files are embedded too (embed patterns cannot exclude them); package
// edgegen leaves them out of the copy.
//
//go:embed go.mod go.sum
//go:embed edge/*.go runner/*.go hosts/*.go internal/npy/*.go internal/precompress/*.go internal/suggest/*.go internal/tensorio/*.go internal/wasmbin/*.go
//go:embed kernels/*.go kernels/*.s kernels/modules/*.go kernels/modules/*.wasm kernels/native/*.go
var Source embed.FS
