package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var updateScripts = flag.Bool("update-scripts", false, "rewrite the txtar scripts' expected files")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"pwagen": func() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI scripts in testdata/script. Scripts that compile
// a model need the Go toolchain; [short] skips them.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *updateScripts,
		Setup: func(e *testscript.Env) error {
			for _, k := range []string{"GOCACHE", "GOPATH", "GOMODCACHE", "GOROOT"} {
				out, err := exec.Command("go", "env", k).Output()
				if err != nil {
					return err
				}
				e.Setenv(k, strings.TrimSpace(string(out)))
			}
			onnxDir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "onnx"))
			if err != nil {
				return err
			}
			e.Setenv("ONNX", onnxDir) // ONNX models for new --from and import
			icon, err := filepath.Abs(filepath.Join("..", "..", "templates", "importproject", "web", "icon.png"))
			if err != nil {
				return err
			}
			e.Setenv("ICON", icon) // a project's icon: `cp $ICON proj/web/icon.png`
			e.Setenv("GOFLAGS", "-buildvcs=false")
			e.Setenv("GOPROXY", "off")
			e.Setenv("GOTOOLCHAIN", "local")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
			"cmpdir":   cmdCmpDir,
			"glob":     cmdGlob,
		},
	})
}

// exitcode N pwagen ARGS... runs pwagen and checks its exact exit status;
// its output becomes the script's stdout and stderr.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N pwagen args...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	var env []string
	for _, k := range []string{"PATH", "HOME", "GOCACHE", "GOPATH", "GOMODCACHE", "GOROOT", "GOFLAGS", "GOPROXY", "GOTOOLCHAIN", "TMPDIR"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("%v", err)
	}
	fmt.Fprint(ts.Stdout(), stdout.String())
	fmt.Fprint(ts.Stderr(), stderr.String())
	if got != want {
		ts.Fatalf("exit status %d, want %d\nstderr:\n%s", got, want, stderr.String())
	}
}

// cmpdir A B checks that two folders hold the same files, byte for byte.
func cmdCmpDir(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cmpdir A B")
	}
	read := func(dir string) map[string][]byte {
		files := map[string][]byte{}
		root := ts.MkAbs(dir)
		ts.Check(filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			files[filepath.ToSlash(rel)] = data
			return err
		}))
		return files
	}
	a, b := read(args[0]), read(args[1])
	var diffs []string
	for n, da := range a {
		if db, ok := b[n]; !ok {
			diffs = append(diffs, "only in "+args[0]+": "+n)
		} else if !bytes.Equal(da, db) {
			diffs = append(diffs, "differs: "+n)
		}
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			diffs = append(diffs, "only in "+args[1]+": "+n)
		}
	}
	if len(diffs) > 0 && !neg {
		ts.Fatalf("%s and %s differ:\n%s", args[0], args[1], strings.Join(diffs, "\n"))
	}
	if len(diffs) == 0 && neg {
		ts.Fatalf("%s and %s are identical", args[0], args[1])
	}
}

// glob PATTERN... checks that each pattern (filepath.Match syntax, from
// the script's folder) matches some path; ! glob that none matches any.
// testscript's exists takes names as they are, so "! exists .dist.new-*"
// would always pass.
func cmdGlob(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: glob PATTERN...")
	}
	for _, pat := range args {
		m, err := filepath.Glob(ts.MkAbs(pat))
		if err != nil {
			ts.Fatalf("glob %s: %v", pat, err)
		}
		if len(m) == 0 && !neg {
			ts.Fatalf("nothing matches %s", pat)
		}
		if len(m) > 0 && neg {
			ts.Fatalf("%s matches %s", pat, strings.Join(m, ", "))
		}
	}
}
