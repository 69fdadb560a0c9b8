//go:build linux

package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// loopingModel replaces a new project's model with one whose predict never
// returns.
const loopingModel = `package main

const inputLen = 4

var spins int

func loadWeights(buf []byte) error { return nil }

func predict(in []float32) ([]float32, error) {
	for {
		spins++
	}
}
`

// stopBound is how long a stopped command may take to exit: generous, to
// stay clear of a loaded machine; the test logs the real figure.
const stopBound = 5 * time.Second

// TestSignalStopsEveryCommand runs the pwagen binary, sends SIGINT or
// SIGTERM while it works (in go build, in a model that never returns, while
// serving), and checks that it exits promptly with 128+signal (serve: 0),
// one line on stderr, and OUT exactly as it was.
func TestSignalStopsEveryCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds pwagen and a model")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "pwagen")
	if b, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	dir := filepath.Join(tmp, "app")
	out := filepath.Join(tmp, "site")
	pwagen(t, "new", dir)
	pwagen(t, "package", "-q", "--out", out, dir)
	before := snapshot(t, tmp, "app")

	// From here the model never returns: a run of 1s warms the caches
	// (go build, wazero) and must fail on the time limit.
	must(t, os.WriteFile(filepath.Join(dir, "model", "model.go"), []byte(loopingModel), 0o644))
	setTime := func(d string) {
		p := filepath.Join(dir, "pwagen.toml")
		b, err := os.ReadFile(p)
		must(t, err)
		b = regexp.MustCompile(`(?m)^time = "[^"]*"`).ReplaceAll(b, []byte(`time = "`+d+`"`))
		must(t, os.WriteFile(p, b, 0o644))
		if !strings.Contains(string(b), `time = "`+d+`"`) {
			t.Fatal("no [budget] time in the template's pwagen.toml")
		}
	}
	setTime("1s")
	env := append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(tmp, "cache"))
	warm := exec.Command(bin, "validate", dir)
	warm.Env = env
	if b, err := warm.CombinedOutput(); exitCode(err) != 1 || !bytes.Contains(b, []byte("was stopped at the time limit of 1s")) {
		t.Fatalf("validate with a model that never returns: exit %d\n%s", exitCode(err), b)
	}
	setTime("2m") // the runs below end only by the signal
	serving := func(_ int, stdout *bytes.Buffer) bool { return strings.Contains(stdout.String(), "serving") }
	inModel := func(pid int) bool { return cpuTime(pid) > time.Second && len(children(pid)) == 0 }

	for _, tt := range []struct {
		name  string
		args  []string
		env   []string
		ready func(pid int, stdout *bytes.Buffer) bool
		sig   syscall.Signal
		want  int
	}{
		{"package in the model SIGINT", []string{"package", "--out", out, dir}, nil, func(pid int, _ *bytes.Buffer) bool { return inModel(pid) }, syscall.SIGINT, 130},
		{"package in the model SIGTERM", []string{"package", "--out", out, dir}, nil, func(pid int, _ *bytes.Buffer) bool { return inModel(pid) }, syscall.SIGTERM, 143},
		{"validate in the model SIGTERM", []string{"validate", dir}, nil, func(pid int, _ *bytes.Buffer) bool { return inModel(pid) }, syscall.SIGTERM, 143},
		// An empty build cache: go build compiles the standard library for
		// wasip1, far longer than the test waits.
		{"package in go build SIGTERM", []string{"package", "--out", out, dir}, []string{"GOCACHE=" + filepath.Join(tmp, "gocache")},
			func(pid int, _ *bytes.Buffer) bool {
				return len(children(pid)) > 0 && cpuTimeTree(pid) > 500*time.Millisecond
			}, syscall.SIGTERM, 143},
		{"package in go build SIGINT", []string{"package", "--out", out, dir}, []string{"GOCACHE=" + filepath.Join(tmp, "gocache2")},
			func(pid int, _ *bytes.Buffer) bool {
				return len(children(pid)) > 0 && cpuTimeTree(pid) > 500*time.Millisecond
			}, syscall.SIGINT, 130},
		{"serve SIGTERM", []string{"serve", "--addr", "127.0.0.1:0", "--project", dir, out}, nil, serving, syscall.SIGTERM, 0},
		{"serve SIGINT", []string{"serve", "--addr", "127.0.0.1:0", "--project", dir, out}, nil, serving, syscall.SIGINT, 0},
		// Off loopback: the same, after a warning.
		{"serve on every interface SIGINT", []string{"serve", "--addr", "0.0.0.0:0", "--project", dir, out}, nil, serving, syscall.SIGINT, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, tt.args...)
			cmd.Env = append(env, tt.env...)
			var stdout, stderr syncBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			must(t, cmd.Start())
			defer cmd.Process.Kill()
			pid := cmd.Process.Pid
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			deadline := time.Now().Add(3 * time.Minute)
			for !tt.ready(pid, stdout.bytes()) {
				select {
				case err := <-exited:
					t.Fatalf("exited (%v) before the signal\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
				case <-time.After(50 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatal("never reached the step to interrupt")
				}
			}
			groups := childGroups(pid)
			sent := time.Now()
			must(t, cmd.Process.Signal(tt.sig))
			var err error
			select {
			case err = <-exited:
			case <-time.After(stopBound):
				t.Fatalf("still running %s after %s", stopBound, tt.sig)
			}
			took := time.Since(sent)
			t.Logf("exited %s after %s", took.Round(time.Millisecond), tt.sig)
			if got := exitCode(err); got != tt.want {
				t.Errorf("exit status %d, want %d\nstderr:\n%s", got, tt.want, stderr.String())
			}
			if strings.Contains(strings.Join(tt.args, " "), "0.0.0.0") != strings.Contains(stderr.String(), "pwagen: warning: listening on ") {
				t.Errorf("warning off loopback: stderr %q", stderr.String())
			}
			if tt.want != 0 {
				want := "pwagen: stopped by " + map[syscall.Signal]string{syscall.SIGINT: "SIGINT (Ctrl-C)", syscall.SIGTERM: "SIGTERM"}[tt.sig] + " before the command finished; nothing was written\n"
				if stderr.String() != want {
					t.Errorf("stderr = %q, want %q", stderr.String(), want)
				}
			}
			if after := snapshot(t, tmp, "app"); after != before {
				t.Errorf("the folders beside the project changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			// go build's compile and link die with it.
			time.Sleep(200 * time.Millisecond)
			for _, g := range groups {
				if live := groupMembers(g); len(live) > 0 {
					t.Errorf("processes %v of go build's group %d still run", live, g)
				}
			}
		})
	}
}

// snapshot lists every file under dir, except the folder skip, with its
// size and content hash: OUT, OUT.hosts and any leftover beside them.
func snapshot(t *testing.T, dir, skip string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		top := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
		if d.IsDir() && (top == skip || top == "cache" || strings.HasPrefix(top, "gocache") || top == "pwagen") {
			if rel == top {
				return filepath.SkipDir
			}
		}
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b.WriteString(rel + " " + strconv.Itoa(len(data)) + " " + strconv.FormatUint(fnv(data), 16) + "\n")
		} else if d.IsDir() {
			b.WriteString(rel + "/\n")
		}
		return nil
	})
	must(t, err)
	return b.String()
}

func fnv(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// stat returns the fields of /proc/pid/stat after the command name.
func stat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

// cpuTime is the user and system time pid has used (clock ticks of 10 ms).
func cpuTime(pid int) time.Duration {
	f := stat(pid)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return time.Duration(u+s) * 10 * time.Millisecond
}

// cpuTimeTree is pid's CPU time and its children's.
func cpuTimeTree(pid int) time.Duration {
	d := cpuTime(pid)
	for _, c := range children(pid) {
		d += cpuTimeTree(c)
	}
	return d
}

func children(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		for _, f := range strings.Fields(string(b)) {
			n, _ := strconv.Atoi(f)
			out = append(out, n)
		}
	}
	return out
}

// childGroups are the process groups of pid's children other than pid's.
func childGroups(pid int) []int {
	own := stat(pid)
	var out []int
	for _, c := range children(pid) {
		if f := stat(c); len(f) > 2 && own != nil && f[2] != own[2] {
			g, _ := strconv.Atoi(f[2])
			out = append(out, g)
		}
	}
	return out
}

// groupMembers are the live (not zombie) processes of process group g.
func groupMembers(g int) []int {
	var out []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		if f := stat(pid); len(f) > 2 && f[2] == strconv.Itoa(g) && f[0] != "Z" {
			out = append(out, pid)
		}
	}
	return out
}

// syncBuffer is a bytes.Buffer a child process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) bytes() *bytes.Buffer { return bytes.NewBufferString(s.String()) }
