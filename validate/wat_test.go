package validate

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// watFlags are the wat2wasm flags each fixture was built with.
var watFlags = map[string][]string{
	"mem5g_wasm32": {"--no-check"}, // invalid on purpose: a 32-bit memory of 5 GiB
}

// TestWATFixturesMatchSource rebuilds testdata/wat/*.wasm from their .wat
// with wabt's wat2wasm (Debian package wabt) and compares the bytes, so the
// checked-in modules are what their sources say. Skipped without wat2wasm.
func TestWATFixturesMatchSource(t *testing.T) {
	wat2wasm, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("wat2wasm not installed (apt-get install wabt)")
	}
	srcs, _ := filepath.Glob(filepath.Join("testdata", "wat", "*.wat"))
	if len(srcs) < 8 {
		t.Fatalf("found %d .wat files", len(srcs))
	}
	for _, src := range srcs {
		name := strings.TrimSuffix(filepath.Base(src), ".wat")
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), name+".wasm")
			flags, ok := watFlags[name]
			if !ok {
				flags = []string{"--enable-all"}
			}
			cmd := exec.Command(wat2wasm, append(flags, src, "-o", out)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %v\n%s", cmd, err, b)
			}
			got, want := readFile(t, out), readFile(t, strings.TrimSuffix(src, ".wat")+".wasm")
			if !bytes.Equal(got, want) {
				t.Errorf("%s.wasm differs from wat2wasm %s; rebuild it: wat2wasm %s %s -o testdata/wat/%s.wasm",
					name, src, strings.Join(flags, " "), src, name)
			}
		})
	}
	if _, err := os.Stat(filepath.Join("testdata", "wat", "gc.wat")); err == nil {
		t.Error("gc.wat: wabt 1.0.32 cannot assemble GC; the GC module is built in Go (gcModule)")
	}
}
