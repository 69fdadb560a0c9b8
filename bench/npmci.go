package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// npmStamp is written into node_modules after a successful `npm ci`: the
// SHA-256 of the package-lock.json it installed. A later run skips the
// install when the stamp matches the lockfile's content. (Comparing
// modification times re-ran `npm ci` in every fresh checkout, whose
// lockfile is always newer, and two runs sharing one node_modules then
// raced each other's install.)
const npmStamp = ".pwagen-lock-sha256"

// npmCI installs dir's lockfile into dir/node_modules with `npm ci args…`
// unless the stamp says that exact lockfile is installed already.
func npmCI(ctx context.Context, dir string, args ...string) error {
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return fmt.Errorf("%s: %w (the bench's comparison tools are pinned there; restore it with git checkout)", filepath.Join(dir, "package-lock.json"), err)
	}
	sum := sha256.Sum256(lock)
	want := []byte(hex.EncodeToString(sum[:]) + "\n")
	stamp := filepath.Join(dir, "node_modules", npmStamp)
	if have, err := os.ReadFile(stamp); err == nil && bytes.Equal(have, want) {
		return nil
	}
	logf("npm ci %v in %s", args, dir)
	cmd := exec.CommandContext(ctx, "npm", append([]string{"ci", "--no-audit", "--no-fund"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s: %v\n%s", dir, err, tail(string(out)))
	}
	if err := os.MkdirAll(filepath.Dir(stamp), 0o755); err != nil { // npm makes none for a lockfile with no packages
		return err
	}
	return os.WriteFile(stamp, want, 0o644)
}
