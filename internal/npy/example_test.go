package npy_test

import (
	"bytes"
	"fmt"

	"github.com/pwagen/pwagen/internal/npy"
)

func ExampleParseJSON() {
	a, err := npy.ParseJSON([]byte("[[1, 2.5], [3, 4]]"), 1<<20)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.DType, a.Shape, a.Float32())
	_, err = npy.ParseJSON([]byte("[[1, 2], [3]]"), 1<<20)
	fmt.Println(err)
	// Output:
	// float64 [2 2] [1 2.5 3 4]
	// JSON input at [1] has 1 elements, but the first array at its depth has 2; arrays must be rectangular
}

func ExampleWrite() {
	var buf bytes.Buffer
	a := &npy.Array{DType: "float32", Shape: []int{2}, F32: []float32{0.5, -1}}
	if err := npy.Write(&buf, a); err != nil {
		fmt.Println(err)
		return
	}
	b, err := npy.Read(&buf, 1<<20)
	fmt.Println(b.DType, b.Shape, b.F32, err)
	// Output:
	// float32 [2] [0.5 -1] <nil>
}
