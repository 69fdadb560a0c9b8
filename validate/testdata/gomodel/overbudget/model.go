// A model whose weights loader allocates and touches 96 MiB: past a 64 MiB
// memory budget, the Go runtime dies with "out of memory". The test copies
// pwagen_abi.go beside it.
package main

const inputLen = 4

var scratch []byte

func loadWeights(buf []byte) error {
	scratch = make([]byte, 96<<20)
	for i := 0; i < len(scratch); i += 4096 {
		scratch[i] = byte(i)
	}
	return nil
}

func predict(in []float32) ([]float32, error) {
	return []float32{float32(scratch[4096])}, nil
}
