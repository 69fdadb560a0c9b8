package packager

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestBundleWorklets: web/NAME.worklet.js is bundled on its own under its
// own name (the page loads it by name with audioWorklet.addModule), with
// its imports inlined; other .js files beside app.js are not copied.
func TestBundleWorklets(t *testing.T) {
	c := newProject(t, map[string]string{
		"web/chunker.worklet.js": "import { N } from './n.js';\nclass C extends AudioWorkletProcessor { process() { this.n = N; return true; } }\nregisterProcessor('chunker', C);\n",
		"web/n.js":               "export const N = 1280;\n",
	})
	b := NewBuild(c, filepath.Join(c.Dir, "dist"))
	if err := bundleApp(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	f := b.Files["chunker.worklet.js"]
	if f == nil {
		var names []string
		for n := range b.Files {
			names = append(names, n)
		}
		t.Fatalf("no chunker.worklet.js in the package: %v", names)
	}
	if f.Hashed || !strings.Contains(string(f.Data), "registerProcessor") || !strings.Contains(string(f.Data), "1280") || strings.Contains(string(f.Data), "import") {
		t.Errorf("chunker.worklet.js (hashed %v): %q; want it bundled, its import inlined", f.Hashed, f.Data)
	}
	if b.Files["n.js"] != nil {
		t.Error("n.js, a module of the worklet, is in the package on its own")
	}

	bad := newProject(t, map[string]string{"web/bad.worklet.js": "registerProcessor('x', class {\n"})
	err := bundleApp(context.Background(), NewBuild(bad, filepath.Join(bad.Dir, "dist")))
	if err == nil || !strings.Contains(err.Error(), "bad.worklet.js:") {
		t.Errorf("a worklet with a syntax error: %v; want an error naming the file and line", err)
	}
}
