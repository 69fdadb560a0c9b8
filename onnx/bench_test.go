package onnx

import (
	"encoding/binary"
	"math"
	"testing"
)

// BenchmarkDecode decodes a model with a 16 MiB float32 initializer in raw_data.
func BenchmarkDecode(b *testing.B) {
	m := validModel()
	const n = 4 << 20
	raw := make([]byte, 4*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(i)))
	}
	w := f32Tensor("w", []int64{n})
	w.RawData = raw
	m.Graph.Initializer = append(m.Graph.Initializer, w)
	data := marshal(b, m)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data, "", Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
