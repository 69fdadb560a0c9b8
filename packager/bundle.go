package packager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/internal/browser"
	"github.com/pwagen/pwagen/internal/fsx"
	"github.com/pwagen/pwagen/templates"
)

// LoaderName is the loader's stable file name; apps import it as "./pwagen.js".
const LoaderName = "pwagen.js"

// engineNames maps every browser.Names to its esbuild engine.
var engineNames = map[string]api.EngineName{
	"chrome": api.EngineChrome, "edge": api.EngineEdge, "firefox": api.EngineFirefox,
	"safari": api.EngineSafari, "ios": api.EngineIOS,
}

// engines turns the config's targets ("chrome100"), which config.Load
// parsed, into esbuild engines.
func engines(targets []string) []api.Engine {
	var out []api.Engine
	for _, s := range targets {
		if t, err := browser.Parse(s); err == nil {
			out = append(out, api.Engine{Name: engineNames[t.Browser], Version: t.Version})
		}
	}
	return out
}

// esbuildError turns esbuild's messages into file:line:col errors.
func esbuildError(dir string, msgs []api.Message) error {
	var errs []error
	for _, m := range msgs {
		if m.Location == nil {
			errs = append(errs, errors.New(m.Text))
			continue
		}
		l := m.Location
		file := l.File
		if rel, err := filepath.Rel(dir, filepath.Join(dir, file)); err == nil {
			file = rel
		}
		msg := fmt.Sprintf("%s:%d:%d: %s\n\t%s", file, l.Line, l.Column+1, m.Text, l.LineText)
		if l.Suggestion != "" {
			msg += fmt.Sprintf("\n\tnote: did you mean %q?", l.Suggestion)
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// bundleApp bundles web/app.js and web/style.css with esbuild into hashed
// files. The app's import of ./pwagen.js stays a runtime import of the
// stable loader, so there is one loader, and it can change without the
// app's hash changing.
func bundleApp(ctx context.Context, b *Build) error {
	web := b.Config.Rel(b.Config.App.Web)
	for _, src := range []string{"app.js", "style.css"} {
		entry := filepath.Join(web, src)
		if err := fsx.Check(entry, fsx.PageLimit, src); errors.Is(err, os.ErrNotExist) {
			if src == "app.js" {
				return fmt.Errorf("%s: missing; the page's script must be %s/app.js (it imports ./pwagen.js)", entry, b.Config.App.Web)
			}
			continue
		} else if err != nil {
			return err
		}
		res := api.Build(api.BuildOptions{
			EntryPoints:       []string{entry},
			AbsWorkingDir:     b.Config.Dir,
			Bundle:            true,
			Write:             false,
			Format:            api.FormatESModule,
			Engines:           engines(b.Config.Browser.Targets),
			MinifyWhitespace:  true,
			MinifyIdentifiers: true,
			MinifySyntax:      true,
			External:          []string{"./" + LoaderName},
			LegalComments:     api.LegalCommentsNone,
			Outdir:            web,
			Charset:           api.CharsetUTF8,
			Loader:            map[string]api.Loader{".png": api.LoaderFile, ".svg": api.LoaderFile, ".woff2": api.LoaderFile, ".jpg": api.LoaderFile},
			AssetNames:        "assets/[name]-[hash]",
			LogLevel:          api.LogLevelSilent,
			Plugins:           []api.Plugin{b.projectFiles()},
		})
		if len(res.Errors) > 0 {
			return esbuildError(b.Config.Dir, res.Errors)
		}
		for _, f := range res.OutputFiles {
			rel, err := filepath.Rel(web, f.Path)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if rel == src {
				name := b.hashed(src, f.Contents)
				b.names[src] = name
				b.add(&File{Name: name, Data: f.Contents, Hashed: true})
			} else { // assets esbuild named by hash
				b.add(&File{Name: rel, Data: f.Contents, Hashed: true})
			}
		}
	}
	return bundleWorklets(b, web)
}

// bundleWorklets bundles each web/NAME.worklet.js on its own (an
// AudioWorklet's or a PaintWorklet's module, which the page loads with
// audioWorklet.addModule('NAME.worklet.js'): esbuild does not follow that
// URL from app.js, and the Content-Security-Policy refuses blob: modules).
// It keeps its name, so the page can name it; it is revalidated, not cached
// forever, and the service worker keeps it for offline use like the page.
func bundleWorklets(b *Build, web string) error {
	entries, err := os.ReadDir(web)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, ".worklet.js") || strings.HasPrefix(name, ".") {
			continue
		}
		if _, taken := b.Files[name]; taken || reserved[name] {
			return fmt.Errorf("%s: clashes with a file pwagen writes (%s); rename it", filepath.Join(web, name), name)
		}
		res := api.Build(api.BuildOptions{
			EntryPoints:       []string{filepath.Join(web, name)},
			AbsWorkingDir:     b.Config.Dir,
			Bundle:            true,
			Write:             false,
			Format:            api.FormatESModule,
			Engines:           engines(b.Config.Browser.Targets),
			MinifyWhitespace:  true,
			MinifyIdentifiers: true,
			MinifySyntax:      true,
			LegalComments:     api.LegalCommentsNone,
			Outdir:            web,
			Charset:           api.CharsetUTF8,
			LogLevel:          api.LogLevelSilent,
		})
		if len(res.Errors) > 0 {
			return esbuildError(b.Config.Dir, res.Errors)
		}
		if len(res.OutputFiles) != 1 {
			return fmt.Errorf("%s: esbuild wrote %d files, want 1 (a worklet cannot import assets)", filepath.Join(web, name), len(res.OutputFiles))
		}
		b.add(&File{Name: name, Data: res.OutputFiles[0].Contents})
	}
	return nil
}

// RuntimeConfig is baked into pwagen.js as __PWAGEN__.
type RuntimeConfig struct {
	Version   string       `json:"version"`
	Wasm      string       `json:"wasm"`
	WasmSize  int          `json:"wasmSize"`
	Weights   WeightsIndex `json:"weights"`
	Update    string       `json:"update"`
	Isolation string       `json:"isolation"`
	// Kernels is set when the model imports module "kernels" (kernels.go).
	Kernels *KernelsConfig `json:"kernels,omitempty"`
	// SHA256 maps each .wasm file to the hex SHA-256 of its bytes: the
	// loader compiles only what matches (fetchwasm.js).
	SHA256 map[string]string `json:"sha256"`
	// Memory is the model's peak linear memory in bytes, measured when it
	// was packaged (0: not measured). The loader checks that the device
	// can reserve it before downloading anything (memory.js).
	Memory uint64 `json:"memory"`
	// Entry is set in a library: the loader's file in the package folder,
	// which the worker runs from (pwagen.js: startWorker).
	Entry string `json:"entry,omitempty"`
}

func bundleLoader(ctx context.Context, b *Build) error {
	kernels := b.kernels
	if kernels != nil && b.threaded {
		k := *kernels
		if err := addThreads(b, &k); err != nil {
			return err
		}
		kernels = &k
	}
	rc := RuntimeConfig{
		Version:   versionPlaceholder,
		Wasm:      b.hashed("model.wasm", b.Wasm),
		WasmSize:  len(b.Wasm),
		Weights:   b.Weights,
		Update:    b.Config.Deploy.Update,
		Isolation: b.Config.Deploy.Isolation,
		Kernels:   kernels,
		SHA256:    map[string]string{},
		Memory:    b.peak,
	}
	if b.Lib {
		rc.Entry = LibEntry
	}
	for _, n := range b.sortedNames() {
		if path.Ext(n) == ".wasm" {
			rc.SHA256[n] = b.sha256Hex(b.Files[n].Data)
		}
	}
	targets := b.Config.Browser.Targets
	key, err := json.Marshal(struct {
		RC      RuntimeConfig
		Targets []string
	}{rc, targets})
	if err != nil {
		return err
	}
	js, err := b.cachedJS("loader", func() ([]byte, error) { return loaderJS(rc, targets, true) }, key)
	if err != nil {
		return err
	}
	js, b.version, err = loaderVersion(b, js)
	if err != nil {
		return err
	}
	b.add(&File{Name: b.loaderName(), Data: js})
	b.baked = baked{b.peak, b.threaded, b.maxWork}
	return nil
}

// loaderJS bundles the loader (templates/loader) with rc baked in as
// __PWAGEN__, for the targets; minified, as packages ship it, or not, as
// its golden test reads it.
func loaderJS(rc RuntimeConfig, targets []string, minify bool) ([]byte, error) {
	js, err := json.Marshal(rc)
	if err != nil {
		return nil, err
	}
	res := api.Build(api.BuildOptions{
		EntryPoints:       []string{"loader/" + LoaderName},
		Bundle:            true,
		Write:             false,
		Outfile:           LoaderName, // no file is written: the name is esbuild's only
		Format:            api.FormatESModule,
		Engines:           engines(targets),
		Define:            map[string]string{"__PWAGEN__": string(js)},
		MinifyWhitespace:  minify,
		MinifyIdentifiers: minify,
		MinifySyntax:      minify,
		LegalComments:     api.LegalCommentsNone,
		LogLevel:          api.LogLevelSilent,
		Plugins:           []api.Plugin{embeddedFS("pwagen", templates.Loader)},
	})
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("bundling the loader (a pwagen bug; please report it): %w", esbuildError("", res.Errors))
	}
	if len(res.OutputFiles) != 1 {
		return nil, fmt.Errorf("bundling the loader gave %d files, want 1 (a pwagen bug)", len(res.OutputFiles))
	}
	return res.OutputFiles[0].Contents, nil
}

// addModelFiles adds the model's .wasm and, when it imports them, the
// kernel modules, each under a hashed name.
func addModelFiles(ctx context.Context, b *Build) error {
	b.add(&File{Name: b.hashed("model.wasm", b.Wasm), Data: b.Wasm, Hashed: true})
	var err error
	b.kernels, err = addKernels(b)
	return err
}

// baked is what the loader was bundled with: the measured peak memory,
// whether the model runs threaded, and its biggest kernel call.
type baked struct {
	peak     uint64
	threaded bool
	maxWork  uint32
}

// bakePeak makes sure the loader and the service worker carry the peak
// memory the validator measured (the loader checks that the device can
// reserve it before downloading anything), bundling them again if they were
// bundled before the report: they are not, in the pipelines, whose loader
// stage follows the validator's. The figure adds a few bytes to the shell:
// the download is counted with the final shell and checked against its
// budget, and a failed check stops the package here.
func bakePeak(ctx context.Context, b *Build) error {
	r := b.Report
	if r == nil {
		return nil
	}
	if (baked{b.peak, b.threaded, b.maxWork}) != b.baked {
		delete(b.Files, b.loaderName())
		delete(b.Files, "sw.js")
		if err := bundleLoader(ctx, b); err != nil {
			return err
		}
		if err := b.swUnlessLib(ctx); err != nil {
			return err
		}
	}
	r.SetShell(uint64(b.shellGzip()))
	if !r.OK {
		return checkFailed(r)
	}
	return nil
}

// projectFiles makes esbuild load the app's modules and assets from inside
// the project only, and only regular files of bounded size: an import may
// not publish /etc/shadow, nor read /dev/zero forever.
func (b *Build) projectFiles() api.Plugin {
	return api.Plugin{Name: "project", Setup: func(pb api.PluginBuild) {
		pb.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: "file"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			real, ok, err := config.Inside(b.Config.Dir, a.Path)
			if err != nil {
				return api.OnLoadResult{}, err
			}
			if !ok {
				return api.OnLoadResult{}, fmt.Errorf("%s resolves to %s, outside the project; pwagen would publish it: copy it into the project", a.Path, real)
			}
			// An empty result lets esbuild load the file as it would.
			return api.OnLoadResult{}, fsx.Check(a.Path, fsx.WebLimit, "web")
		})
	}}
}

// embeddedFS lets esbuild read every module from fsys, and nothing else.
func embeddedFS(ns string, fsys fs.FS) api.Plugin {
	return api.Plugin{Name: ns, Setup: func(pb api.PluginBuild) {
		pb.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			p := a.Path
			if a.Importer != "" {
				p = path.Join(path.Dir(a.Importer), a.Path)
			}
			return api.OnResolveResult{Path: path.Clean(p), Namespace: ns}, nil
		})
		pb.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: ns}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			data, err := fs.ReadFile(fsys, a.Path)
			if err != nil {
				return api.OnLoadResult{}, err
			}
			s := string(data)
			return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS}, nil
		})
	}}
}
