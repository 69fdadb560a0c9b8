package main

import (
	"strings"
	"testing"
)

// The single-thread comparison with ONNX Runtime Web counts only when
// pwagen's loader ran a single-thread variant.
func TestSingleThreaded(t *testing.T) {
	for _, c := range []struct {
		variant string
		ok      bool
	}{
		{"simd", true},
		{"scalar", true},
		{"baseline", true},
		{"simd-threads", false},
		{"", false},
	} {
		err := singleThreaded(c.variant)
		if (err == nil) != c.ok {
			t.Errorf("singleThreaded(%q) = %v; want ok %v", c.variant, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "1 thread") {
			t.Errorf("singleThreaded(%q): %q does not say what it is not compared with", c.variant, err)
		}
	}
}

// Each round times every side once, and over as many rounds as sides each
// side goes first once.
func TestTurnOrder(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5} {
		first := map[int]bool{}
		for r := 0; r < n; r++ {
			o := turnOrder(n, r)
			seen := map[int]bool{}
			for _, i := range o {
				if i < 0 || i >= n || seen[i] {
					t.Fatalf("turnOrder(%d, %d) = %v: not each side once", n, r, o)
				}
				seen[i] = true
			}
			if len(seen) != n {
				t.Fatalf("turnOrder(%d, %d) = %v: not each side once", n, r, o)
			}
			first[o[0]] = true
		}
		if len(first) != n {
			t.Errorf("over %d rounds of %d sides, only %d sides went first", n, n, len(first))
		}
	}
}
