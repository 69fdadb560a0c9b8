package kernels_test

import (
	"fmt"

	"github.com/pwagen/pwagen/kernels"
)

// A dense layer: y = relu(W·x + b), then softmax, one call per layer.
func Example() {
	w := []float32{ // 2 rows of 3
		1, 0, -1,
		0.5, 0.5, 0.5,
	}
	b := []float32{0, -1}
	x := []float32{1, 2, 3}
	y := make([]float32, 2)
	kernels.Gemv(y, w, x, b)
	fmt.Println(y)
	kernels.ReLU(y, y)
	fmt.Println(y)
	kernels.Softmax(y)
	fmt.Printf("%.4f\n", y)
	// Output:
	// [-2 2]
	// [0 2]
	// [0.1192 0.8808]
}

func ExampleGemv_shapeError() {
	defer func() { fmt.Println(recover()) }()
	kernels.Gemv(make([]float32, 2), make([]float32, 5), make([]float32, 3), nil)
	// Output: kernels.Gemv: len(a) = 5, want len(y)*len(x) = 2*3 = 6
}
