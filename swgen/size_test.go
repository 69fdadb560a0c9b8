package swgen_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Budget is the most gzip bytes the default app's sw.js may take (the
// issue's "smaller than Workbox": its runtime alone is 5.0 KB gzip).
const Budget = 2048

// The default app's sw.js, as `pwagen new` and `pwagen package` write it,
// minified, fits the budget at gzip's default level.
func TestDefaultSWFitsBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the default model")
	}
	dir := filepath.Join(t.TempDir(), "swapp")
	if out, err := execPwagen(t, "new", dir); err != nil {
		t.Fatalf("pwagen new: %v\n%s", err, out)
	}
	for _, isolation := range []string{"none", "service-worker"} {
		if isolation != "none" {
			toml := filepath.Join(dir, "pwagen.toml")
			b, _ := os.ReadFile(toml)
			os.WriteFile(toml, bytes.Replace(b, []byte(`isolation = "none"`), []byte(`isolation = "service-worker"`), 1), 0o644)
		}
		start := time.Now()
		out := pack(t, dir)
		elapsed := time.Since(start)
		sw, err := os.ReadFile(filepath.Join(out, "sw.js"))
		if err != nil {
			t.Fatal(err)
		}
		gz, gz9 := gzipLen(sw, gzip.DefaultCompression), gzipLen(sw, gzip.BestCompression)
		t.Logf("isolation %s: sw.js %d B raw, %d B gzip (-6), %d B gzip (-9); budget %d B; package took %v", isolation, len(sw), gz, gz9, Budget, elapsed.Round(time.Millisecond))
		if gz > Budget {
			t.Errorf("isolation %s: sw.js is %d B gzip, %d B over the %d B budget", isolation, gz, gz-Budget, Budget)
		}
	}
}

func gzipLen(b []byte, level int) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, level)
	w.Write(b)
	w.Close()
	return buf.Len()
}
