package main

import (
	"os"
	"testing"

	"github.com/pwagen/pwagen/examples/langid/vocab"
)

// This file is written by hand (pwagen import keeps it).

// BenchmarkPredict times one word natively (the kernels' pure-Go twins):
// ns/op is one word; cpu-ns/op is the
// CPU time per word, steadier than the wall clock on a loaded machine.
func BenchmarkPredict(b *testing.B) {
	w, err := os.ReadFile("../weights/model.bin")
	if err != nil {
		b.Fatal(err)
	}
	if err := loadWeights(w); err != nil {
		b.Fatal(err)
	}
	v, err := vocab.Load("../train/vocab.json")
	if err != nil {
		b.Fatal(err)
	}
	ids, mask := v.Encode("sprachwissenschaft")
	in := make([]float32, inputLen)
	for i := range ids {
		in[i], in[v.MaxLen+i] = float32(ids[i]), float32(mask[i])
	}
	c := cpuTime()
	for b.Loop() {
		if _, err := predict(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-c).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
