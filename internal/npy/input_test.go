package npy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tt := range []struct {
		name, path, dtype, want string
		lim                     int64
	}{
		{"npy", filepath.Join("testdata", "f4_2x3.npy"), "float32", "", limit},
		{"json named .npy", write("x.npy", "\n [[1, 2]]\n"), "int64", "", limit},
		{"negative scalar", write("s.json", "-3.5"), "float64", "", limit},
		{"png", write("x.png", "\x89PNG\r\n"), "", "neither a .npy array nor JSON", limit},
		{"json over limit", write("big.json", "[1, 2, 3, 4, 5, 6, 7, 8, 9]"), "", "over the limit of 8", 8},
		{"folder", dir, "", "not a regular file", limit},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ReadInput(tt.path, tt.lim)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.DType != tt.dtype {
				t.Fatalf("dtype %s, want %s", a.DType, tt.dtype)
			}
		})
	}
}
