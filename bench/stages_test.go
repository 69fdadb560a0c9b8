package main

import (
	"slices"
	"testing"
)

// TestStageRow: each stage is the median over the cold visits that
// passed it; a stage none passed is "–".
func TestStageRow(t *testing.T) {
	for _, tt := range []struct {
		name string
		runs []map[string]float64
		want map[string]string // by stage key; others "–"
	}{
		{"none", nil, nil},
		{"median", []map[string]float64{{"loadModel": 100, "ready": 900}, {"loadModel": 300, "ready": 700}, {"loadModel": 200, "ready": 800}}, map[string]string{"loadModel": "200", "ready": "800"}},
		{"some runs lack a stage", []map[string]float64{{"helpersReady": 500}, {"goInit": 40}}, map[string]string{"helpersReady": "500", "goInit": "40"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			row := stageRow("m", tt.runs)
			if len(row) != len(stageHeader()) || row[0] != "m" {
				t.Fatalf("row %v does not match the header %v", row, stageHeader())
			}
			for i, s := range coldStages {
				want, ok := tt.want[s.key]
				if !ok {
					want = "–"
				}
				if row[i+1] != want {
					t.Errorf("%s: %q, want %q", s.key, row[i+1], want)
				}
			}
		})
	}
	keys := make([]string, len(coldStages))
	for i, s := range coldStages {
		keys[i] = s.key
	}
	if len(slices.Compact(slices.Sorted(slices.Values(keys)))) != len(keys) {
		t.Errorf("coldStages repeats a key: %v", keys)
	}
}
