package validate

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Go-built fixtures: the sources under testdata/gomodel/<name>, plus the ABI
// glue every pwagen project gets (templates/project/default/model), built
// once per test run with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared.
var (
	goModelsOnce sync.Once
	goModelsDir  string
	goModelsErr  error
)

func goModel(t testing.TB, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a Go wasip1 module; skipped with -short")
	}
	goModelsOnce.Do(func() {
		goModelsDir, goModelsErr = os.MkdirTemp("", "pwagen-validate-gomodels-")
	})
	if goModelsErr != nil {
		t.Fatal(goModelsErr)
	}
	out := filepath.Join(goModelsDir, name+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	src := filepath.Join(goModelsDir, name)
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "gomodel", name, "*.go"))
	files = append(files, filepath.Join("..", "templates", "project", "default", "model", "pwagen_abi.go"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module fixture\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=-buildvcs=false", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, b)
	}
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if goModelsDir != "" {
		os.RemoveAll(goModelsDir)
	}
	os.Exit(code)
}
