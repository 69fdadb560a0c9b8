// Command pwagen packages a Go WebAssembly model as an installable,
// offline-first Progressive Web App.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

func main() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) }

// run is main without os.Exit, for tests and testscript.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		// A bug must still end in one clear line, not a stack trace.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "pwagen: internal error: %v\nThis is a bug in pwagen; please report it with the command you ran (set PWAGEN_DEBUG=1 for details).\n", r)
			if os.Getenv("PWAGEN_DEBUG") == "1" {
				fmt.Fprintf(stderr, "%s", debug.Stack())
			}
			code = 1
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	app := newApp(stdout, stderr)
	err := app.RunContext(ctx, interspersed(app, args))
	if err == nil {
		return 0
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stderr, "pwagen:", msg)
		}
		return ec.ExitCode()
	}
	fmt.Fprintln(stderr, "pwagen:", err)
	return 1
}

// commands are pwagen's subcommands; each file adds its own.
var commands []func() *cli.Command

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:      "pwagen",
		Usage:     "package a Go WebAssembly model as an installable, offline-first web app",
		UsageText: "pwagen new DIR\npwagen package [DIR] [--out OUT]\npwagen serve [OUT] [--addr 127.0.0.1:8080]\npwagen validate [--json] TARGET",
		Writer:    stdout,
		ErrWriter: stderr,
		Suggest:   true,
		// run prints errors and picks the exit code.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(c *cli.Context, err error, _ bool) error {
			return usageError("%v", err)
		},
		CommandNotFound: func(c *cli.Context, name string) {},
	}
	for _, c := range commands {
		cmd := c()
		cmd.OnUsageError = app.OnUsageError
		app.Commands = append(app.Commands, cmd)
	}
	app.Action = func(c *cli.Context) error {
		if c.NArg() > 0 {
			msg := fmt.Sprintf("unknown command %q; run pwagen help", c.Args().First())
			if s := cli.SuggestCommand(c.App.Commands, c.Args().First()); s != "" {
				msg += ". " + s
			}
			return usageError("%s", msg)
		}
		return cli.ShowAppHelp(c)
	}
	return app
}

// usageError is bad usage: exit code 2.
func usageError(format string, args ...any) error {
	return cli.Exit(fmt.Sprintf(format, args...), 2)
}

// checkFailed is a check that failed: exit code 1.
func checkFailed(err error) error {
	return cli.Exit(err.Error(), 1)
}
