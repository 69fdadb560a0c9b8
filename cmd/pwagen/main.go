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
	"syscall"

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
	ctx, stop := notifyContext(context.Background())
	defer stop()
	app := newApp(stdout, stderr)
	err := app.RunContext(ctx, interspersed(app, args))
	if err == nil {
		return 0
	}
	var sig *stopped
	if errors.As(context.Cause(ctx), &sig) {
		// Whatever the command was doing ended with the signal; the
		// packager writes OUT only after every stage, so it is as it was.
		fmt.Fprintf(stderr, "pwagen: stopped by %s before the command finished; nothing was written\n", sig.String())
		return sig.exitCode()
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

// stopped is the cause of a context ended by SIGINT or SIGTERM.
type stopped struct{ sig os.Signal }

func (s *stopped) Error() string { return s.String() + " received" }

func (s *stopped) String() string {
	if s.sig == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT (Ctrl-C)"
}

// exitCode is the shell's code for death by the signal: 128 + its number.
func (s *stopped) exitCode() int {
	if n, ok := s.sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 130
}

// notifyContext is a context that ends on SIGINT or SIGTERM, with a
// *stopped cause. The first signal ends it, and every long step (go build,
// the model's run under wazero, the preview server) stops with it; a second
// signal kills pwagen at once, as if it had not caught the first.
func notifyContext(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case sig := <-ch:
			signal.Stop(ch)
			cancel(&stopped{sig})
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel(nil) }
}

// commands are pwagen's subcommands; each file adds its own.
var commands []func() *cli.Command

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:      "pwagen",
		Usage:     "package a Go WebAssembly model as an installable, offline-first web app",
		UsageText: "pwagen new DIR\npwagen package [DIR] [--out OUT]\npwagen serve [OUT] [--addr 127.0.0.1:8080]\npwagen validate [--json] [TARGET]\npwagen version",
		Writer:    stdout,
		ErrWriter: stderr,
		Suggest:   true,
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "version", Aliases: []string{"v"}, Usage: "print the version, the module's build info and the Go version"}},
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
		// No "help" subcommand: `pwagen new h` makes the folder h.
		cmd.HideHelpCommand = true
		app.Commands = append(app.Commands, cmd)
	}
	app.Action = func(c *cli.Context) error {
		if c.Bool("version") {
			return printVersion(c.App.Writer)
		}
		if c.NArg() > 0 {
			msg := fmt.Sprintf("unknown command %q; run pwagen help", c.Args().First())
			if s := closestCommand(c.App.Commands, c.Args().First()); s != "" {
				msg += fmt.Sprintf(". Did you mean %q?", s)
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
