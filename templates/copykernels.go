//go:build ignore

// copykernels copies package kernels (the non-test .go files of ../kernels,
// and its assembly: the native kernels' tile)
// into the default project template, where `pwagen new` writes it as the
// project's kernels/ folder. Run it with `go generate ./templates`;
// TestKernelsCopyIsCurrent fails when the copy is stale.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const (
	src = "../kernels"
	dst = "project/default/kernels"
)

func main() {
	want := map[string][]byte{}
	srcs, err := filepath.Glob(filepath.Join(src, "*.go"))
	asm, _ := filepath.Glob(filepath.Join(src, "*.s"))
	srcs = append(srcs, asm...)
	if err != nil || len(srcs) == 0 {
		fail(fmt.Errorf("no .go files in %s (%v); run go generate from templates/", src, err))
	}
	for _, p := range srcs {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			fail(err)
		}
		want[filepath.Base(p)] = b
	}
	olds, _ := filepath.Glob(filepath.Join(dst, "*.go"))
	oldAsm, _ := filepath.Glob(filepath.Join(dst, "*.s"))
	olds = append(olds, oldAsm...)
	for _, p := range olds {
		if _, ok := want[filepath.Base(p)]; !ok {
			if err := os.Remove(p); err != nil {
				fail(err)
			}
		}
	}
	for name, b := range want {
		p := filepath.Join(dst, name)
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, b) {
			continue
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "copykernels:", err)
	os.Exit(1)
}
