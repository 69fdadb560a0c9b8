package modules

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite threads.wat from simd.wat and threads_part.wat")

// TestThreadsSource: threads.wat is what threadsSource makes of simd.wat
// and threads_part.wat (go generate runs this test with -update).
func TestThreadsSource(t *testing.T) {
	simd, err := os.ReadFile("simd.wat")
	if err != nil {
		t.Fatal(err)
	}
	part, err := os.ReadFile("threads_part.wat")
	if err != nil {
		t.Fatal(err)
	}
	want, err := threadsSource(simd, part)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("threads.wat", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("threads.wat")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("threads.wat is not simd.wat plus threads_part.wat; run go generate ./kernels/modules and commit threads.wat and threads.wasm")
	}
}
