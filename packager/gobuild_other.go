//go:build !unix

package packager

import "os/exec"

// stopGroup leaves exec's default: killing go itself when the context ends.
func stopGroup(cmd *exec.Cmd) {}
