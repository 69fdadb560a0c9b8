package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/pwagen/pwagen/bench/fixture"
)

// env is what the sections share: tools, fixtures and figures that one
// section measures and another reports.
type env struct {
	o      *options
	pwagen string // the pwagen binary built from this tree
	self   string // this binary, for child runs
	node   string // bench/node
	cache  string // XDG_CACHE_HOME for pwagen's validator cache

	npmOnce sync.Once
	npmErr  error

	fixtures map[string]string // spec name → project folder
	wasms    map[string]string // project folder → prebuilt .wasm

	// Filled by the browser section, read by the bytes section.
	visits *visitBytes
	// Filled by the inference section, read by the digits section.
	iris *example
	// Measured once, for the digits and the kernel goals sections.
	digitsOnce sync.Once
	digits     *digitsResult
	digitsErr  error
	// bench/node/ort installed once; the ONNX models measured once, for
	// the onnx and ort sections.
	ortOnce  sync.Once
	ortErr   error
	onnxOnce sync.Once
	onnx     []*onnxModel
	// Filled by the packaging section, read by the bytes section.
	dists map[string]string // "pwagen", "workbox", "vite" → output folder of the default fixture
}

func newEnv(ctx context.Context, o *options) (*env, error) {
	verbose = o.verbose
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	e := &env{o: o, self: self, node: filepath.Join(o.repo, "bench", "node"),
		cache:    filepath.Join(o.work, "cache"),
		fixtures: map[string]string{}, wasms: map[string]string{}, dists: map[string]string{}}
	e.pwagen = filepath.Join(o.work, "bin", "pwagen")
	logf("building pwagen from %s", o.repo)
	if out, err := goCmd(ctx, o.repo, nil, "build", "-o", e.pwagen, "./cmd/pwagen"); err != nil {
		return nil, fmt.Errorf("building pwagen: %v\n%s", err, out)
	}
	return e, nil
}

func (e *env) close() {}

// goCmd runs the go command and returns its combined output.
func goCmd(ctx context.Context, dir string, extraEnv []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), extraEnv...)
	return cmd.CombinedOutput()
}

// npm installs the comparison tools from the lockfile, once per run, and
// only when that lockfile is not installed already (npmCI's stamp).
func (e *env) npm(ctx context.Context) error {
	e.npmOnce.Do(func() { e.npmErr = npmCI(ctx, e.node) })
	return e.npmErr
}

// fixture generates the fixture s once per run (it is deterministic, so
// this is the same tree every time) and returns its folder.
func (e *env) fixture(s fixture.Spec) (string, error) {
	if d, ok := e.fixtures[s.Name]; ok {
		return d, nil
	}
	d := filepath.Join(e.o.work, "fixtures", s.Name)
	if err := os.RemoveAll(d); err != nil {
		return "", err
	}
	if err := fixture.Generate(d, s); err != nil {
		return "", err
	}
	e.fixtures[s.Name] = d
	return d, nil
}

// wasmEnv and wasmFlags are what pwagen package compiles the model with
// (packager/compile.go).
var (
	wasmEnv   = []string{"GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0"}
	wasmFlags = []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-buildmode=c-shared"}
)

// wasm builds project's model (package ./model, or pkg) as pwagen does.
func (e *env) wasm(ctx context.Context, project, pkg string) (string, error) {
	return e.wasmTags(ctx, project, pkg, "")
}

// wasmTags builds project's package pkg as pwagen does, with -tags tags
// unless tags is "" (packager.NoKernelsTag: as with kernels = false).
func (e *env) wasmTags(ctx context.Context, project, pkg, tags string) (string, error) {
	key := project + "\x00" + pkg + "\x00" + tags
	if w, ok := e.wasms[key]; ok {
		return w, nil
	}
	if pkg == "" {
		pkg = "./model"
	}
	name := strings.ReplaceAll(strings.TrimPrefix(project, e.o.work), "/", "_") + strings.NewReplacer("/", "_", ".", "").Replace(pkg)
	if tags != "" {
		name += "-" + tags
	}
	out := filepath.Join(e.o.work, "wasm", name+".wasm")
	os.MkdirAll(filepath.Dir(out), 0o755)
	args := append([]string{}, wasmFlags...)
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	args = append(args, "-o", out, pkg)
	if b, err := goCmd(ctx, project, wasmEnv, args...); err != nil {
		return "", fmt.Errorf("go build %s in %s: %v\n%s", pkg, project, err, b)
	}
	e.wasms[key] = out
	return out, nil
}

// versions lists every tool the figures depend on.
func (e *env) versions(ctx context.Context) [][2]string {
	var v [][2]string
	add := func(k, val string) { v = append(v, [2]string{k, strings.TrimSpace(val)}) }
	out := func(name string, args ...string) string {
		b, err := exec.CommandContext(ctx, name, args...).Output()
		if err != nil {
			return "not found"
		}
		return strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)[0]
	}
	add("go", out("go", "version"))
	commit := out("git", "-C", e.o.repo, "rev-parse", "--short=12", "HEAD")
	// The report itself does not count: it is what this run rewrites.
	rel, _ := filepath.Rel(e.o.repo, e.o.out)
	if s := out("git", "-C", e.o.repo, "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)"+filepath.ToSlash(rel)); s != "" && s != "not found" {
		commit += " (with uncommitted changes in the work tree)"
	}
	add("pwagen", commit)
	add("chromium", out(chromiumPath(), "--version"))
	add("node", out("node", "--version"))
	add("npm", out("npm", "--version"))
	if err := e.npm(ctx); err == nil {
		for _, p := range []string{"esbuild", "html-minifier-terser", "workbox-cli", "workbox-build", "vite", "rolldown", "vite-plugin-pwa"} {
			add("npm "+p, npmVersion(e.node, p))
		}
	} else {
		add("npm packages", "not installed: "+oneLine(err.Error()))
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/evanw/esbuild", "github.com/tdewolff/minify/v2", "github.com/tetratelabs/wazero", "github.com/chromedp/chromedp":
				add("Go module "+d.Path, d.Version)
			}
		}
	}
	return v
}

func npmVersion(dir, pkg string) string {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", pkg, "package.json"))
	if err != nil {
		return "not installed"
	}
	var p struct{ Version string }
	json.Unmarshal(b, &p)
	return p.Version
}

func chromiumPath() string {
	for _, p := range []string{os.Getenv("PWAGEN_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if full, err := exec.LookPath(p); err == nil {
			return full
		}
	}
	return "chromium"
}
