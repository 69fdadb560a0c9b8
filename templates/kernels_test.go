package templates

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestKernelsCopyIsCurrent: the default project's kernels/ is package
// kernels' non-test .go files, byte for byte, and nothing else but its
// go.mod; `go generate ./templates` makes it so.
func TestKernelsCopyIsCurrent(t *testing.T) {
	srcs, err := filepath.Glob("../kernels/*.go")
	if err != nil || len(srcs) == 0 {
		t.Fatalf("no ../kernels/*.go: %v", err)
	}
	asm, _ := filepath.Glob("../kernels/*.s") // the native gemm tile
	srcs = append(srcs, asm...)
	slices.Sort(srcs)
	var want []string
	for _, p := range srcs {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		want = append(want, filepath.Base(p))
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := os.ReadFile(filepath.Join("project/default/kernels", filepath.Base(p)))
		if err != nil || !bytes.Equal(cp, src) {
			t.Errorf("templates/project/default/kernels/%s is not a copy of kernels/%s (%v); run go generate ./templates", filepath.Base(p), filepath.Base(p), err)
		}
	}
	tmpl, _ := Project("default")
	entries, err := fs.ReadDir(tmpl, "kernels")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.Name() != "go.mod.tmpl" {
			got = append(got, e.Name())
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("the template's kernels/ holds %v, want %v and go.mod.tmpl; run go generate ./templates", got, want)
	}
}

// TestKernelsModule: the project's go.mod requires the kernels module at
// the path model code imports, and replaces it with the copy in kernels/,
// whose go.mod names that path.
func TestKernelsModule(t *testing.T) {
	tmpl, _ := Project("default")
	const mod = "github.com/pwagen/pwagen/kernels"
	kmod, err := fs.ReadFile(tmpl, "kernels/go.mod.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(kmod, []byte("module "+mod+"\n")) {
		t.Errorf("kernels/go.mod.tmpl starts %q, want module %s", firstLine(kmod), mod)
	}
	gomod, err := fs.ReadFile(tmpl, "go.mod.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"require " + mod + " v0.0.0", "replace " + mod + " => ./kernels"} {
		if !bytes.Contains(gomod, []byte(want)) {
			t.Errorf("go.mod.tmpl has no line %q", want)
		}
	}
	model, err := fs.ReadFile(tmpl, path.Join("model", "model.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(model, []byte(`"`+mod+`"`)) {
		t.Errorf("model/model.go does not import %q", mod)
	}
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return string(line)
}
