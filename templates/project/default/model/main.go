//go:build !wasip1

package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
)

// main is the native command line, for checking the model outside the
// browser:
//
//	go run ./model weights/iris.bin 5.1 3.5 1.4 0.2
//
// prints the class probabilities, one per line, then the class name. The
// WebAssembly build has an empty main instead (main_wasip1.go).
func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1+inputLen {
		fmt.Fprintf(stderr, "usage: model WEIGHTS SEPAL_LENGTH SEPAL_WIDTH PETAL_LENGTH PETAL_WIDTH\n"+
			"got %d arguments, want %d; for example: go run ./model weights/iris.bin 5.1 3.5 1.4 0.2\n", len(args), 1+inputLen)
		return 2
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "model:", err)
		return 1
	}
	if err := loadWeights(b); err != nil {
		fmt.Fprintf(stderr, "model: %s: %v\n", args[0], err)
		return 1
	}
	in := make([]float32, inputLen)
	for i, a := range args[1:] {
		v, err := strconv.ParseFloat(a, 32)
		if err != nil {
			fmt.Fprintf(stderr, "model: argument %d (%q) is not a number\n", i+2, a)
			return 2
		}
		in[i] = float32(v)
	}
	p, err := predict(in)
	if err != nil {
		fmt.Fprintln(stderr, "model:", err)
		return 1
	}
	for _, v := range p {
		fmt.Fprintf(stdout, "%.9g\n", v)
	}
	fmt.Fprintln(stdout, classNames[argmax(p)])
	return 0
}
