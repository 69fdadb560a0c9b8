package edgegen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/pwagen/pwagen/packager"
)

// Platform is a GOOS/GOARCH pair.
type Platform struct{ OS, Arch string }

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Platforms lists the platforms an executable is built for: those where
// wazero compiles (amd64, arm64) on the systems pwagen is tested on.
var Platforms = []Platform{
	{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"}, {"freebsd", "amd64"},
}

// Host is the platform pwagen runs on.
func Host() Platform { return Platform{runtime.GOOS, runtime.GOARCH} }

// ParsePlatforms reads --platform: comma-separated OS/ARCH pairs.
func ParsePlatforms(s string) ([]Platform, error) {
	var out []Platform
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		os, arch, ok := strings.Cut(f, "/")
		p := Platform{os, arch}
		if !ok || !slices.Contains(Platforms, p) {
			var names []string
			for _, p := range Platforms {
				names = append(names, p.String())
			}
			return nil, fmt.Errorf("--platform %q is not a platform an executable is built for; give some of %s, separated by commas", f, strings.Join(names, ", "))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// FileName is the executable's name for p: NAME-OS-ARCH[.exe].
func FileName(name string, p Platform) string {
	n := name + "-" + p.OS + "-" + p.Arch
	if p.OS == "windows" {
		n += ".exe"
	}
	return n
}

// BuildFlags are the go build flags of an executable: no paths, no VCS
// stamp, no build id, no symbols, so the same input gives the same bytes.
var BuildFlags = []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}

// GoBuild builds the module in dir for p into out. GOFLAGS and GOWORK are
// cleared, so a user's settings do not change the bytes; CGO is off. For
// amd64 it adds GOEXPERIMENT=simd when the toolchain knows it (Go 1.26
// and later; SIMDExperiment), so the executable holds the AVX2 kernels
// (package kernels/native) and runs them on a CPU with AVX2.
func GoBuild(ctx context.Context, dir string, p Platform, out string) error {
	cmd := exec.CommandContext(ctx, "go", append(slices.Clone(BuildFlags), "-o", out, ".")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS="+p.OS, "GOARCH="+p.Arch, "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	if exp, ok := SIMDExperiment(ctx, p); ok {
		cmd.Env = append(cmd.Env, "GOEXPERIMENT="+exp)
	}
	cmd.WaitDelay = time.Second
	msg, err := cmd.CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return fmt.Errorf("running go build: %w; is the Go toolchain (1.24 or later) on PATH?", err)
		}
		return fmt.Errorf("building the %s executable failed (go build in %s):\n%s", p, dir, strings.TrimRight(string(msg), "\n"))
	}
	return nil
}

// SIMDExperiment returns the GOEXPERIMENT value that builds p's executable
// with the AVX2 kernels (the user's GOEXPERIMENT plus "simd"), and false
// when p is not amd64 or the Go toolchain on PATH does not know the
// experiment (before Go 1.26): the executable then runs the SIMD kernel
// module under wazero, as info says.
func SIMDExperiment(ctx context.Context, p Platform) (string, bool) {
	if p.Arch != "amd64" {
		return "", false
	}
	exp := "simd"
	if cur := os.Getenv("GOEXPERIMENT"); cur != "" {
		exp = cur + ",simd"
	}
	cmd := exec.CommandContext(ctx, "go", "env", "GOEXPERIMENT")
	cmd.Env = append(os.Environ(), "GOOS="+p.OS, "GOARCH="+p.Arch, "GOEXPERIMENT="+exp, "GOFLAGS=", "GOWORK=off")
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return "", false
	}
	return exp, true
}

// Marker is the file pwagen writes in OUT.edge: a folder without it is
// not pwagen's, and is never replaced.
const Marker = "README-pwagen-edge.txt"

const markerText = "pwagen package --edge wrote this folder and replaces it whole on the next run.\n"

// Write builds spec's executable for each platform and puts them in out
// (OUT.edge), replacing the folder whole with packager.ReplaceDir: the new
// one is built beside it and renamed in only when every executable is
// built, so a failure leaves the old folder as it was, and a journal lets
// the next run repair a kill at any step.
func Write(ctx context.Context, s Spec, platforms []Platform, out string, log io.Writer) ([]string, error) {
	out = filepath.Clean(out)
	if fi, err := os.Stat(out); err == nil {
		if !fi.IsDir() {
			return nil, fmt.Errorf("%s is a file; move it away or choose another --out", out)
		}
		if _, err := os.Stat(filepath.Join(out, Marker)); err != nil {
			if ents, _ := os.ReadDir(out); len(ents) > 0 {
				return nil, fmt.Errorf("%s exists, is not empty and holds no %s, so pwagen did not write it; move it away or choose another --out", out, Marker)
			}
		}
	}
	src, err := os.MkdirTemp("", "pwagen-edge-src-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(src)
	if err := Generate(src, s); err != nil {
		return nil, err
	}
	var files []string
	err = packager.ReplaceDir(out, func(tmp string) error {
		for _, p := range platforms {
			name := FileName(s.Name, p)
			start := time.Now()
			if err := GoBuild(ctx, src, p, filepath.Join(tmp, name)); err != nil {
				return err
			}
			if log != nil {
				fi, _ := os.Stat(filepath.Join(tmp, name))
				fmt.Fprintf(log, "built %s (%.1f MB) in %.1fs\n", name, float64(fi.Size())/1e6, time.Since(start).Seconds())
			}
			files = append(files, name)
		}
		return os.WriteFile(filepath.Join(tmp, Marker), []byte(markerText), 0o644)
	}, log)
	if err != nil {
		return nil, err
	}
	return files, nil
}
