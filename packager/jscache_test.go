package packager

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

// TestCachedJS: a bundle comes from the cache only for the same kind and
// parts, made by the same executable; what the cache gives back is what
// esbuild made; a failed bundle is not cached.
func TestCachedJS(t *testing.T) {
	b := &Build{CacheDir: filepath.Join(t.TempDir(), "cache")}
	rc := RuntimeConfig{Version: versionPlaceholder, Wasm: "model-00000000.wasm", SHA256: map[string]string{}}
	fresh, err := loaderJS(rc, []string{"chrome100"}, true)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	loader := func() ([]byte, error) { calls++; return loaderJS(rc, []string{"chrome100"}, true) }
	for _, tt := range []struct {
		name  string
		kind  string
		parts [][]byte
		exe   string
		made  bool // esbuild ran
	}{
		{"first", "loader", [][]byte{[]byte("a")}, "exe-1", true},
		{"same", "loader", [][]byte{[]byte("a")}, "exe-1", false},
		{"other part", "loader", [][]byte{[]byte("b")}, "exe-1", true},
		{"parts split elsewhere", "loader", [][]byte{[]byte("a"), nil}, "exe-1", true},
		{"other kind", "sw", [][]byte{[]byte("a")}, "exe-1", true},
		{"other executable", "loader", [][]byte{[]byte("a")}, "exe-2", true},
		{"executable unknown", "loader", [][]byte{[]byte("a")}, "", true},
		{"executable unknown again", "loader", [][]byte{[]byte("a")}, "", true},
	} {
		defer func(f func() string) { executableStamp = f }(executableStamp)
		executableStamp = func() string { return tt.exe }
		before := calls
		got, err := b.cachedJS(tt.kind, loader, tt.parts...)
		if err != nil {
			t.Fatal(err)
		}
		if made := calls > before; made != tt.made {
			t.Errorf("%s: esbuild ran: %v, want %v", tt.name, made, tt.made)
		}
		if !bytes.Equal(got, fresh) {
			t.Errorf("%s: %d bytes, not the %d esbuild makes", tt.name, len(got), len(fresh))
		}
	}

	executableStamp = func() string { return "exe-1" }
	bad := errors.New("esbuild failed")
	before := calls
	for range 2 {
		if _, err := b.cachedJS("broken", func() ([]byte, error) { calls++; return nil, bad }); !errors.Is(err, bad) {
			t.Fatalf("cachedJS = %v, want the bundle's error", err)
		}
	}
	if calls-before != 2 {
		t.Errorf("a failed bundle ran %d times in two packages, want 2 (not cached)", calls-before)
	}
}
