package templates

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestABICopiesMatch: every pwagen_abi.go in the repository (the example's,
// the test models') is a verbatim copy of the template's, so the ABI that
// `pwagen new` writes is the one every test runs.
func TestABICopiesMatch(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("project", "default", "model", "pwagen_abi.go"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") || d.Name() == "node_modules") && p != ".." {
			return filepath.SkipDir
		}
		if d.Name() != "pwagen_abi.go" {
			return nil
		}
		got, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from templates/project/default/model/pwagen_abi.go; copy it again", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 {
		t.Fatalf("found %d copies of pwagen_abi.go; the walk is broken", n)
	}
}
