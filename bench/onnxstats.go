package main

import (
	"fmt"
	"math"
	"slices"
)

// dist is the distribution of per-call times (ms) of one series.
type dist struct {
	n                   int
	median, p90, lo, hi float64
}

// distOf summarizes per-call times. p90 is the nearest-rank 90th
// percentile: the smallest value with at least 90% of the calls at or
// below it.
func distOf(xs []float64) dist {
	if len(xs) == 0 {
		return dist{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return dist{n: len(s), median: median(s), p90: percentile(s, 90), lo: s[0], hi: s[len(s)-1]}
}

// percentile is the nearest-rank p-th percentile of a sorted slice.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(k, 1), len(sorted))-1]
}

// agreement compares two outputs of the same model on the same input: the
// largest absolute difference, and the scale, the largest absolute value
// of ref. ok is diff <= tol*scale with equal lengths and no NaN.
type agreement struct {
	diff, scale float64
	ok          bool
	why         string // why not ok
}

func agree(got, ref []float64, tol float64) agreement {
	if len(got) != len(ref) || len(ref) == 0 {
		return agreement{why: fmt.Sprintf("%d values against %d", len(got), len(ref))}
	}
	var a agreement
	for i := range ref {
		a.scale = math.Max(a.scale, math.Abs(ref[i]))
		d := math.Abs(got[i] - ref[i])
		if math.IsNaN(d) {
			return agreement{why: fmt.Sprintf("value %d is NaN", i)}
		}
		a.diff = math.Max(a.diff, d)
	}
	a.ok = a.diff <= tol*a.scale
	if !a.ok {
		a.why = fmt.Sprintf("max abs difference %.3g above %g of the scale %.3g", a.diff, tol, a.scale)
	}
	return a
}

// String is the agreement as a table cell.
func (a agreement) String() string {
	if a.ok {
		return fmt.Sprintf("yes (%.1e of %.3g)", a.diff, a.scale)
	}
	if a.why == "" {
		return "–"
	}
	return "**no**: " + a.why
}

func f32to64(xs []float32) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

// fmtMsDist is "median (p90)" in ms for per-call times.
func fmtMsDist(d dist) string {
	if d.n == 0 {
		return "–"
	}
	return fmt.Sprintf("%s (%s)", fmtUs(d.median*1000), fmtUs(d.p90*1000))
}
