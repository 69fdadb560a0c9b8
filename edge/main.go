package edge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/kernels/native"
	"github.com/pwagen/pwagen/runner"
	"github.com/tetratelabs/wazero"
)

// Bundle is what an executable embeds: written by package edgegen into
// the generated main package.
type Bundle struct {
	Name          string
	Wasm          []byte
	WasmSHA256    string
	Weights       []byte // nil for a model without weights
	WeightsSHA256 string
	PWA           fs.FS // the packaged app, served at /; nil for none
	// Shared are the app's files that are slices of Wasm or Weights (the
	// model and the weight shards), embedded once and served from those.
	Shared []Shared
	// Headers are the app's header rules (hosts.Rules of the package):
	// CSP, isolation and cache, as every host of the package sends them.
	Headers []hosts.Rule
}

// Shared is a file of the app whose bytes are Of ("model" or "weights")
// from Off, Size bytes long.
type Shared struct {
	Path      string
	Of        string
	Off, Size int64
}

// exit codes, as pwagen's own.
const (
	exitFailed = 1
	exitUsage  = 2
)

type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageErr{fmt.Sprintf(format, args...)} }

// Main runs the command line args (without the program name) and returns
// the exit code.
func Main(b Bundle, args []string, stdout, stderr io.Writer) int {
	start := time.Now()
	err := run(context.Background(), b, args, stdout, stderr, start)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", b.Name, err)
	if errors.As(err, new(usageErr)) {
		return exitUsage
	}
	return exitFailed
}

const usageText = `%[1]s runs one model packaged by pwagen, offline.

Usage:
  %[1]s predict --input FILE [--input NAME=FILE]... [--output FILE.npy]
  %[1]s serve [--addr 127.0.0.1:8080] [--instances N] [--queue N] [--max-body BYTES]
  %[1]s info

Every command takes --cache DIR (wazero's compilation cache; "off" for none).
`

func run(ctx context.Context, b Bundle, args []string, stdout, stderr io.Writer, start time.Time) error {
	if len(args) == 0 {
		fmt.Fprintf(stderr, usageText, b.Name)
		return usagef("give a command: predict, serve or info")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "predict":
		return predictCmd(ctx, b, rest, stdout, stderr, start)
	case "serve":
		return serveCmd(ctx, b, rest, stdout, stderr, start)
	case "info":
		return infoCmd(ctx, b, rest, stdout, stderr, start)
	case "help", "-h", "-help", "--help":
		fmt.Fprintf(stdout, usageText, b.Name)
		return nil
	}
	return usagef("unknown command %q; the commands are predict, serve and info", cmd)
}

// newFlags returns a flag set that reports errors as usage errors, with
// the --cache flag every command has.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	cache := fl.String("cache", "", `wazero's compilation cache folder; "off" for none (default: the user's cache folder)`)
	return fl, cache
}

func parse(fl *flag.FlagSet, args []string) error {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usagef("%s: see the flags above", fl.Name())
		}
		return usagef("%s: %v", fl.Name(), err)
	}
	if fl.NArg() > 0 {
		return usagef("%s takes flags only; %q is not one", fl.Name(), fl.Arg(0))
	}
	return nil
}

// verify checks the embedded model and weights against the hashes they
// were built with: a changed executable refuses to start.
func verify(b Bundle) error {
	exe, err := os.Executable()
	if err != nil {
		exe = b.Name
	}
	check := func(what string, data []byte, want string) error {
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want {
			return fmt.Errorf("%s: the embedded %s (%d bytes) hash to SHA-256 %s, and pwagen built this executable with %s: the file was changed after it was built; build it again with pwagen package --edge, or copy it again", exe, what, len(data), got, want)
		}
		return nil
	}
	if err := check("model", b.Wasm, b.WasmSHA256); err != nil {
		return err
	}
	if b.WeightsSHA256 != "" {
		return check("weights", b.Weights, b.WeightsSHA256)
	}
	return nil
}

// engine is how models are loaded: the kernel variant and the compilation
// cache, shared by every instance.
type engine struct {
	b Bundle
	// variant is the kernels the model runs on: modules.SIMD (under
	// wazero), modules.Scalar (interpreted), or native.Variant (package
	// kernels/native: amd64 with AVX2, in a build with GOEXPERIMENT=simd).
	variant modules.Variant
	// why says how variant was chosen, for info.
	why      string
	cache    wazero.CompilationCache
	cacheDir string // "" when off or in memory only
	// limit bounds one prediction (serve --time-limit); 0 compiles the
	// model without wazero's context checks, about 4 times faster on
	// examples/digits, and a call then always runs to its end.
	limit time.Duration
}

// newEngine verifies the bundle and prepares the compilation cache: flag
// is --cache ("" for the user's cache folder, "off" for none).
func newEngine(b Bundle, flag string, stderr io.Writer) (*engine, error) {
	if err := verify(b); err != nil {
		return nil, err
	}
	e := &engine{b: b, variant: modules.SIMD}
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		e.variant = modules.Scalar
		fmt.Fprintf(stderr, "%s: warning: wazero has no compiler for %s; the model runs interpreted, several times slower\n", b.Name, runtime.GOARCH)
	}
	e.why = kernelsWhy(e.variant)
	if native.Available() {
		e.variant = modules.Variant(native.Variant)
	}
	dir := flag
	if dir == "" {
		if d, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(d, "pwagen", "edge")
		} else {
			fmt.Fprintf(stderr, "%s: warning: no cache folder (%v); compiling the model on every start; give --cache DIR\n", b.Name, err)
			dir = "off"
		}
	}
	if dir != "off" {
		c, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			if flag != "" {
				return nil, usagef("--cache %s: %v; give a folder this user can write, or --cache off", dir, err)
			}
			fmt.Fprintf(stderr, "%s: warning: compilation cache %s: %v; compiling the model on every start\n", b.Name, dir, err)
		} else {
			e.cache, e.cacheDir = c, dir
		}
	}
	if e.cache == nil { // instances still share one compilation
		e.cache = wazero.NewCompilationCache()
	}
	return e, nil
}

func (e *engine) load(ctx context.Context) (*runner.Model, error) {
	o := runner.Options{Variant: e.variant, Cache: e.cache, Uninterruptible: e.limit == 0}
	if e.variant == native.Variant {
		o.Variant, o.Native = modules.SIMD, true
	}
	m, err := runner.Load(ctx, e.b.Wasm, e.b.Weights, o)
	if err != nil {
		return nil, fmt.Errorf("loading the model: %w", err)
	}
	return m, nil
}

// kernelsWhy says which kernels this build holds and why they run or not.
func kernelsWhy(v modules.Variant) string {
	switch {
	case v == modules.Scalar:
		return "wazero has no compiler for " + runtime.GOARCH + ": the scalar kernel module, interpreted"
	case native.Available():
		return "AVX2 kernels built in (GOEXPERIMENT=simd), this CPU has AVX2; the model's .wasm under wazero calls them natively"
	case native.Built:
		return "AVX2 kernels built in, but this CPU has no AVX2: wazero runs the SIMD kernel module"
	case runtime.GOARCH == "amd64":
		return "built without the AVX2 kernels (the Go toolchain that built it had no GOEXPERIMENT=simd): wazero runs the SIMD kernel module"
	}
	return "wazero runs the SIMD kernel module (native kernels exist for amd64 only)"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
