package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/pwagen/pwagen/internal/fsx"
)

// FileName is the name of a project's configuration file.
const FileName = "pwagen.toml"

// Config is a parsed and checked pwagen.toml. Paths are absolute.
type Config struct {
	App     App     `toml:"app"`
	Model   Model   `toml:"model"`
	Budget  Budget  `toml:"budget"`
	Browser Browser `toml:"browsers"`
	Deploy  Deploy  `toml:"deploy"`
	Lib     Lib     `toml:"lib"`

	// Dir is the project folder (the folder of the config file).
	Dir string `toml:"-"`
	// File is the config file's path.
	File string `toml:"-"`
	// ShardSize, MemoryBudget and DownloadBudget are Model.ShardSize,
	// Budget.Memory and Budget.Download in bytes.
	ShardSize, MemoryBudget, DownloadBudget uint64 `toml:"-"`
	// TimeLimit is Budget.Time: how long one measured run of the model may take.
	TimeLimit time.Duration `toml:"-"`

	lines       map[string]int // "table.key" → its line in File
	weightsFlag bool           // Model.Weights is --weights, not from File
}

// Option changes how Load reads a project.
type Option func(*options)

type options struct{ weights string }

// WithWeights takes the weights from path (pwagen package --weights),
// which may be outside the project, instead of [model] weights.
func WithWeights(path string) Option { return func(o *options) { o.weights = path } }

// App describes the web app and its install metadata.
type App struct {
	Name            string `toml:"name"`
	ShortName       string `toml:"short_name"`
	Description     string `toml:"description"`
	ThemeColor      string `toml:"theme_color"`
	BackgroundColor string `toml:"background_color"`
	Web             string `toml:"web"`
	Icon            string `toml:"icon"`
}

// Model says where the Go model and its weights are, and how to build it.
type Model struct {
	Package   string `toml:"package"`
	Weights   string `toml:"weights"`
	ShardSize string `toml:"shard_size"`
	// Kernels builds the model with pwagen's WebAssembly kernels (package
	// kernels calls them in the browser; docs/kernels.md). false builds it
	// with -tags pwagen_nokernels: the kernels package runs as pure Go in
	// the .wasm and the package has no kernel files.
	Kernels bool `toml:"kernels"`
	// Wasm names a WebAssembly module made by another toolchain (Rust,
	// C, ...), relative to the project; pwagen packages it instead of
	// building Package with Go. Build, if set, is the command (argv, no
	// shell) that writes it, run in the project folder first.
	Wasm  string   `toml:"wasm"`
	Build []string `toml:"build"`
	// Quantize is how `pwagen import` stores the weights of Conv, Gemm and
	// MatMul when no --quantize flag is given: "int8", "fp16" or "none"
	// (the default, "" too).
	Quantize string `toml:"quantize"`
	// Backend is how `pwagen import` compiles an ONNX model: "go" (Go
	// source in Package, built by go build), "wasm" (a WebAssembly module,
	// Package/model.wasm, written directly: no Go runtime in it) or "auto"
	// (wasm when every node has a WebAssembly lowering, else go). ""
	// is "go", the layout of projects made before backends existed.
	// Package then uses Package/model.wasm when import wrote one.
	Backend string `toml:"backend"`
}

// GeneratedWasm is the module the wasm back end writes in the model
// package.
const GeneratedWasm = "model.wasm"

// Foreign tells whether the model comes from another toolchain
// ([model] wasm) rather than from go build.
func (m *Model) Foreign() bool { return m.Wasm != "" }

// Budget holds the limits the validator checks.
type Budget struct {
	Memory   string `toml:"memory"`
	Download string `toml:"download"`
	Time     string `toml:"time"` // Go duration: "30s", "2m"
	// QuantizedAgreement is the top-1 agreement a quantized classifier
	// must keep with the float model on the calibration inputs, from 0 to
	// 1 (0: the default, 0.99).
	QuantizedAgreement float64 `toml:"quantized_agreement"`
}

// Browser lists the target browsers in esbuild's syntax ("chrome100").
type Browser struct {
	Targets []string `toml:"targets"`
}

// Deploy chooses hosts, cross-origin isolation, the update behaviour and
// precompression.
type Deploy struct {
	Hosts     []string `toml:"hosts"`
	Isolation string   `toml:"isolation"`
	Update    string   `toml:"update"`
	// Precompress writes a .br (brotli, best level) and a .gz beside each
	// compressible file of the package, for the servers that send them as
	// they are (nginx gzip_static, Caddy, pwagen serve). Default true.
	Precompress bool `toml:"precompress"`
}

// Lib names the npm package that `pwagen package --lib` writes
// (docs/lib.md).
type Lib struct {
	// Name is the package's npm name, such as "digits" or "@acme/digits"
	// (default: [app] name in lower case, its words joined by "-").
	Name string `toml:"name"`
	// Version is its semantic version (default "0.1.0").
	Version string `toml:"version"`
}

// Defaults for keys a config may leave out.
var Defaults = Config{
	App:     App{Web: "web", Icon: "web/icon.png", ThemeColor: "#1f6feb", BackgroundColor: "#ffffff"},
	Model:   Model{Package: "./model", ShardSize: "4MiB", Kernels: true},
	Budget:  Budget{Memory: "64MiB", Download: "10MiB", Time: "2m"},
	Browser: Browser{Targets: []string{"chrome100", "edge100", "firefox115", "safari16.4"}},
	Deploy:  Deploy{Isolation: "none", Update: "prompt", Precompress: true},
}

// Load reads the config at path, which is a pwagen.toml or the folder that
// holds one, and checks that the paths it names stay inside the project.
func Load(path string, opts ...Option) (*Config, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, FileName)
	}
	data, err := fsx.ReadFile(path, fsx.ConfigLimit, "config")
	if errors.Is(err, os.ErrNotExist) {
		dir, _ := filepath.Abs(filepath.Dir(path))
		return nil, fmt.Errorf("%s: no such file: %s holds no project; run `pwagen new DIR` to start one, or pass the folder that holds %s", path, dir, FileName)
	}
	if err != nil {
		return nil, err
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	if err := c.checkPaths(o); err != nil {
		return nil, err
	}
	if err := c.resolveBackend(); err != nil {
		return nil, err
	}
	return c, nil
}

// Parse decodes data, the contents of the file at path, and checks it.
func Parse(path string, data []byte) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	c := Defaults
	c.Browser.Targets = slices.Clone(Defaults.Browser.Targets)
	c.File, c.Dir = abs, filepath.Dir(abs)
	name := filepath.Base(path)
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return nil, &Error{File: name, Line: 1, Col: 1, Msg: "the file starts with a UTF-8 byte order mark (BOM), which TOML does not allow; save it as UTF-8 without BOM (in most editors: encoding \"UTF-8\", not \"UTF-8 with BOM\")"}
	}
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, decodeError(name, data, err)
	}
	c.lines = keyLines(data)
	if err := c.check(name, c.lines); err != nil {
		return nil, err
	}
	return &c, nil
}

// Rel resolves a path from the config against the project folder.
func (c *Config) Rel(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, filepath.FromSlash(p))
}

// Error is a problem at a place in the config file.
type Error struct {
	File       string
	Line, Col  int
	Key        string
	Msg        string
	Suggestion string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Suggestion != "" {
		fmt.Fprintf(&b, "\n\tnote: did you mean %q?", e.Suggestion)
	}
	return b.String()
}
