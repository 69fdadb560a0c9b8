//go:build wasip1

package main

import "github.com/pwagen/pwagen/bench/kbench"

var w = kbench.New()

//go:wasmexport kbench_gemv
func gemv(reps int32) float32 { return w.Gemv(int(reps)) }

//go:wasmexport kbench_gemm
func gemm(reps int32) float32 { return w.Gemm(int(reps)) }
