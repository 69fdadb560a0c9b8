package main

import (
	"math"
	"testing"
)

func TestDistOf(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want dist
	}{
		{"empty", nil, dist{}},
		{"one", []float64{3}, dist{n: 1, median: 3, p90: 3, lo: 3, hi: 3}},
		{"ten unsorted", []float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}, dist{n: 10, median: 5.5, p90: 9, lo: 1, hi: 10}},
		{"eleven", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100}, dist{n: 11, median: 6, p90: 10, lo: 1, hi: 100}},
		{"twenty", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, dist{n: 20, median: 10.5, p90: 18, lo: 1, hi: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := distOf(tt.in); got != tt.want {
				t.Errorf("distOf(%v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestAgree(t *testing.T) {
	tests := []struct {
		name     string
		got, ref []float64
		ok       bool
		diff     float64
	}{
		{"equal", []float64{1, -2}, []float64{1, -2}, true, 0},
		{"within 1e-4 of scale 2", []float64{1.0001, -2}, []float64{1, -2}, true, 1e-4},
		{"above 1e-4 of scale", []float64{1.001, -2}, []float64{1, -2}, false, 1e-3},
		{"scale is the reference's", []float64{0.5, 100}, []float64{0.5, 0.5}, false, 99.5},
		{"length", []float64{1}, []float64{1, 2}, false, 0},
		{"empty", nil, nil, false, 0},
		{"NaN", []float64{math.NaN()}, []float64{1}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := agree(tt.got, tt.ref, 1e-4)
			if a.ok != tt.ok || math.Abs(a.diff-tt.diff) > 1e-9 {
				t.Errorf("agree(%v, %v) = %+v, want ok %v diff %g", tt.got, tt.ref, a, tt.ok, tt.diff)
			}
			if !a.ok && a.why == "" {
				t.Errorf("not ok without a reason: %+v", a)
			}
		})
	}
}

func TestParseKernelShares(t *testing.T) {
	top := `File: model.test
Showing nodes accounting for 240ms, 96.00% of 250ms total
      flat  flat%   sum%        cum   cum%
         0     0%     0%      240ms 96.00%  example.com/lenet/model.predict
         0     0%     0%      190ms 76.00%  github.com/pwagen/pwagen/kernels.Conv
     170ms 68.00% 68.00%      170ms 68.00%  github.com/pwagen/pwagen/kernels.goAxpy (inline)
         0     0%   100%       10ms  4.00%  github.com/pwagen/pwagen/kernels.GemmEx
         0     0%   100%       40ms 16.00%  github.com/pwagen/pwagen/kernels.MaxPool
`
	got := parseKernelShares(top)
	want := []kernelShare{{"Conv", 76}, {"MaxPool", 16}, {"GemmEx", 4}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: got %v, want %v", i, got[i], want[i])
		}
	}
	if s := parseKernelShares("no profile here\n"); len(s) != 0 {
		t.Errorf("garbage parsed as %v", s)
	}
}
