package edgegen

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/golden"
)

// TestGenerate checks the generated module's text files against golden
// files, with and without weights and app, and that two generations are
// byte-identical.
func TestGenerate(t *testing.T) {
	w := filepath.Join(t.TempDir(), "w.bin")
	os.WriteFile(w, []byte("weights"), 0o644)
	app := t.TempDir()
	os.WriteFile(filepath.Join(app, "index.html"), []byte("<html>"), 0o644)
	os.WriteFile(filepath.Join(app, "_headers"), []byte("/*\n"), 0o644)
	os.MkdirAll(filepath.Join(app, "weights"), 0o755)
	os.WriteFile(filepath.Join(app, "weights", "abc.bin"), []byte("weights"), 0o644)
	for _, tc := range []struct {
		name string
		spec Spec
	}{
		{"model only", Spec{Name: "m", Wasm: []byte("\x00asm")}},
		{"weights and app", Spec{Name: "digits", Wasm: []byte("\x00asm"), Weights: w, PWA: app,
			Shared: []Shared{{Path: "weights/abc.bin", Of: "weights", Size: 7}},
			Rules: []hosts.Rule{{Pattern: "/*", Headers: []hosts.Header{{Name: "Content-Security-Policy", Value: hosts.CSP}}},
				{Pattern: "/weights/*", Headers: []hosts.Header{{Name: "Cache-Control", Value: hosts.CacheImmutable}}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := t.TempDir(), t.TempDir()
			if err := Generate(a, tc.spec); err != nil {
				t.Fatal(err)
			}
			if err := Generate(b, tc.spec); err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			for _, f := range []string{"main.go", "go.mod", "go.sum", "pwagen/go.mod"} {
				got, err := os.ReadFile(filepath.Join(a, f))
				if err != nil {
					t.Fatal(err)
				}
				text.WriteString("-- " + f + " --\n")
				text.Write(got)
			}
			golden.Assert(t, text.Bytes())
			if err := exec.Command("diff", "-r", a, b).Run(); err != nil {
				t.Errorf("two generations differ (diff -r %s %s): %v", a, b, err)
			}
			if tc.spec.PWA != "" {
				if _, err := os.Stat(filepath.Join(a, "pwa", "_headers")); err != nil {
					t.Errorf("the app's files starting with _ are not copied: %v", err)
				}
				if _, err := os.Stat(filepath.Join(a, "pwa", "weights", "abc.bin")); err == nil {
					t.Errorf("a shared file is embedded twice")
				}
			}
		})
	}
}

// TestSourceCoversEdge checks that pwagenDirs (the packages copied into the
// generated module) are exactly pwagen's packages that package edge
// imports: one added to edge's imports without being embedded would break
// every build of an executable.
func TestSourceCoversEdge(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "../edge").Output()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range strings.Fields(string(out)) {
		if rel, ok := strings.CutPrefix(p, "github.com/pwagen/pwagen/"); ok {
			got = append(got, rel)
		}
	}
	want := slices.Clone(pwagenDirs)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("package edge imports pwagen's %v; pwagenDirs (and the //go:embed of source.go) hold %v", got, want)
	}
}

func TestParsePlatforms(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"linux/amd64,linux/arm64,darwin/arm64,windows/amd64", "[linux/amd64 linux/arm64 darwin/arm64 windows/amd64]", ""},
		{"linux/arm64, linux/arm64", "[linux/arm64]", ""},
		{"linux/riscv64", "", `--platform "linux/riscv64" is not a platform`},
		{"", "", `--platform "" is not a platform`},
	} {
		p, err := ParsePlatforms(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v; want %q", tc.in, err, tc.err)
			}
			continue
		}
		var s []string
		for _, x := range p {
			s = append(s, x.String())
		}
		if err != nil || "["+strings.Join(s, " ")+"]" != tc.want {
			t.Errorf("%q: %v, %v; want %s", tc.in, s, err, tc.want)
		}
	}
}

func TestFileName(t *testing.T) {
	if got := FileName("digits", Platform{"windows", "amd64"}); got != "digits-windows-amd64.exe" {
		t.Error(got)
	}
	if got := FileName("digits", Platform{"linux", "arm64"}); got != "digits-linux-arm64" {
		t.Error(got)
	}
}
