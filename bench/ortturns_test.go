package main

import (
	"math"
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

// A round's ratio is its own medians' ratio, rounds pair by index, and a
// round one side lacks is left out.
func TestRoundRatios(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b [][]float64
		want []float64
	}{
		{"one round", [][]float64{{10, 12, 11}}, [][]float64{{5, 6, 7}}, []float64{11.0 / 6}},
		{"rounds by index", [][]float64{{8}, {4}}, [][]float64{{2}, {4}}, []float64{4, 1}},
		{"even count median", [][]float64{{1, 3}}, [][]float64{{1, 1}}, []float64{2}},
		{"empty round left out", [][]float64{{8}, {}, {6}}, [][]float64{{4}, {3}, {3}}, []float64{2, 2}},
		{"shorter side", [][]float64{{8}, {6}}, [][]float64{{4}}, []float64{2}},
		{"zero left out", [][]float64{{8}}, [][]float64{{0}}, nil},
	} {
		got := roundRatios(c.a, c.b)
		if len(got) != len(c.want) {
			t.Errorf("%s: roundRatios = %v; want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-c.want[i]) > 1e-12 {
				t.Errorf("%s: roundRatios = %v; want %v", c.name, got, c.want)
			}
		}
	}
}

// The summary's median, best and lowest round, and its text.
func TestSummarizeRatios(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want ratioSummary
		text string
	}{
		{nil, ratioSummary{}, "-"},
		{[]float64{1.5}, ratioSummary{1, 1.5, 1.5, 1.5}, "1.50× (best 1.50×, 1.50–1.50× over 1 rounds)"},
		{[]float64{1.7, 1.2, 1.6}, ratioSummary{3, 1.6, 1.7, 1.2}, "1.60× (best 1.70×, 1.20–1.70× over 3 rounds)"},
		{[]float64{2, 1, 1.5, 1.9}, ratioSummary{4, 1.7, 2, 1}, "1.70× (best 2.00×, 1.00–2.00× over 4 rounds)"},
	} {
		got := summarizeRatios(c.in)
		if got.n != c.want.n || math.Abs(got.median-c.want.median) > 1e-12 || got.best != c.want.best || got.low != c.want.low {
			t.Errorf("summarizeRatios(%v) = %+v; want %+v", c.in, got, c.want)
		}
		if got.String() != c.text {
			t.Errorf("summarizeRatios(%v).String() = %q; want %q", c.in, got.String(), c.text)
		}
	}
}

// Equal bits only: a value that differs in its last bit, or a length
// that differs, is not the same.
func TestSameBits(t *testing.T) {
	one := float64(math.Float32frombits(math.Float32bits(1) + 1))
	for _, c := range []struct {
		a, b []float64
		want string
	}{
		{[]float64{1, 2}, []float64{1, 2}, "yes"},
		{[]float64{1, 2}, []float64{one, 2}, "no: output 0"},
		{[]float64{1, 2}, []float64{1}, "no output"},
		{nil, nil, "no output"},
	} {
		if got := sameBits(c.a, c.b); !strings.HasPrefix(got, c.want) {
			t.Errorf("sameBits(%v, %v) = %q; want %q…", c.a, c.b, got, c.want)
		}
	}
}

// /proc/stat's cpu line: idle and iowait are not busy; guest time is in
// user already; anything else is no reading.
func TestParseProcStat(t *testing.T) {
	for _, c := range []struct {
		in        string
		busy, all uint64
	}{
		{"cpu  10 1 5 100 4 2 3 0 7 0\ncpu0 5 0 2 50 2 1 1 0 0 0\n", 21, 125},
		{"cpu  10 1 5 100 4\n", 16, 120},
		{"cpu0 10 1 5 100 4\n", 0, 0},
		{"cpu  10 x 5 100 4\n", 0, 0},
		{"cpu  10 1 5\n", 0, 0},
		{"", 0, 0},
	} {
		busy, all := parseProcStat(c.in)
		if busy != c.busy || all != c.all {
			t.Errorf("parseProcStat(%q) = %d, %d; want %d, %d", c.in, busy, all, c.busy, c.all)
		}
	}
}

// A round counts as quiet only when both sides' windows had the rest of
// the machine under the limit, and a window with no reading (-1) never
// does; the rounds kept stay paired.
func TestQuietRounds(t *testing.T) {
	a := [][]float64{{1}, {2}, {3}, {4}, {5}}
	b := [][]float64{{10}, {20}, {30}, {40}, {50}}
	restA := []float64{0.1, 0.6, 0.2, -1, 0.49}
	restB := []float64{0.2, 0.1, 0.5, 0.1, 0}
	qa, qb := quietRounds(a, b, restA, restB, 0.5)
	if len(qa) != 2 || len(qb) != 2 || qa[0][0] != 1 || qb[0][0] != 10 || qa[1][0] != 5 || qb[1][0] != 50 {
		t.Errorf("quietRounds = %v, %v; want rounds 0 and 4: [[1] [5]], [[10] [50]]", qa, qb)
	}
	if qa, qb := quietRounds(a, b, restA[:2], restB, 0.5); len(qa) != 1 || len(qb) != 1 {
		t.Errorf("with 2 readings of a's rest: %v, %v; want round 0 alone", qa, qb)
	}
}
