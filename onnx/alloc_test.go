package onnx

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestHostileInputsAllocateLittle decodes each checked-in fuzz seed and
// requires it to allocate at most 64 times its size plus 1 MiB: sizes
// declared in a file are checked before anything is allocated for them.
func TestHostileInputsAllocateLittle(t *testing.T) {
	for _, target := range []string{"FuzzDecode", "FuzzReadTensor"} {
		seeds, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
		if len(seeds) == 0 {
			t.Fatalf("no seeds for %s", target)
		}
		for _, path := range seeds {
			b := seedBytes(t, path)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			if target == "FuzzDecode" {
				Decode(b, "", DefaultLimits())
			} else {
				DecodeTensor(b, DefaultLimits())
			}
			runtime.ReadMemStats(&after)
			if got, max := after.TotalAlloc-before.TotalAlloc, uint64(64*len(b)+1<<20); got > max {
				t.Errorf("%s: %d bytes of input allocated %d bytes, over %d", path, len(b), got, max)
			}
		}
	}
}

// seedBytes reads the []byte of a "go test fuzz v1" file.
func seedBytes(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const pre = "go test fuzz v1\n[]byte("
	s := string(raw)
	if len(s) < len(pre)+2 || s[:len(pre)] != pre {
		t.Fatalf("%s: not a fuzz seed", path)
	}
	s = s[len(pre):]
	s = s[:len(s)-2] // ")\n"
	v, err := unquote(s)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(v)
}
