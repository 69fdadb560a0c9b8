package packager

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/internal/fsx"
)

// buildOutputKeep is how much of a [model] build command's output pwagen
// keeps to show on failure: the start, where compilers print the first
// error.
const buildOutputKeep = 64 << 10

// ModelName names the model in messages: the Go package, or the module
// of another toolchain.
func ModelName(c *config.Config) string {
	if c.Model.Foreign() {
		return c.Model.Wasm
	}
	return c.Model.Package
}

// buildForeign runs [model] build, if set, in the project folder and reads
// the module [model] wasm names: a model from any toolchain.
func buildForeign(ctx context.Context, b *Build) ([]byte, error) {
	c := b.Config
	m := c.Model
	if len(m.Build) > 0 {
		msg, err := runBuild(ctx, c.Dir, m.Build)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				return nil, fmt.Errorf("%s: [model] build: running %q: %w; is it installed and on PATH?", c.File, m.Build[0], err)
			}
			return nil, &CompileError{Package: strings.Join(m.Build, " "), Output: msg}
		}
	}
	path := c.Rel(m.Wasm)
	// config checked the path before the build; check it again, as the
	// build may have put a symlink there.
	real, ok, err := config.Inside(c.Dir, path)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: [model] wasm: %q resolves to %s after the build, outside the project folder; pwagen publishes this module, so it must be inside the project", c.File, m.Wasm, real)
	}
	wasm, err := fsx.ReadFile(path, fsx.WasmLimit, "model module")
	if errors.Is(err, fs.ErrNotExist) {
		if len(m.Build) > 0 {
			return nil, fmt.Errorf("%s: [model] wasm: %s does not exist after `%s` succeeded; set wasm to the path the build writes (cargo writes target/TARGET/release/CRATE.wasm, with - in the crate name as _)", c.File, path, strings.Join(m.Build, " "))
		}
		return nil, fmt.Errorf("%s: [model] wasm: %s does not exist; build the module first, or set build = [...] under [model] to the command that writes it", c.File, path)
	}
	return wasm, err
}

// runBuild runs argv (no shell) in dir and returns its output, capped at
// buildOutputKeep bytes with a note of what was cut. Its context kills the
// whole process group: compilers run children.
func runBuild(ctx context.Context, dir string, argv []string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	out := &headBuffer{max: buildOutputKeep}
	cmd.Stdout, cmd.Stderr = out, out
	stopGroup(cmd)
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	return out.String(), err
}

// headBuffer keeps the first max bytes written to it and counts the rest.
type headBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int64
}

func (h *headBuffer) Write(p []byte) (int, error) {
	keep := min(len(p), h.max-h.buf.Len())
	h.buf.Write(p[:keep])
	h.dropped += int64(len(p) - keep)
	return len(p), nil
}

func (h *headBuffer) String() string {
	if h.dropped == 0 {
		return h.buf.String()
	}
	return fmt.Sprintf("%s\n[pwagen kept the first %d KiB of the output and dropped %d bytes more]", h.buf.String(), h.max>>10, h.dropped)
}
