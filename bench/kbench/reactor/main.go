// Command reactor is bench/kbench as a wasip1 reactor
// (GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared): it exports
// kbench_gemv(reps) and kbench_gemm(reps), which run the kernel reps times
// inside the module, so that the timing leaves out the host's call cost.
// Linked with the kernel modules like a pwagen model (module "kernels");
// built with -tags pwagen_nokernels it is Go-compiled wasm of the same
// loops.
package main

func main() {}
