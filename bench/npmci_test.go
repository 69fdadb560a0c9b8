package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNPMCIStamp: the first call installs with the real npm and stamps the
// lockfile; a fresh checkout of the same lockfile (newer modification
// time) does not install again; a changed lockfile does.
func TestNPMCIStamp(t *testing.T) {
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm not installed")
	}
	dir := t.TempDir()
	write := func(name, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package.json", `{"name":"stamp","version":"1.0.0"}`)
	lock := `{"name":"stamp","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"stamp","version":"1.0.0"}}}`
	write("package-lock.json", lock)
	ctx := context.Background()
	if err := npmCI(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", npmStamp)); err != nil {
		t.Fatalf("no stamp after npm ci: %v", err)
	}

	// Without npm on PATH, any install attempt fails: so a nil error
	// below means no install was tried.
	t.Setenv("PATH", t.TempDir())
	write("package-lock.json", lock) // same content, newer file
	if err := npmCI(ctx, dir); err != nil {
		t.Fatalf("same lockfile installed again: %v", err)
	}
	write("package-lock.json", strings.Replace(lock, `"requires":true`, `"requires":false`, 1))
	if err := npmCI(ctx, dir); err == nil || !strings.Contains(err.Error(), "npm ci in "+dir) {
		t.Fatalf("changed lockfile: got %v, want an npm ci attempt", err)
	}
}
