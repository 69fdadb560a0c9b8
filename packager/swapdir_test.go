//go:build unix

package packager

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// dirSteps are replaceDir's steps in order; the commit is "move new out".
var dirSteps = []string{"journal write", "write files", "journal swap", "move old out", "move new out", "remove old", "remove journal"}

// dirState is "old", "new" or "none" when site.edge is whole (both its
// files from one run) and nothing else is left beside it.
func dirState(t *testing.T, parent string) string {
	t.Helper()
	entries, _ := os.ReadDir(parent)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	read := func(p string) string {
		data, err := os.ReadFile(filepath.Join(parent, "site.edge", p))
		if err != nil {
			return "none"
		}
		return string(data)
	}
	a, b := read("site-linux-amd64"), read("README")
	if a != b {
		t.Fatalf("site.edge is half old, half new: %s and %s (folder: %v)", a, b, names)
	}
	want := []string{"site.edge"}
	if a == "none" {
		want = nil
	}
	if !slices.Equal(names, want) {
		t.Fatalf("left beside site.edge: %v, want %v", names, want)
	}
	return a
}

func fillNew(dir string) error {
	for _, n := range []string{"site-linux-amd64", "README"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("new"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// TestReplaceDirStoppedAtEachStep stops the swap of OUT.edge at each step,
// by an error (repaired at once) and by a simulated kill (repaired by the
// next run): the folder is the old one before the commit and the new one
// after, never lost and never half of each (issue 17).
func TestReplaceDirStoppedAtEachStep(t *testing.T) {
	for _, fresh := range []bool{false, true} {
		for _, step := range dirSteps {
			for _, mode := range []string{"error", "kill"} {
				name := step + "/" + mode
				if fresh {
					name = "first run/" + name
				}
				t.Run(name, func(t *testing.T) {
					parent := t.TempDir()
					out := filepath.Join(parent, "site.edge")
					if !fresh {
						os.Mkdir(out, 0o755)
						os.WriteFile(filepath.Join(out, "site-linux-amd64"), []byte("old"), 0o755)
						os.WriteFile(filepath.Join(out, "README"), []byte("old"), 0o644)
					}
					stop := errors.New("stopped")
					hook := func(s string) error {
						if s != step {
							return nil
						}
						if mode == "kill" {
							panic(killed{s})
						}
						return stop
					}
					err := func() (err error) {
						defer func() {
							if r := recover(); r != nil {
								if _, ok := r.(killed); !ok {
									panic(r)
								}
								err = errors.New("killed")
							}
						}()
						return replaceDir(out, fillNew, io.Discard, hook)
					}()
					if mode == "error" && !errors.Is(err, stop) || err == nil {
						t.Fatalf("replaceDir: %v", err)
					}
					var log bytes.Buffer
					if mode == "kill" {
						if err := recoverOut(out, &log); err != nil {
							t.Fatalf("the next run could not repair: %v", err)
						}
						t.Logf("the next run said: %s", log.String())
					}
					want := map[bool]string{false: "old", true: "none"}[fresh]
					if slices.Index(dirSteps, step) > slices.Index(dirSteps, "move new out") {
						want = "new"
					}
					if got := dirState(t, parent); got != want {
						t.Errorf("site.edge is %s, want %s (repair said %q)", got, want, log.String())
					}
					if err := ReplaceDir(out, fillNew, io.Discard); err != nil {
						t.Fatal(err)
					}
					if got := dirState(t, parent); got != "new" {
						t.Errorf("after the next run site.edge is %s", got)
					}
				})
			}
		}
	}
}

// TestReplaceDirFillFails: a fill that fails (a go build error) leaves the
// old folder and nothing beside it.
func TestReplaceDirFillFails(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "site.edge")
	if err := ReplaceDir(out, fillNew, io.Discard); err != nil {
		t.Fatal(err)
	}
	bad := errors.New("go build failed")
	err := ReplaceDir(out, func(dir string) error {
		os.WriteFile(filepath.Join(dir, "site-linux-amd64"), []byte("half"), 0o644)
		return bad
	}, io.Discard)
	if !errors.Is(err, bad) {
		t.Fatalf("ReplaceDir: %v, want %v", err, bad)
	}
	if got := dirState(t, parent); got != "new" {
		t.Errorf("site.edge is %s after a failed fill, want the previous one", got)
	}
}

// TestWriteOutRepairsEdge: a package run without --edge repairs an
// OUT.edge whose swap was killed before its commit.
func TestWriteOutRepairsEdge(t *testing.T) {
	parent := t.TempDir()
	b := swapFixture(t, parent, true)
	edge := b.Out + ".edge"
	if err := ReplaceDir(edge, fillNew, io.Discard); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() { recover() }()
		replaceDir(edge, func(dir string) error { return os.WriteFile(filepath.Join(dir, "README"), []byte("newer"), 0o644) }, io.Discard,
			func(s string) error {
				if s == "move new out" {
					panic(killed{s})
				}
				return nil
			})
	}()
	if exists(edge) {
		t.Fatal("the simulated kill did not stop between the two renames")
	}
	var log bytes.Buffer
	b.Log = &log
	if err := writeOut(b); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(edge, "README")); err != nil || string(data) != "new" {
		t.Errorf("site.edge/README: %q, %v; want the old folder back (the run said %q)", data, err, log.String())
	}
	if !bytes.Contains(log.Bytes(), []byte("restored site.edge as before")) {
		t.Errorf("the run said %q", log.String())
	}
}

// TestReplaceDirKilledProcess kills a real process with SIGKILL at each
// step of OUT.edge's swap; the next run repairs it to the old or the new
// folder.
func TestReplaceDirKilledProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process per step")
	}
	for _, step := range dirSteps {
		t.Run(step, func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "site.edge")
			os.Mkdir(out, 0o755)
			os.WriteFile(filepath.Join(out, "site-linux-amd64"), []byte("old"), 0o755)
			os.WriteFile(filepath.Join(out, "README"), []byte("old"), 0o644)
			cmd := exec.Command(os.Args[0], "-test.run=^TestReplaceDirKillHelper$")
			cmd.Env = append(os.Environ(), "PWAGEN_KILL_DIR="+parent, "PWAGEN_KILL_AT="+step)
			msg, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the helper was not killed: %v\n%s", err, msg)
			}
			var log bytes.Buffer
			if err := recoverOut(out, &log); err != nil {
				t.Fatal(err)
			}
			want := "old"
			if slices.Index(dirSteps, step) > slices.Index(dirSteps, "move new out") {
				want = "new"
			}
			if got := dirState(t, parent); got != want {
				t.Errorf("site.edge is %s, want %s (repair said %q)", got, want, log.String())
			}
		})
	}
}

// TestReplaceDirKillHelper is the process TestReplaceDirKilledProcess kills.
func TestReplaceDirKillHelper(t *testing.T) {
	parent, step := os.Getenv("PWAGEN_KILL_DIR"), os.Getenv("PWAGEN_KILL_AT")
	if parent == "" {
		t.Skip("run by TestReplaceDirKilledProcess")
	}
	replaceDir(filepath.Join(parent, "site.edge"), fillNew, io.Discard, func(s string) error {
		if s == step {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		return nil
	})
	t.Fatal("not killed")
}
