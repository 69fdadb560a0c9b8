package validate

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRealModules checks modules shipped in npm packages against what their
// projects document (testdata/real/README.md).
func TestRealModules(t *testing.T) {
	for _, tt := range []struct {
		file     string
		features []string
	}{
		{"jsquash-webp/webp_enc_simd.wasm", []string{"simd", "sign-extension"}},
		{"jsquash-webp/webp_dec.wasm", []string{"sign-extension"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			r := validateFile(t, filepath.Join("testdata", "real", tt.file), Options{Targets: []string{"safari16", "chrome100"}})
			if !slices.Equal(r.Features, tt.features) {
				t.Errorf("features = %q, want %q", r.Features, tt.features)
			}
			if r.Memory.MinBytes != 16<<20 || r.Memory.MaxBytes == nil || *r.Memory.MaxBytes != 2<<30 {
				t.Errorf("memory = %+v", r.Memory)
			}
			if len(r.Imports) == 0 || r.Imports[0].Module != "a" {
				t.Errorf("imports = %+v", r.Imports)
			}
			wantProblem(t, r, "imports", "imports function a.a, which the pwagen loader does not provide")
			simdProblem := slices.ContainsFunc(r.Problems, func(p Problem) bool {
				return strings.HasPrefix(p.Message, "simd needs Safari 16.4")
			})
			if simdProblem != slices.Contains(tt.features, "simd") {
				t.Errorf("simd against safari16: problem = %v; problems: %+v", simdProblem, r.Problems)
			}
		})
	}
}
