package modules_test

import (
	"fmt"
	"testing"

	"github.com/pwagen/pwagen/kernels/modules"
)

// BenchmarkThreadsGemm times one gemm of m×k×n on one thread (simd) and
// split with one helper (simd-threads, every call split): where the split
// starts to pay is the kernels' default threshold (threads_part.wat).
//
//	go test -run XXX -bench BenchmarkThreadsGemm ./kernels/modules
func BenchmarkThreadsGemm(b *testing.B) {
	for _, sh := range [][3]int{{16, 64, 64}, {32, 144, 128}, {32, 144, 256}, {64, 288, 256}} {
		macs := sh[0] * sh[1] * sh[2]
		for _, v := range []string{"simd", "simd-threads"} {
			b.Run(fmt.Sprintf("%dKi/%dx%dx%d/%s", macs>>10, sh[0], sh[1], sh[2], v), func(b *testing.B) {
				var h *harness
				if v == "simd" {
					h = newHarness(b, modules.SIMD)
				} else {
					h, _ = newThreadsHarness(b, 1, 1)
				}
				call := splitCall{"gemm", sh[0], sh[1], sh[2], true}.prepare(h, 1)
				for b.Loop() {
					call()
				}
			})
		}
	}
}
