package kernels_test

import (
	"fmt"

	"github.com/pwagen/pwagen/kernels"
)

// A 3×3 convolution with 1 of padding and stride 2 on one 1×4×4 image,
// with ReLU fused, then a 2×2 max pool.
func ExampleConv() {
	src := []float32{
		1, 2, 3, 4,
		5, 6, 7, 8,
		9, 10, 11, 12,
		13, 14, 15, 16,
	}
	w := []float32{0, 0, 0, 0, 1, 0, 0, 0, -1} // centre minus the tap below-right
	p := kernels.ConvParams{N: 1, InC: 1, OutC: 1, Group: 1,
		In: []int{4, 4}, Out: []int{2, 2}, Kernel: []int{3, 3}, Stride: []int{2, 2}, Dilation: []int{1, 1}, Pad: []int{1, 1},
		Act: kernels.Act{Op: kernels.ActRelu}}
	dst := make([]float32, 4)
	kernels.Conv(dst, src, w, []float32{10}, make([]float32, kernels.ConvScratch(p)), p)
	fmt.Println(dst)

	pooled := make([]float32, 1)
	kernels.MaxPool(pooled, dst, kernels.PoolParams{N: 1, C: 1, In: []int{2, 2}, Out: []int{1, 1}, Kernel: []int{2, 2},
		Stride: []int{2, 2}, Dilation: []int{1, 1}, Pad: []int{0, 0}, PadEnd: []int{0, 0}})
	fmt.Println(pooled)
	// Output:
	// [5 5 5 5]
	// [5]
}

// Adding a per-channel bias to an N×C×H×W tensor: shapes of the same
// rank, 1 where broadcast.
func ExampleBinary() {
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8} // 1×2×2×2
	bias := []float32{100, 200}
	dst := make([]float32, len(x))
	kernels.Binary(dst, x, bias, kernels.BinAdd, []int{1, 2, 2, 2}, []int{1, 2, 2, 2}, []int{1, 2, 1, 1})
	fmt.Println(dst)
	// Output: [101 102 103 104 205 206 207 208]
}

func ExampleGather_outOfRange() {
	defer func() { fmt.Println(recover()) }()
	kernels.Gather(make([]float32, 2), make([]float32, 6), []int64{3}, 1, 3, 2)
	// Output: kernels.Gather: idx[0] = 3, want -3..2 (axis of length 3)
}
