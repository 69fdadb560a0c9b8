package validate

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pwagen/pwagen/kernels/modules"
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

// FuzzParseSignature feeds arbitrary text to the parser of
// pwagen_signature: it must return a signature within the limits or an
// error, never panic. Seeds: testdata/fuzz/FuzzParseSignature.
func FuzzParseSignature(f *testing.F) {
	f.Add([]byte(goodSignature))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSignature(b)
		if err != nil {
			if s != nil || strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("signature %+v with error %q", s, err)
			}
			return
		}
		if len(s.Inputs) == 0 || len(s.Inputs) > maxTensors || len(s.Outputs) > maxTensors {
			t.Fatalf("%d inputs, %d outputs", len(s.Inputs), len(s.Outputs))
		}
		for _, ts := range [][]Tensor{s.Inputs, s.Outputs} {
			if n := layout(ts); n < 0 || n > maxBuffer+8 {
				t.Fatalf("a buffer of %d bytes passed", n)
			}
			for _, x := range ts {
				if x.Name == "" || dtypeSize[x.DType] == 0 || len(x.Shape) > maxRank || slices.ContainsFunc(x.Shape, func(d int) bool { return d < 0 }) {
					t.Fatalf("tensor %+v passed", x)
				}
			}
		}
	})
}

// FuzzKernelImports: any bytes give a list or an error, never a panic, and
// every import listed has a known signature. Seeds:
// testdata/fuzz/FuzzKernelImports.
func FuzzKernelImports(f *testing.F) {
	f.Add(modules.Forwarder())
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x02\x05\x01\x01k\x01f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		im, err := KernelImports(b)
		if err != nil && im != nil {
			t.Fatal("both imports and an error")
		}
	})
}
