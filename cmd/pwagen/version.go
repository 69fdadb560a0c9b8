package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/pwagen/pwagen/internal/suggest"
	"github.com/urfave/cli/v2"
)

func init() { commands = append(commands, versionCmd) }

// version is pwagen's version when the build sets it
// (-ldflags "-X main.version=v1.2.3"); else the module's, from the build
// info: "v1.2.3" after go install ...@v1.2.3, "(devel)" in a checkout.
var version string

func versionCmd() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version, the module's build info and the Go version (as pwagen --version)",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError("version takes no arguments")
			}
			return printVersion(c.App.Writer)
		},
	}
}

// printVersion writes what a bug report needs: pwagen's version, the
// module and the revision it was built from, its dependencies, and the Go
// toolchain that built it.
func printVersion(w io.Writer) error {
	var b strings.Builder
	bi, ok := debug.ReadBuildInfo()
	v := version
	if v == "" && ok {
		v = bi.Main.Version
	}
	if v == "" {
		v = "(unknown)"
	}
	fmt.Fprintf(&b, "pwagen %s\n", v)
	if ok {
		fmt.Fprintf(&b, "module %s %s\n", orUnknown(bi.Main.Path), orUnknown(bi.Main.Version))
		for _, s := range bi.Settings {
			if strings.HasPrefix(s.Key, "vcs.") {
				fmt.Fprintf(&b, "%s %s\n", s.Key, s.Value)
			}
		}
		for _, d := range bi.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			fmt.Fprintf(&b, "dep %s %s\n", d.Path, d.Version)
		}
	}
	fmt.Fprintf(&b, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	_, err := io.WriteString(w, b.String())
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// closestCommand is the command name a mistyped one is closest to, or ""
// when none is close enough to be what the user meant: at most one edit in
// three letters ("pakage" → package), so that "version" is not "serve".
func closestCommand(cmds []*cli.Command, name string) string {
	best, bestD := "", max(1, len(name)/3)+1
	for _, c := range cmds {
		for _, n := range c.Names() {
			if d := suggest.Distance(name, n); d < bestD {
				best, bestD = n, d
			}
		}
	}
	return best
}
