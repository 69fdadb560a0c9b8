package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/browser"
	"github.com/pwagen/pwagen/internal/size"
)

var (
	colorRe = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
	sizeRe  = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$`)
)

// sizeFoldRe is a size whose unit has the wrong case, such as "64mb".
var sizeFoldRe = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*((?i)[kmg]i?b)\s*$`)

func binaryUnit(u string) string { return strings.ToUpper(u[:1]) + "iB" }

// units are the size units pwagen.toml takes, each documented in the
// templates' pwagen.toml and docs/design.md.
var units = map[string]uint64{"": 1, "B": 1, "KB": 1000, "KiB": 1 << 10, "MB": 1000 * 1000, "MiB": 1 << 20, "GB": 1000 * 1000 * 1000, "GiB": 1 << 30}

// ParseSize reads sizes such as "4MiB", "512 KiB" or "1048576".
func ParseSize(s string) (uint64, error) {
	m := sizeRe.FindStringSubmatch(s)
	if m == nil {
		if m := sizeFoldRe.FindStringSubmatch(s); m != nil {
			return 0, fmt.Errorf("%q is not a size: units are case-sensitive; write %q (powers of 1024) or %q (of 1000)", s, m[1]+binaryUnit(m[2]), m[1]+strings.ToUpper(m[2][:1])+"B")
		}
		return 0, fmt.Errorf("%q is not a size; write a number with a unit (B, KiB, MiB, GiB, or KB, MB, GB), such as \"4MiB\" or \"512KiB\"", s)
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil || f*float64(units[m[2]]) > 1<<50 {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return uint64(f * float64(units[m[2]])), nil
}

// ParseTime reads the time limit of a measured run: a Go duration from 1s
// to 24h, such as "30s", "2m" or "1h30m".
func ParseTime(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; write a number with a unit, such as \"30s\", \"2m\" or \"1h\"", s)
	}
	if d < time.Second || d > 24*time.Hour {
		return 0, fmt.Errorf("%s is outside 1s..24h; 2m suits most models", s)
	}
	return d, nil
}

// checkPackage returns why pkg is not a folder go build may be given
// safely, or "". A leading "-" would be read by go build as a flag (such
// as -toolexec=PROGRAM, which runs PROGRAM).
func checkPackage(pkg string) string {
	switch {
	case pkg == "":
		return "is empty"
	case strings.HasPrefix(pkg, "-"):
		return "starts with \"-\", which go build would read as a flag"
	case strings.Contains(pkg, "..."):
		return "is a pattern; the model is one package"
	case pkg == "." || pkg == ".." || strings.HasPrefix(pkg, "./") || strings.HasPrefix(pkg, "../") || filepath.IsAbs(pkg):
		return ""
	}
	return "is not a folder path (an import path would build code from outside the project)"
}

// check validates values after decoding; lines maps keys to their lines.
func (c *Config) check(name string, lines map[string]int) error {
	bad := func(key, format string, args ...any) error {
		return &Error{File: name, Line: lines[key], Key: key, Msg: key + ": " + fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(c.App.Name) == "" {
		return bad("app.name", "the app needs a name; set name = \"My model\" under [app]")
	}
	if c.App.ShortName == "" {
		c.App.ShortName = c.App.Name
	}
	if n := len([]rune(c.App.ShortName)); n > 12 {
		return bad("app.short_name", "%q is %d characters; home screens cut short names after about 12, so keep it to 12 or fewer", c.App.ShortName, n)
	}
	for key, v := range map[string]string{"app.theme_color": c.App.ThemeColor, "app.background_color": c.App.BackgroundColor} {
		if !colorRe.MatchString(v) {
			return bad(key, "%q is not a colour; write it as #rgb or #rrggbb", v)
		}
	}
	if err := c.checkForeign(lines, bad); err != nil {
		return err
	}
	if err := checkPackage(c.Model.Package); err != "" {
		return bad("model.package", "%q %s; give the model's folder relative to the project, such as \"./model\"", c.Model.Package, err)
	}
	if c.Model.Weights == "" {
		return bad("model.weights", "the model needs a weights file; set weights = \"weights/model.bin\" under [model]")
	}
	var err error
	if c.ShardSize, err = ParseSize(c.Model.ShardSize); err != nil {
		return bad("model.shard_size", "%v", err)
	}
	if c.ShardSize < 64<<10 || c.ShardSize > 256<<20 {
		return bad("model.shard_size", "%s is outside 64KiB..256MiB; 4MiB suits most hosts and browsers", c.Model.ShardSize)
	}
	if c.MemoryBudget, err = ParseSize(c.Budget.Memory); err != nil {
		return bad("budget.memory", "%v", err)
	}
	if c.MemoryBudget > size.Wasm32Memory {
		return bad("budget.memory", "%s is over 4GiB, the most a wasm32 module can address", c.Budget.Memory)
	}
	if c.DownloadBudget, err = ParseSize(c.Budget.Download); err != nil {
		return bad("budget.download", "%v", err)
	}
	if c.TimeLimit, err = ParseTime(c.Budget.Time); err != nil {
		return bad("budget.time", "%v", err)
	}
	if len(c.Browser.Targets) == 0 {
		return bad("browsers.targets", "list at least one target browser, such as [\"chrome100\", \"safari16.4\"]")
	}
	for _, t := range c.Browser.Targets {
		if _, err := browser.Parse(t); err != nil {
			return bad("browsers.targets", "%v", err)
		}
	}
	// hosts.Check knows the isolation modes and the hosts.
	if err := hosts.Check(c.Deploy.Hosts, c.Deploy.Isolation); err != nil {
		var ce *hosts.ConfigError
		key := "deploy.hosts"
		if errors.As(err, &ce) {
			key = ce.Key
		}
		return &Error{File: name, Line: lines[key], Key: key, Msg: err.Error()}
	}
	switch c.Model.Quantize {
	case "", "none", "int8", "fp16":
	default:
		return bad("model.quantize", "%q is not a quantization; use \"int8\" (a quarter of the weights), \"fp16\" (half) or \"none\"", c.Model.Quantize)
	}
	if a := c.Budget.QuantizedAgreement; a < 0 || a > 1 || a != a {
		return bad("budget.quantized_agreement", "%v is not a share from 0 to 1; write 0.99 for 99%%", a)
	}
	switch c.Deploy.Update {
	case "prompt", "auto":
	default:
		return bad("deploy.update", "%q is not an update mode; use \"prompt\" (the page decides when to reload) or \"auto\"", c.Deploy.Update)
	}
	return c.checkLib(bad)
}

// checkForeign checks [model] wasm and build, which take the model from
// another toolchain.
func (c *Config) checkForeign(lines map[string]int, bad func(key, format string, args ...any) error) error {
	m := &c.Model
	if len(m.Build) > 0 && m.Wasm == "" {
		return bad("model.build", "names a command but not the module it writes; add wasm = \"target/wasm32-wasi/release/model.wasm\" (the path the command writes, relative to %s) under [model]", FileName)
	}
	switch m.Backend {
	case "", "go", "auto", "wasm":
	default:
		return bad("model.backend", "%q is not a back end; use \"auto\" (a WebAssembly module without the Go runtime when pwagen import can write one, else Go), \"wasm\" or \"go\"", m.Backend)
	}
	if m.Wasm == "" {
		return nil
	}
	if m.Backend != "" {
		return bad("model.backend", "is set with model.wasm: backend picks how pwagen import compiles an ONNX model into model.package, wasm takes a module from another toolchain; keep one of them")
	}
	if _, set := lines["model.package"]; set {
		return bad("model.package", "is set with model.wasm: package builds the model with Go, wasm takes a module from another toolchain; keep one of them")
	}
	if !strings.HasSuffix(m.Wasm, ".wasm") {
		return bad("model.wasm", "%q does not end in .wasm; name the WebAssembly module the build writes, such as \"target/wasm32-wasi/release/model.wasm\"", m.Wasm)
	}
	if len(m.Build) > 0 && strings.TrimSpace(m.Build[0]) == "" {
		return bad("model.build", "the command is empty; give the program and its arguments as a list, such as [\"cargo\", \"build\", \"--release\", \"--target\", \"wasm32-wasi\"]")
	}
	if len(m.Build) > 64 {
		return bad("model.build", "has %d arguments, over 64; put a long build in a script and name it here", len(m.Build))
	}
	return nil
}

// resolveBackend makes a project whose model import wrote as WebAssembly
// ([model] backend = "wasm", or "auto" with Package/model.wasm present)
// package that module, as if [model] wasm named it.
func (c *Config) resolveBackend() error {
	m := &c.Model
	if m.Wasm != "" || (m.Backend != "wasm" && m.Backend != "auto") {
		return nil
	}
	if !m.Kernels {
		// The module calls the kernel modules; kernels = false asks for a
		// model without them, which only the Go package can be.
		if m.Backend == "wasm" {
			return &Error{File: filepath.Base(c.File), Line: c.lines["model.backend"], Key: "model.backend",
				Msg: "model.backend: \"wasm\" with kernels = false: the generated module calls pwagen's kernel modules; set kernels = true, or backend = \"go\" for a model without them"}
		}
		return nil
	}
	rel := filepath.ToSlash(filepath.Join(filepath.FromSlash(m.Package), GeneratedWasm))
	_, err := os.Stat(c.Rel(rel))
	switch {
	case err == nil:
		m.Wasm = rel
	case m.Backend == "wasm":
		return &Error{File: filepath.Base(c.File), Line: c.lines["model.backend"], Key: "model.backend",
			Msg: fmt.Sprintf("model.backend: \"wasm\", but %s does not exist; run `pwagen import MODEL.onnx` to write it, or set backend = \"go\" to build the Go package", rel)}
	}
	return nil
}
