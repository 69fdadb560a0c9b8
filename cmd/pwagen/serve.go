package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/packager"
	"github.com/urfave/cli/v2"
)

func init() { commands = append(commands, serveCmd) }

func serveCmd() *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "preview a package with the headers its hosts send",
		ArgsUsage: "[OUT]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8080", Usage: "address to listen on; loopback unless you say otherwise"},
			&cli.StringFlag{Name: "project", Usage: "the project whose pwagen.toml sets [deploy] isolation (default: the folder holding OUT)", TakesFile: true},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usageError("serve takes at most one folder, a package: pwagen serve [OUT]")
			}
			out := c.Args().First()
			if out == "" {
				out = "dist"
			}
			if _, err := os.Stat(out); errors.Is(err, os.ErrNotExist) {
				return usageError("%s: no such folder; serve previews a package, the folder pwagen package writes (DIR/dist)", out)
			}
			isolation := "none" // a library's headers do not depend on its project (pwagen package --lib)
			if _, err := os.Stat(path.Join(out, packager.LoaderName)); err != nil {
				if !isLibrary(out) {
					return usageError("%s holds no package (no %s); run pwagen package first, or pwagen package --lib for a library (%s)", out, packager.LoaderName, packager.LibSW)
				}
			} else if isolation, err = projectIsolation(out, c.String("project")); err != nil {
				return usageError("%v", err)
			}
			h, err := hosts.NewPreview(out, isolation)
			if err != nil {
				return checkFailed(err)
			}
			ln, err := net.Listen("tcp", c.String("addr"))
			if err != nil {
				return checkFailed(fmt.Errorf("listening on %s: %w; choose another with --addr 127.0.0.1:PORT", c.String("addr"), err))
			}
			warnIfExposed(c.App.ErrWriter, ln.Addr())
			fmt.Fprintf(c.App.Writer, "serving %s at http://%s/ (Ctrl-C to stop)\n", out, ln.Addr())
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
			done := make(chan struct{})
			go func() {
				defer close(done)
				// On a signal: finish the answers under way for up to half a
				// second, then cut what is left (a long download).
				<-c.Context.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
				defer cancel()
				if srv.Shutdown(ctx) != nil {
					srv.Close()
				}
			}()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return checkFailed(err)
			}
			<-done
			return nil
		},
	}
}

// projectIsolation reads [deploy] isolation from the project's pwagen.toml:
// the project folder given, else the folder holding OUT.
func projectIsolation(out, project string) (string, error) {
	if project == "" {
		abs, err := filepath.Abs(out)
		if err != nil {
			return "", err
		}
		project = filepath.Dir(abs)
		if _, err := os.Stat(filepath.Join(project, config.FileName)); err != nil {
			return "", fmt.Errorf("the headers of %s depend on [deploy] isolation in its project's %s, and %s holds none; name the project with --project DIR", out, config.FileName, project)
		}
	}
	cfg, err := config.Load(project)
	if err != nil {
		return "", err
	}
	return cfg.Deploy.Isolation, nil
}

// warnIfExposed warns when the preview listens beyond this machine.
func warnIfExposed(w io.Writer, addr net.Addr) {
	tcp, ok := addr.(*net.TCPAddr)
	if ok && tcp.IP.IsLoopback() {
		return
	}
	fmt.Fprintf(w, "pwagen: warning: listening on %s, which other machines can reach; the preview is for testing on this machine (--addr 127.0.0.1:PORT)\n", addr)
}

// isLibrary tells whether out is a library (pwagen package --lib): it
// holds pwagen-sw.js and no pwagen.js. Its headers come from its own spec
// (hosts.SpecFile): CORS and Cross-Origin-Resource-Policy: cross-origin.
func isLibrary(out string) bool {
	_, app := os.Stat(filepath.Join(out, packager.LoaderName))
	fi, err := os.Lstat(filepath.Join(out, packager.LibSW))
	return app != nil && err == nil && fi.Mode().IsRegular()
}
