// Package rusttest finds a Rust toolchain that builds wasm32-wasi, for the
// tests of Rust models (Debian: rustc cargo libstd-rust-dev-wasm32 lld
// wasi-libc). Without one the tests skip, unless CI=true: CI installs it.
package rusttest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/ci"
)

// Path returns a PATH whose first rustc and cargo build wasm32-wasi: the
// PATH as it is, or with the folder of such a rustc (/usr/bin, where
// Debian puts it, when a rustup toolchain without the target comes first).
func Path() (string, error) {
	path := os.Getenv("PATH")
	var dirs []string
	if p, err := exec.LookPath("rustc"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	dirs = append(dirs, "/usr/bin", "/usr/local/bin")
	for _, dir := range dirs {
		out, err := exec.Command(filepath.Join(dir, "rustc"), "--print", "target-libdir", "--target", "wasm32-wasi").Output()
		if err != nil {
			continue
		}
		libs, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "libstd-*.rlib"))
		if _, err := os.Stat(filepath.Join(dir, "cargo")); err == nil && len(libs) > 0 {
			return dir + string(os.PathListSeparator) + path, nil
		}
	}
	return "", errors.New("no rustc with the wasm32-wasi target and cargo beside it; on Debian: apt-get install rustc cargo libstd-rust-dev-wasm32 lld wasi-libc")
}

// Require puts such a toolchain first on PATH for the rest of the test, or
// skips the test without one (fails it when CI=true).
func Require(t testing.TB) {
	t.Helper()
	p, err := Path()
	if err != nil {
		ci.Missing(t, "%v", err)
	}
	t.Setenv("PATH", p)
}
