package modules

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
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

// TestDefaultMinWorkSame: the kernels' default threshold, DefaultMinWork
// and the loader's MIN_WORK (templates/loader/threads.js, which picks simd
// for a model whose calls all stay below it) are one number.
func TestDefaultMinWorkSame(t *testing.T) {
	part, err := os.ReadFile("threads_part.wat")
	if err != nil {
		t.Fatal(err)
	}
	wat := fmt.Sprintf("(then (local.set $min (i32.const 0x%x)))", DefaultMinWork)
	if !bytes.Contains(part, []byte(wat)) {
		t.Errorf("threads_part.wat has no %s: its default threshold is not DefaultMinWork (%d)", wat, DefaultMinWork)
	}
	js, err := os.ReadFile("../../templates/loader/threads.js")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`const MIN_WORK = (\d+) << (\d+);`).FindSubmatch(js)
	if m == nil {
		t.Fatal("templates/loader/threads.js has no const MIN_WORK = A << B;")
	}
	a, _ := strconv.Atoi(string(m[1]))
	b, _ := strconv.Atoi(string(m[2]))
	if a<<b != DefaultMinWork {
		t.Errorf("templates/loader/threads.js: MIN_WORK is %d, DefaultMinWork %d", a<<b, DefaultMinWork)
	}
}
