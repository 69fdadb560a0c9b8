package validate

import (
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzModule feeds arbitrary bytes to Module: it must return a report or a
// one-line error, never panic. Seeds: testdata/fuzz/FuzzModule (the modules
// in testdata/wat, cut short and bit-flipped).
func FuzzModule(f *testing.F) {
	f.Add(gcModule())
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r, err := Module(ctx, "fuzz.wasm", b, Options{Targets: defaultTargets, MemoryBudget: 1 << 20, CacheDir: "off"})
		if err != nil {
			if r != nil {
				t.Fatal("both a report and an error")
			}
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error")
			}
			return
		}
		if r.OK != (len(r.Problems) == 0) {
			t.Fatalf("OK = %v with problems %+v", r.OK, r.Problems)
		}
		if err := r.WriteText(discard{}); err != nil {
			t.Fatal(err)
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
