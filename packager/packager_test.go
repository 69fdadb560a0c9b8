package packager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/golden"
	"github.com/pwagen/pwagen/templates"
)

// newProject writes the default template, rendered, into a temp folder and
// applies edits (file → contents; "" deletes).
func newProject(t testing.TB, edits map[string]string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	tmpl, _ := templates.Project("default")
	data := templates.Data{Name: "Demo", ShortName: "Demo", Module: "example.com/demo"}
	err := templates.Create(dir, func(put func(string, []byte) error) error {
		return templates.Render(tmpl, data, func(string) bool { return true }, put)
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range edits {
		p := filepath.Join(dir, name)
		if data == "" {
			os.Remove(p)
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func build(t *testing.T, c *config.Config, out string) (*Build, error) {
	t.Helper()
	b := NewBuild(c, out)
	b.CacheDir = filepath.Join(t.TempDir(), "wazero")
	if testing.Short() {
		b.goBuild = prebuiltGo(t)
	}
	return b, Run(context.Background(), b)
}

// prebuiltWasm is the module -short tests package instead of compiling the
// project's model: the smallest one with pwagen's model ABI, assembled by
// wabt from its .wat beside it.
const prebuiltWasm = "../validate/testdata/wat/abi.wasm"

// prebuiltGo is the goBuild seam in -short tests: `go build -o OUT` copies
// prebuiltWasm to OUT, so that every other stage runs as in pwagen package.
func prebuiltGo(t testing.TB) func(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	wasm, err := os.ReadFile(prebuiltWasm)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
		i := slices.Index(args, "-o")
		if len(args) == 0 || args[0] != "build" || i < 0 || i+1 >= len(args) {
			return nil, fmt.Errorf("prebuiltGo: not a go build -o: %q", args)
		}
		return nil, os.WriteFile(args[i+1], wasm, 0o644)
	}
}

// TestShortPipeline runs every stage in -short tests too, on the prebuilt
// module: a bug in any stage fails go test -short.
func TestShortPipeline(t *testing.T) {
	c := newProject(t, nil)
	b := NewBuild(c, filepath.Join(c.Dir, "dist"))
	b.CacheDir = filepath.Join(t.TempDir(), "wazero")
	b.goBuild = prebuiltGo(t)
	var stages []string
	b.StageDone = func(stage string, d time.Duration) { stages = append(stages, stage) }
	if err := Run(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	want := []string{}
	for _, s := range pipeline {
		if s.String() == "validate model" {
			want = append(want, ValidatorStage) // heard once the report is in
		}
		want = append(want, s.String())
	}
	if !slices.Equal(stages, want) {
		t.Errorf("StageDone heard %v, want %v", stages, want)
	}
	for _, name := range []string{"index.html", LoaderName, "sw.js", "manifest.webmanifest"} {
		if _, err := os.Stat(filepath.Join(b.Out, name)); err != nil {
			t.Error(err)
		}
	}
}

// TestStageErrorNamesStage: a failed stage's error starts with its name.
func TestStageErrorNamesStage(t *testing.T) {
	c := newProject(t, map[string]string{"web/app.js": "const x = ;\n"})
	_, err := build(t, c, filepath.Join(c.Dir, "dist"))
	var se *StageError
	if !errors.As(err, &se) || se.Stage != "bundle app" || !strings.HasPrefix(err.Error(), "bundle app: ") {
		t.Fatalf("error %v; want a *StageError of stage \"bundle app\"", err)
	}
}

// TestOneVersion: the version the loader reports (model.info.version) is
// the one the service worker names its cache after, and a change to any
// file of the app is a new version.
func TestOneVersion(t *testing.T) {
	version := func(app string) string {
		c := newProject(t, map[string]string{"web/app.js": app})
		b, err := build(t, c, filepath.Join(c.Dir, "dist"))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`version:"([^"]*)"`).FindSubmatch(b.Files[LoaderName].Data)
		if m == nil {
			t.Fatalf("no version in %s:\n%.300s", LoaderName, b.Files[LoaderName].Data)
		}
		if sw := b.Files["sw.js"].Data; !bytes.Contains(sw, []byte(`"`+string(m[1])+`"`)) {
			t.Errorf("the loader reports version %q, which sw.js does not name its cache after:\n%s", m[1], sw)
		}
		return string(m[1])
	}
	const app = "import { loadModel } from './pwagen.js';\nloadModel();\n"
	v := version(app)
	if v2 := version(app + "console.log(1);\n"); v2 == v {
		t.Errorf("a changed app.js kept version %q", v)
	}
}

func TestPackageDefaultProject(t *testing.T) {
	c := newProject(t, nil)
	out := filepath.Join(c.Dir, "dist")
	if _, err := build(t, c, out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"manifest.webmanifest", "index.html"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, data)
		})
	}
	t.Run("icons", func(t *testing.T) {
		for pattern, size := range map[string]int{"icon-192-*.png": 192, "icon-512-*.png": 512, "maskable-512-*.png": 512} {
			m, _ := filepath.Glob(filepath.Join(out, "icons", pattern))
			if len(m) != 1 {
				t.Fatalf("%s: %d files", pattern, len(m))
			}
			f, _ := os.Open(m[0])
			img, err := png.Decode(f)
			f.Close()
			if err != nil || img.Bounds().Dx() != size || img.Bounds().Dy() != size {
				t.Fatalf("%s: %v, %v", m[0], err, img.Bounds())
			}
			if strings.Contains(pattern, "maskable") {
				// the corner, outside the safe zone, is the background colour (#ffffff)
				if r, g, b, _ := img.At(2, 2).RGBA(); r>>8 != 0xff || g>>8 != 0xff || b>>8 != 0xff {
					t.Errorf("maskable corner is %v, want the background colour", img.At(2, 2))
				}
			}
		}
	})
	t.Run("no temp folders left", func(t *testing.T) {
		m, _ := filepath.Glob(filepath.Join(c.Dir, ".dist.new-*"))
		if len(m) > 0 {
			t.Errorf("left behind: %v", m)
		}
	})
}

// TestFailedPackageKeepsOut: a failure in any stage leaves the previous OUT
// exactly as it was, and no temporary folder behind.
func TestFailedPackageKeepsOut(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edits map[string]string
		want  string
	}{
		{"app syntax error", map[string]string{"web/app.js": "import { loadModel } from './pwagen.js';\nconst x = ;\n"}, "app.js:2:11: Unexpected \";\""},
		{"missing import", map[string]string{"web/app.js": "import { nothing } from './lib.js';\n"}, `app.js:1:25: Could not resolve "./lib.js"`},
		{"inline script", map[string]string{"web/index.html": "<!doctype html><html><head>\n<script>alert(1)</script></head></html>"}, "web/index.html:2: inline <script>"},
		{"no icon", map[string]string{"web/icon.png": ""}, "app.icon"},
		{"icon not square", map[string]string{"web/icon.png": string(pngOf(t, 600, 500))}, "600x500 px; the icon must be square and at least 512x512"},
		{"missing weights", map[string]string{"weights/iris.bin": ""}, "model.weights"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newProject(t, nil)
			out := filepath.Join(c.Dir, "dist")
			if _, err := build(t, c, out); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, out)
			for name, data := range tt.edits {
				p := filepath.Join(c.Dir, name)
				if data == "" {
					os.Remove(p)
				} else if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := build(t, c, out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			if after := snapshot(t, out); after != before {
				t.Error("the failed package changed OUT")
			}
			if m, _ := filepath.Glob(filepath.Join(c.Dir, ".dist.new-*")); len(m) > 0 {
				t.Errorf("left behind: %v", m)
			}
		})
	}
}

func snapshot(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			b.WriteString(p + "\x00" + string(data) + "\x00")
		}
		return err
	})
	return b.String()
}

func TestCheckPage(t *testing.T) {
	for _, tt := range []struct{ page, want string }{
		{"<html><head><script src=app.js type=module></script></head></html>", ""},
		{"<html>\n<head>\n<script>go()</script>", "p.html:3: inline <script>"},
		{"<html>\n<body><button onclick=\"go()\">", "p.html:2: inline event handler onclick="},
		{"<style>p{}</style>", "p.html:1: inline <style>"},
		{"<p>\n\n<p style=\"color:red\">", "p.html:3: style= attribute"},
		{"<p>the onclick= word in text is fine</p>", ""},
	} {
		err := checkPage("p.html", []byte(tt.page))
		if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.page, err, tt.want)
		}
	}
}

// TestSpecFileRecordsWhatWasHashed: the package's hosts.SpecFile marks
// the names the packager gave a hash, and no other: a web/ file named
// photo-deadbeef.png keeps its name and is not hashed (a regular
// expression called it hashed, so serve sent it immutable and every host
// no-cache).
func TestSpecFileRecordsWhatWasHashed(t *testing.T) {
	c := newProject(t, nil)
	b := NewBuild(c, "")
	b.add(&File{Name: "photo-deadbeef.png", Data: []byte("\x89PNG")})
	b.add(&File{Name: "app-1a2b3c4d.js", Data: []byte("//"), Hashed: true})
	b.add(&File{Name: "index.html", Data: []byte("<!doctype html>")})
	if err := hostConfigs(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	f := b.Files[hosts.SpecFile]
	if f == nil || !f.Host {
		t.Fatalf("no host file %s: %+v", hosts.SpecFile, f)
	}
	var spec hosts.Spec
	if err := json.Unmarshal(f.Data, &spec); err != nil {
		t.Fatal(err)
	}
	want := []hosts.File{{Name: "app-1a2b3c4d.js", Hashed: true}, {Name: "index.html"}, {Name: "photo-deadbeef.png"}}
	if !slices.Equal(spec.Files, want) {
		t.Errorf("spec files %+v, want %+v", spec.Files, want)
	}
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
