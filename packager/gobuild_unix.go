//go:build unix

package packager

import (
	"os/exec"
	"syscall"
)

// stopGroup makes cmd the leader of its own process group and kills the
// whole group when its context ends: `go build` runs compile and link as
// children, which killing go alone would leave running.
func stopGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
