package validate

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkValidate validates a 2.6 MB Go-built reactor (testdata/gomodel/
// fits: fmt, encoding/binary, math) with its weights:
//   - cold: an empty compilation cache, as on the first validate;
//   - warm: the cache folder of an earlier run, read as a new process would
//     (the in-process cache is dropped each time).
func BenchmarkValidate(b *testing.B) {
	path := goModel(b, "fits")
	wasm := readFile(b, path)
	w := filepath.Join(b.TempDir(), "w.bin")
	if err := os.WriteFile(w, float32s(27), 0o644); err != nil {
		b.Fatal(err)
	}
	o := Options{Targets: defaultTargets, MemoryBudget: 64 << 20, Weights: w}
	run := func(b *testing.B, o Options) {
		r, err := Module(context.Background(), path, wasm, o)
		if err != nil || !r.OK {
			b.Fatalf("err %v, report %+v", err, r)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			o.CacheDir = b.TempDir()
			b.StartTimer()
			run(b, o)
		}
	})
	b.Run("warm", func(b *testing.B) {
		o.CacheDir = b.TempDir()
		run(b, o) // fill the cache
		for b.Loop() {
			caches.Delete(o.CacheDir)
			run(b, o)
		}
	})
}
