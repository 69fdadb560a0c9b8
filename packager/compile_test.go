package packager

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pwagen/pwagen/internal/browser"
)

// TestBuildModelNoFlagInjection: a package that looks like a flag reaches
// go build after "--", so it is a (malformed) package path and never a
// flag such as -toolexec, even when config's check is bypassed (issue 12,
// defect 7).
func TestBuildModelNoFlagInjection(t *testing.T) {
	// Without "--", go build would take the package for a flag and build
	// the project folder itself: give it a main package to build.
	c := newProject(t, map[string]string{"main.go": "package main\n\nfunc main() {}\n"})
	ran := filepath.Join(t.TempDir(), "ran")
	evil := filepath.Join(t.TempDir(), "evil.sh")
	if err := os.WriteFile(evil, []byte("#!/bin/sh\necho ran > "+ran+"\nexec \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c.Model.Package = "-toolexec=" + evil
	_, err := BuildModel(context.Background(), NewBuild(c, ""))
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a CompileError", err)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Fatal("go build ran the -toolexec program")
	}
}

// TestEveryBrowserHasAnEngine: each browser a target may name reaches
// esbuild as an engine.
func TestEveryBrowserHasAnEngine(t *testing.T) {
	for _, n := range browser.Names() {
		if _, ok := engineNames[n]; !ok {
			t.Errorf("browser %q has no esbuild engine", n)
		}
		if e := engines([]string{n + "100"}); len(e) != 1 || e[0].Version != "100" {
			t.Errorf("engines(%s100) = %v", n, e)
		}
	}
}
