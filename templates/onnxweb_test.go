package templates_test

import (
	"bytes"
	"image/png"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/pwagen/pwagen/templates"
)

// onnxWebFiles are the static files of an imported model's web/ folder.
var onnxWebFiles = []string{"index.html", "app.js", "image.js", "tensor.js", "output.js", "camera.js", "style.css", "icon.png"}

// TestONNXWebFiles: the page exists, passes the packager's CSP rules (no
// inline script, event handler or style) and imports the loader and the
// generated model-ui.js; the icon is a square PNG of at least 512 px.
func TestONNXWebFiles(t *testing.T) {
	web := webFS(t)
	for _, name := range onnxWebFiles {
		if _, err := fs.Stat(web, name); err != nil {
			t.Errorf("templates/importproject/web/%s: %v", name, err)
		}
	}
	if _, err := fs.Stat(web, "model-ui.js"); err == nil {
		t.Error("templates/importproject/web/model-ui.js exists; it is generated for each model, not part of the template")
	}

	page, err := fs.ReadFile(web, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?is)<script\b([^>]*)>`).FindAllSubmatch(page, -1) {
		if !regexp.MustCompile(`(?i)\ssrc\s*=`).Match(m[1]) {
			t.Errorf("index.html: inline %s; the CSP allows scripts from files only", m[0])
		}
	}
	for _, re := range []string{`(?is)<[a-z][^>]*?\s(on[a-z]+)\s*=`, `(?is)<[a-z][^>]*?\sstyle\s*=`, `(?is)<style\b`} {
		if m := regexp.MustCompile(re).Find(page); m != nil {
			t.Errorf("index.html: %q; the CSP blocks inline handlers and styles", m)
		}
	}
	if !bytes.Contains(page, []byte(`<script type="module" src="app.js"></script>`)) {
		t.Error(`index.html does not load app.js as a module`)
	}

	app, err := fs.ReadFile(web, "app.js")
	if err != nil {
		t.Fatal(err)
	}
	imports := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^import\s[^;]*?from\s+'([^']+)';`).FindAllSubmatch(app, -1) {
		imports[string(m[1])] = true
	}
	for _, want := range []string{"./pwagen.js", "./model-ui.js"} {
		if !imports[want] {
			t.Errorf("app.js does not import %s (imports: %v)", want, imports)
		}
	}

	f, err := web.Open("icon.png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("icon.png: %v", err)
	}
	if cfg.Width != cfg.Height || cfg.Width < 512 {
		t.Errorf("icon.png is %dx%d; pwagen wants a square of at least 512 px", cfg.Width, cfg.Height)
	}
}

// stubLoader stands in for pwagen.js, which the packager writes: it only
// lets the bundle resolve.
const stubLoader = `export async function loadModel() { throw new Error('stub'); }`

// TestONNXWebBundles bundles the embedded app.js with esbuild, as the
// packager does, for the oldest browsers pwagen targets: a syntax or
// import error in any module fails here without a browser. model-ui.js is
// a fixture of each kind.
func TestONNXWebBundles(t *testing.T) {
	fixture, err := os.ReadFile("testdata/onnxweb/model-ui.js")
	if err != nil {
		t.Fatal(err)
	}
	image := string(fixture)
	for _, tt := range []struct{ kind, ui string }{
		{"image", image},
		{"numbers", strings.Replace(strings.Replace(image, `"kind": "image"`, `"kind": "numbers"`, 1), `"fields": []`, `"fields": ["a", "b"]`, 1)},
		{"file", strings.Replace(image, `"kind": "image"`, `"kind": "file"`, 1)},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			if !strings.Contains(tt.ui, `"kind": "`+tt.kind+`"`) {
				t.Fatalf("the fixture was not rewritten to kind %s", tt.kind)
			}
			res := api.Build(api.BuildOptions{
				EntryPoints: []string{"app.js"},
				Bundle:      true,
				Write:       false,
				Outfile:     "out.js",
				Format:      api.FormatESModule,
				Engines: []api.Engine{{Name: api.EngineChrome, Version: "100"}, {Name: api.EngineEdge, Version: "100"},
					{Name: api.EngineFirefox, Version: "115"}, {Name: api.EngineSafari, Version: "16.4"}},
				LogLevel: api.LogLevelSilent,
				Plugins:  []api.Plugin{webPlugin(webFS(t), map[string]string{"pwagen.js": stubLoader, "model-ui.js": tt.ui})},
			})
			for _, m := range append(res.Errors, res.Warnings...) {
				loc := ""
				if m.Location != nil {
					loc = m.Location.File + ":" + strings.TrimSpace(m.Location.LineText)
				}
				t.Errorf("esbuild: %s (%s)", m.Text, loc)
			}
			if len(res.OutputFiles) != 1 {
				t.Fatalf("esbuild wrote %d files, want 1", len(res.OutputFiles))
			}
			out := string(res.OutputFiles[0].Contents)
			for _, want := range []string{"toCHW", "parseNpy", "softmax", "getUserMedia"} {
				if !strings.Contains(out, want) {
					t.Errorf("the bundle lacks %s", want)
				}
			}
		})
	}
}

// webPlugin makes esbuild read modules from web, except those in stubs.
func webPlugin(web fs.FS, stubs map[string]string) api.Plugin {
	return api.Plugin{Name: "web", Setup: func(pb api.PluginBuild) {
		pb.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			p := a.Path
			if a.Importer != "" {
				p = path.Join(path.Dir(a.Importer), a.Path)
			}
			return api.OnResolveResult{Path: path.Clean(p), Namespace: "web"}, nil
		})
		pb.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: "web"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			s, ok := stubs[a.Path]
			if !ok {
				b, err := fs.ReadFile(web, a.Path)
				if err != nil {
					return api.OnLoadResult{}, err
				}
				s = string(b)
			}
			return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS}, nil
		})
	}}
}

// webFS is the page of imported projects: web/ of templates.Import().
func webFS(t *testing.T) fs.FS {
	sub, err := fs.Sub(templates.Import(), "web")
	if err != nil {
		t.Fatal(err)
	}
	return sub
}
