package validate

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/pwagen/pwagen/internal/golden"
)

// TestReportText pins the human table and the JSON of a few reports.
func TestReportText(t *testing.T) {
	for _, tt := range []struct {
		name string
		file string
		o    Options
	}{
		{"abi_ok", wat("abi"), Options{Targets: defaultTargets, MemoryBudget: 64 << 20, DownloadBudget: 5 << 20, ShellBytes: 12345}},
		{"simd_safari15", wat("simd"), Options{Targets: []string{"chrome100", "safari15"}, MemoryBudget: 64 << 20}},
		{"threads_no_isolation", wat("threads"), Options{Targets: defaultTargets, Hosts: []string{"github-pages"}}},
		{"typed", wat("typed"), Options{Targets: defaultTargets, Weights: "testdata/wat/abi.wasm"}}, // any file serves as weights
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := validateFile(t, tt.file, tt.o)
			var b bytes.Buffer
			if err := r.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			b.WriteString("\n--- JSON ---\n")
			enc := json.NewEncoder(&b)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(r); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, b.Bytes())
		})
	}
}
