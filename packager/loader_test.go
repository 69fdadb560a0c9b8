package packager

import (
	"io/fs"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/internal/golden"
	"github.com/pwagen/pwagen/templates"
)

// fixedRuntimeConfig is a runtime configuration with every field set.
var fixedRuntimeConfig = RuntimeConfig{
	Version:   "0123456789abcdef",
	Wasm:      "model-01234567.wasm",
	WasmSize:  1234,
	Weights:   WeightsIndex{Total: 10, Shards: []Shard{{URL: "weights/0123456789abcdef.bin", Size: 10, SHA256: strings.Repeat("ab", 32)}}},
	Update:    "prompt",
	Isolation: "none",
	Kernels:   &KernelsConfig{Forwarder: "kernels/forwarder-01234567.wasm", SIMD: "kernels/simd-01234567.wasm", Scalar: "kernels/scalar-01234567.wasm"},
	SHA256:    map[string]string{"model-01234567.wasm": strings.Repeat("cd", 32)},
	Memory:    4 << 20,
}

// TestLoaderGolden bundles the loader with a fixed runtime configuration
// for the default targets, as the packager does but not minified, and
// compares it with testdata/TestLoaderGolden.golden: any change to the
// runtime JS shows as a diff to review (go test -update). The minified
// bundle, which packages ship, must build too and carry the configuration.
func TestLoaderGolden(t *testing.T) {
	js, err := loaderJS(fixedRuntimeConfig, config.Defaults.Browser.Targets, false)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, js)
	min, err := loaderJS(fixedRuntimeConfig, config.Defaults.Browser.Targets, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(min), `"model-01234567.wasm"`) || len(min) >= len(js) {
		t.Errorf("the minified loader (%d bytes, unminified %d) lacks the configuration", len(min), len(js))
	}
}

// TestRuntimeConfigTypedef: config.js's JSDoc typedef of the runtime
// configuration names every JSON field of RuntimeConfig, and no other.
func TestRuntimeConfigTypedef(t *testing.T) {
	src, err := fs.ReadFile(templates.Loader, "loader/config.js")
	if err != nil {
		t.Fatal(err)
	}
	block := string(src)
	i := strings.Index(block, "@typedef {object} RuntimeConfig")
	if i < 0 {
		t.Fatal("config.js: no @typedef {object} RuntimeConfig")
	}
	block = block[i : strings.Index(block[i:], "*/")+i]
	var documented []string
	for _, m := range regexp.MustCompile(`@property \{[^\n]*?\} \[?(\w+)`).FindAllStringSubmatch(block, -1) {
		documented = append(documented, m[1])
	}
	var fields []string
	rt := reflect.TypeFor[RuntimeConfig]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		fields = append(fields, name)
	}
	slices.Sort(documented)
	slices.Sort(fields)
	if !slices.Equal(documented, fields) {
		t.Errorf("config.js documents %q\nRuntimeConfig has %q", documented, fields)
	}
}
