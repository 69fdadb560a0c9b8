package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestCIRunsREADMECommand keeps .ci/run running the test command that the
// README gives, and the README starting with its two commands.
func TestCIRunsREADMECommand(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)\n```").FindAllStringSubmatch(string(readme), 2)
	if len(blocks) < 2 || !strings.HasPrefix(string(readme), "# pwagen\n\n```sh\n") {
		t.Fatal("README.md must start with two ```sh blocks: the main job, then the tests")
	}
	if !strings.Contains(blocks[0][1], "pwagen package examples/") {
		t.Errorf("the first command should package a bundled example, got %q", blocks[0][1])
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "\n"+blocks[1][1]+"\n") {
		t.Errorf(".ci/run does not run the README's test command %q", blocks[1][1])
	}
}

// TestPanicIsOneLine: a bug in a command ends in a clear message and exit 1,
// never a Go stack trace.
func TestPanicIsOneLine(t *testing.T) {
	saved := commands
	defer func() { commands = saved }()
	commands = append(commands, func() *cli.Command {
		return &cli.Command{Name: "boom", Action: func(*cli.Context) error { panic("kaboom") }}
	})
	var stdout, stderr bytes.Buffer
	if code := run([]string{"pwagen", "boom"}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "pwagen: internal error: kaboom") || strings.Contains(stderr.String(), "goroutine") {
		t.Fatalf("stderr:\n%s", &stderr)
	}
}

// TestReadmesGiveServeURL: each README that says to run pwagen serve (the
// examples', and those pwagen new writes) gives the address serve prints.
func TestReadmesGiveServeURL(t *testing.T) {
	var addr string
	for _, f := range serveCmd().Flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "addr" {
			addr = sf.Value
		}
	}
	url := "http://" + addr + "/"
	readmes, _ := filepath.Glob("../../examples/*/README.md")
	tmpls, _ := filepath.Glob("../../templates/*/README.md.tmpl")
	more, _ := filepath.Glob("../../templates/project/*/README.md.tmpl")
	readmes = append(append(readmes, tmpls...), more...)
	if len(readmes) < 5 {
		t.Fatalf("found %d READMEs", len(readmes))
	}
	serveLine := regexp.MustCompile(`(?m)^pwagen serve\b.*$`)
	for _, p := range readmes {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range serveLine.FindAllString(string(data), -1) {
			if !strings.Contains(line, url) {
				t.Errorf("%s: %q does not give the address serve prints, %s", p, line, url)
			}
		}
	}
}
