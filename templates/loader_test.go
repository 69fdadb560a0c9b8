package templates_test

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/pwagen/pwagen/templates"
	"github.com/pwagen/pwagen/validate"
)

// loaderFiles is every module of the loader, by name.
func loaderFiles(t *testing.T) map[string]string {
	t.Helper()
	names, err := fs.Glob(templates.Loader, "loader/*.js")
	if err != nil || len(names) == 0 {
		t.Fatalf("no loader files: %v", err)
	}
	files := map[string]string{}
	for _, n := range names {
		data, err := fs.ReadFile(templates.Loader, n)
		if err != nil {
			t.Fatal(err)
		}
		files[n] = string(data)
	}
	return files
}

// TestLoaderFilesParse parses every module of the loader as esbuild does
// when it bundles one, for the oldest browsers pwagen targets: a syntax
// error in any of them (loader/kernels.js passed go test -short) fails
// here, with its file and line, without a browser.
func TestLoaderFilesParse(t *testing.T) {
	for name, src := range loaderFiles(t) {
		res := api.Transform(src, api.TransformOptions{
			Loader: api.LoaderJS, Format: api.FormatESModule, Sourcefile: name,
			Engines: []api.Engine{{Name: api.EngineChrome, Version: "100"}, {Name: api.EngineFirefox, Version: "115"}, {Name: api.EngineSafari, Version: "16.4"}},
		})
		for _, m := range append(res.Errors, res.Warnings...) {
			loc := name
			if m.Location != nil {
				loc = fmt.Sprintf("%s:%d:%d: %s", name, m.Location.Line, m.Location.Column+1, strings.TrimSpace(m.Location.LineText))
			}
			t.Errorf("%s: %s", loc, m.Text)
		}
	}
}

// TestLoaderWASIMatchesValidate: the WASI functions wasi.js provides are
// the ones validate lets a model import (validate.LoaderWASI), no more and
// no fewer: a model importing one validate accepts must link in the
// browser, and validate must not reject one the shim provides
// (clock_res_get was).
func TestLoaderWASIMatchesValidate(t *testing.T) {
	src := loaderFiles(t)["loader/wasi.js"]
	start := strings.Index(src, "this.imports = {")
	if start < 0 {
		t.Fatal("wasi.js: no `this.imports = {`")
	}
	var provided []string
	for _, line := range strings.Split(src[start:], "\n")[1:] {
		if strings.HasPrefix(line, "    };") || strings.HasPrefix(line, "    }") {
			break
		}
		if m := regexp.MustCompile(`^      ([a-z_0-9]+):`).FindStringSubmatch(line); m != nil {
			provided = append(provided, m[1])
		}
	}
	if len(provided) < 10 {
		t.Fatalf("read %d functions from wasi.js: %q; has its layout changed?", len(provided), provided)
	}
	slices.Sort(provided)
	want := slices.Sorted(slices.Values(validate.LoaderWASI))
	if !slices.Equal(provided, want) {
		t.Errorf("wasi.js provides %q\nvalidate.LoaderWASI is %q", provided, want)
	}
}

// TestSIMDProbeOnce: the bytes that probe for SIMD are written in one
// loader file (kernels.js), and validate finds that they need SIMD.
func TestSIMDProbeOnce(t *testing.T) {
	probe := regexp.MustCompile(`'(0061736d[0-9a-f]+)'`)
	var in []string
	var hex string
	for name, src := range loaderFiles(t) {
		for _, m := range probe.FindAllStringSubmatch(src, -1) {
			in, hex = append(in, name), m[1]
		}
	}
	if len(in) != 1 {
		t.Fatalf("a wasm probe is written in %q; want one place, loader/kernels.js", in)
	}
	wasm := make([]byte, len(hex)/2)
	for i := range wasm {
		fmt.Sscanf(hex[2*i:2*i+2], "%02x", &wasm[i])
	}
	r, err := validate.Module(t.Context(), "probe.wasm", wasm, validate.Options{CacheDir: "off"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r.Features, "simd") {
		t.Errorf("the probe needs %q, want simd", r.Features)
	}
}
