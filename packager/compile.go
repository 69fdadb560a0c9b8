package packager

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pwagen/pwagen/internal/fsx"
)

// CompileError is a failed `go build` of the model, with the compiler's own
// lines.
type CompileError struct {
	Package string
	Output  string
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("compiling the model (%s) failed; fix these and run pwagen package again:\n%s", e.Package, strings.TrimRight(e.Output, "\n"))
}

// NoKernelsTag is the build tag that makes package kernels pure Go in a
// wasm build (pwagen.toml: [model] kernels = false).
const NoKernelsTag = "pwagen_nokernels"

// wasmEnv is the environment of a model build: a wasip1 reactor.
var wasmEnv = []string{"GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0"}

func compileModel(ctx context.Context, b *Build) error {
	if b.Wasm != nil { // prebuilt by the caller
		return nil
	}
	wasm, err := BuildModel(ctx, b)
	if err != nil {
		return err
	}
	b.Wasm = wasm
	return nil
}

// BuildModel compiles the project's model to a wasip1 reactor and returns
// the .wasm bytes; with [model] kernels = false, with -tags pwagen_nokernels.
//
// With [model] wasm, the model comes from another toolchain instead: it
// runs [model] build, if set, and reads that module (foreign.go).
func BuildModel(ctx context.Context, b *Build) ([]byte, error) {
	if b.Config.Model.Foreign() {
		return buildForeign(ctx, b)
	}
	tmp, err := os.MkdirTemp("", "pwagen-wasm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "model.wasm")
	pkg := b.Config.Model.Package
	args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-buildmode=c-shared"}
	if !b.Config.Model.Kernels { // kernels = false in pwagen.toml: package kernels runs as pure Go
		args = append(args, "-tags", NoKernelsTag)
	}
	// "--" ends go build's flags: the package is never read as one (such
	// as -toolexec=PROGRAM). config refuses such a package already.
	args = append(args, "-o", out, "--", pkg)
	msg, err := b.goBuild(ctx, b.Config.Dir, wasmEnv, args...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ee interface{ ExitCode() int }
		if !errors.As(err, &ee) {
			return nil, fmt.Errorf("running go build: %w; is the Go toolchain (1.24 or later) on PATH?", err)
		}
		return nil, &CompileError{Package: pkg, Output: string(msg)}
	}
	return fsx.ReadFile(out, fsx.WasmLimit, "compiled model")
}
