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
	"strings"
	"syscall"
	"testing"

	"github.com/pwagen/pwagen/config"
)

// swapSteps are writeOut's steps in order; the commit is "move new out".
var swapSteps = []string{"journal write", "write files", "write hosts", "journal swap", "move old out", "move old hosts", "move new out", "move new hosts", "remove old", "remove journal"}

// afterCommit tells whether a run stopped at step leaves the new pair.
func afterCommit(step string) bool {
	return slices.Index(swapSteps, step) > slices.Index(swapSteps, "move new out")
}

// swapFixture is a folder with an old pair, site and site.hosts, unless
// fresh, and a build of a new pair into it.
func swapFixture(t *testing.T, parent string, fresh bool) *Build {
	t.Helper()
	out := filepath.Join(parent, "site")
	if !fresh {
		for p, data := range map[string]string{
			"site/pwagen.js": "old", "site/index.html": "old",
			"site.hosts/" + HostsMarker: hostsMarkerText, "site.hosts/nginx.conf": "old",
		} {
			os.MkdirAll(filepath.Join(parent, filepath.Dir(p)), 0o755)
			if err := os.WriteFile(filepath.Join(parent, p), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := config.Defaults
	b := NewBuild(&c, out)
	b.Files = map[string]*File{"pwagen.js": {Name: "pwagen.js", Data: []byte("new")}, "index.html": {Name: "index.html", Data: []byte("new")}}
	b.Beside = map[string][]byte{"nginx.conf": []byte("new")}
	return b
}

// pairState is "old", "new" or "none" when site and site.hosts agree and
// nothing else is left beside them; anything else fails the test.
func pairState(t *testing.T, parent string) string {
	t.Helper()
	entries, _ := os.ReadDir(parent)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	read := func(p string) string {
		data, err := os.ReadFile(filepath.Join(parent, p))
		if err != nil {
			return "none"
		}
		return string(data)
	}
	out, index, hosts := read("site/pwagen.js"), read("site/index.html"), read("site.hosts/nginx.conf")
	if out != index || out != hosts {
		t.Fatalf("the pair disagrees: site/pwagen.js %s, site/index.html %s, site.hosts/nginx.conf %s (folder: %v)", out, index, hosts, names)
	}
	want := []string{"site", "site.hosts"}
	if out == "none" {
		want = nil
	}
	if !slices.Equal(names, want) {
		t.Fatalf("left beside the pair: %v, want %v", names, want)
	}
	return out
}

type killed struct{ step string }

// TestWriteOutStoppedAtEachStep stops writeOut at each step, by an error
// (the run repairs at once) and by a simulated kill (the next run repairs):
// the pair is always the old one before the commit and the new one after,
// never half of each, and nothing is left beside it (issue 12, defect 6).
func TestWriteOutStoppedAtEachStep(t *testing.T) {
	for _, fresh := range []bool{false, true} {
		for _, step := range swapSteps {
			for _, mode := range []string{"error", "kill"} {
				name := step + "/" + mode
				if fresh {
					name = "first run/" + name
				}
				t.Run(name, func(t *testing.T) {
					parent := t.TempDir()
					b := swapFixture(t, parent, fresh)
					stop := errors.New("stopped")
					b.hook = func(s string) error {
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
						return writeOut(b)
					}()
					wantErr := map[string]error{"error": stop, "kill": nil}[mode]
					if wantErr != nil && !errors.Is(err, wantErr) || wantErr == nil && err == nil {
						t.Fatalf("writeOut: %v", err)
					}
					var log bytes.Buffer
					if mode == "kill" {
						if err := recoverOut(b.Out, &log); err != nil {
							t.Fatalf("the next run could not repair: %v", err)
						}
						t.Logf("the next run said: %s", log.String())
						// Stopped before its journal, a run left nothing to repair.
						wantLines := 1
						if step == "journal write" {
							wantLines = 0
						}
						if lines := strings.Count(log.String(), "\n"); lines != wantLines || lines > 0 && !strings.HasPrefix(log.String(), "pwagen: ") {
							t.Errorf("the repair said %q, want %d line(s)", log.String(), wantLines)
						}
					}
					want := "old"
					if fresh {
						want = "none"
					}
					if afterCommit(step) {
						want = "new"
					}
					if got := pairState(t, parent); got != want {
						t.Errorf("pair is %s, want %s (repair said %q)", got, want, log.String())
					}
					// The next run writes the new pair whatever was left.
					b.hook = nil
					if err := writeOut(b); err != nil {
						t.Fatal(err)
					}
					if got := pairState(t, parent); got != "new" {
						t.Errorf("after the next run the pair is %s", got)
					}
				})
			}
		}
	}
}

// TestWriteOutKilledProcess kills a real process with SIGKILL at each step
// of the swap; the next run repairs the pair to the old or the new one.
func TestWriteOutKilledProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process per step")
	}
	for _, step := range swapSteps {
		t.Run(step, func(t *testing.T) {
			parent := t.TempDir()
			b := swapFixture(t, parent, false)
			cmd := exec.Command(os.Args[0], "-test.run=^TestWriteOutKillHelper$")
			cmd.Env = append(os.Environ(), "PWAGEN_KILL_DIR="+parent, "PWAGEN_KILL_AT="+step)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the helper was not killed: %v\n%s", err, out)
			}
			var log bytes.Buffer
			if err := recoverOut(b.Out, &log); err != nil {
				t.Fatal(err)
			}
			want := map[bool]string{false: "old", true: "new"}[afterCommit(step)]
			if got := pairState(t, parent); got != want {
				t.Errorf("pair is %s, want %s (repair said %q)", got, want, log.String())
			}
		})
	}
}

// TestWriteOutKillHelper is the process TestWriteOutKilledProcess kills.
func TestWriteOutKillHelper(t *testing.T) {
	parent, step := os.Getenv("PWAGEN_KILL_DIR"), os.Getenv("PWAGEN_KILL_AT")
	if parent == "" {
		t.Skip("run by TestWriteOutKilledProcess")
	}
	b := swapFixture(t, parent, true) // the fixture's files are there already
	b.hook = func(s string) error {
		if s == step {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		return nil
	}
	writeOut(b)
	t.Fatal("not killed")
}

// TestOutHostsOwnership: OUT.hosts is replaced only if pwagen wrote it
// (its marker), as OUT is (issue 12, defect 1).
func TestOutHostsOwnership(t *testing.T) {
	for _, tt := range []struct {
		name        string
		marker      bool   // site.hosts holds pwagen's marker
		beside      bool   // the new package has server configs
		want        string // error, "" for none
		hostsRemain bool   // the user's file is still there
	}{
		{"the user's folder, configs to write", false, true, "site.hosts exists, is not empty and holds no README-pwagen.txt, so pwagen did not write it", true},
		{"the user's folder, no configs to write", false, false, "", true},
		{"pwagen's folder, configs to write", true, true, "", false},
		{"pwagen's folder, no configs: removed with the old OUT", true, false, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			b := swapFixture(t, parent, true)
			if !tt.beside {
				b.Beside = map[string][]byte{}
			}
			hosts := filepath.Join(parent, "site.hosts")
			os.MkdirAll(hosts, 0o755)
			os.WriteFile(filepath.Join(hosts, "nginx-prod.conf"), []byte("x"), 0o644)
			if tt.marker {
				os.WriteFile(filepath.Join(hosts, HostsMarker), []byte(hostsMarkerText), 0o644)
			}
			err := writeOut(b)
			if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			_, statErr := os.Stat(filepath.Join(hosts, "nginx-prod.conf"))
			if (statErr == nil) != tt.hostsRemain {
				t.Errorf("site.hosts/nginx-prod.conf there: %v, want %v", statErr == nil, tt.hostsRemain)
			}
			if tt.want != "" && exists(filepath.Join(parent, "site")) {
				t.Error("a refused run wrote site")
			}
		})
	}
}

func TestWritesBeside(t *testing.T) {
	for _, tt := range []struct {
		hosts []string
		want  bool
	}{{nil, true}, {[]string{"netlify"}, false}, {[]string{"netlify", "nginx"}, true}, {[]string{"github-pages"}, false}, {[]string{"s3-cloudfront"}, true}} {
		c := config.Defaults
		c.Deploy.Hosts = tt.hosts
		if got := writesBeside(NewBuild(&c, "")); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.hosts, got, tt.want)
		}
	}
}

// TestRecoverOutDamagedJournal: a journal that names anything but this
// code's own temporary folders is refused, and nothing is removed.
func TestRecoverOutDamagedJournal(t *testing.T) {
	for _, content := range []string{
		`{"phase":"write","tmp":"../../home"}`,
		`{"phase":"write","tmp":"site"}`,
		`{"phase":"delete","tmp":".site.new-1"}`,
		`not json`,
	} {
		parent := t.TempDir()
		swapFixture(t, parent, false)
		os.WriteFile(filepath.Join(parent, ".site.pwagen-journal"), []byte(content), 0o644)
		err := recoverOut(filepath.Join(parent, "site"), io.Discard)
		if err == nil || !strings.Contains(err.Error(), ".site.pwagen-journal: ") || !strings.Contains(err.Error(), "then package again") {
			t.Errorf("%s: error %v", content, err)
		}
		if !exists(filepath.Join(parent, "site", "pwagen.js")) || !exists(filepath.Join(parent, "site.hosts", "nginx.conf")) {
			t.Errorf("%s: the pair was touched", content)
		}
	}
}

// TestWriteOutStaleJournalTmp: a run killed while writing its journal
// leaves .site.pwagen-journal.tmp, which must not block the next run.
func TestWriteOutStaleJournalTmp(t *testing.T) {
	parent := t.TempDir()
	b := swapFixture(t, parent, false)
	os.WriteFile(filepath.Join(parent, ".site.pwagen-journal.tmp"), []byte(`{"pha`), 0o644)
	if err := writeOut(b); err != nil {
		t.Fatal(err)
	}
	if got := pairState(t, parent); got != "new" {
		t.Errorf("pair is %s", got)
	}
}

// TestRecoverOutNamesOrphans: folders an older pwagen left, with no
// journal, are named with the command that removes them, and kept.
func TestRecoverOutNamesOrphans(t *testing.T) {
	parent := t.TempDir()
	orphan := filepath.Join(parent, ".site.new-42")
	os.MkdirAll(orphan, 0o755)
	var log bytes.Buffer
	if err := recoverOut(filepath.Join(parent, "site"), &log); err != nil {
		t.Fatal(err)
	}
	if want := "pwagen: " + orphan + " was left by a stopped run of an older pwagen, which kept no journal; remove it: rm -r " + orphan + "\n"; log.String() != want {
		t.Errorf("said %q, want %q", log.String(), want)
	}
	if !exists(orphan) {
		t.Error("removed a folder nothing records as pwagen's")
	}
}
