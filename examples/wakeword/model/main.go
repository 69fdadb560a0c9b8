//go:build !wasip1

package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// main is the native command line, for checking the pipeline outside the
// browser:
//
//	go run ./model weights/model.bin FILE.wav
//
// prints the score of every 80 ms chunk of the WAV (16 kHz mono 16-bit),
// then the max and the time per chunk. The WebAssembly build has an empty
// main instead (main_wasip1.go).
func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintf(stderr, "usage: model WEIGHTS FILE.wav\ngot %d arguments, want 2; for example: go run ./model weights/model.bin ../../testdata/onnx/wakeword/audio/silence.wav\n", len(args))
		return 2
	}
	b, err := readFile(args[0], 64<<20)
	if err == nil {
		err = load(b)
	}
	if err != nil {
		fmt.Fprintf(stderr, "model: %s: %v\n", args[0], err)
		return 1
	}
	w, err := readFile(args[1], maxWAV)
	if err != nil {
		fmt.Fprintln(stderr, "model:", err)
		return 1
	}
	samples, err := readWAV(args[1], w)
	if err != nil {
		fmt.Fprintln(stderr, "model:", err)
		return 2
	}
	var best float32
	start := time.Now()
	n := len(samples) / inputLen
	for c := 0; c < n; c++ {
		p, err := predict(samples[c*inputLen : (c+1)*inputLen])
		if err != nil {
			fmt.Fprintln(stderr, "model:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%d\t%.7g\n", c, p[0])
		best = max(best, p[0])
	}
	fmt.Fprintf(stdout, "max\t%.7g\n", best)
	if n > 0 {
		fmt.Fprintf(stdout, "per chunk\t%v\n", time.Since(start)/time.Duration(n))
	}
	return 0
}

func readFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than %d bytes", name, limit)
	}
	return b, nil
}
