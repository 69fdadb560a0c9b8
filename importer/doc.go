// Package importer compiles an ONNX graph ahead of time into Go that calls
// pwagen's kernels: a reader's model becomes a graph of static shapes
// (build.go), rewritten (fold.go, passes.go), lowered to a plan of kernel
// calls with a memory arena (plan.go), and printed as Go (gen.go); exec.go
// runs the same plan in-process, for constant folding and tests.
package importer
