package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/internal/shellquote"
	"github.com/pwagen/pwagen/packager"
	"github.com/urfave/cli/v2"
)

func init() { commands = append(commands, packageCmd) }

func packageCmd() *cli.Command {
	return &cli.Command{
		Name:      "package",
		Usage:     "compile, validate, bundle, minify and hash the project into a deployable folder",
		ArgsUsage: "[DIR]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "output folder (default DIR/dist)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing on success"},
			&cli.StringFlag{Name: "weights", Usage: "weights file to use instead of [model] weights; it may be outside the project", TakesFile: true},
			&cli.BoolFlag{Name: "edge", Usage: "also build OUT.edge/NAME-OS-ARCH[.exe]: one executable that runs the model (predict, serve, info) and serves the app"},
			&cli.StringFlag{Name: "platform", Usage: "with --edge: the platforms to build for, OS/ARCH separated by commas, such as linux/amd64,linux/arm64,darwin/arm64,windows/amd64 (default: this machine's)"},
			&cli.BoolFlag{Name: "lib", Usage: "write an ES module package for npm or a CDN instead of an app: index.js (loadModel), index.d.ts, package.json, the .wasm and weights; no page, no service worker (docs/lib.md)"},
			&cli.StringFlag{Name: "url", Usage: "with --lib: the URL the folder will be served from, for the printed <script> snippet (default: jsDelivr's copy of the npm package)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usageError("package takes at most one folder, the project: pwagen package [DIR]")
			}
			dir := c.Args().First()
			if dir == "" {
				dir = "."
			}
			platforms, err := edgePlatforms(c)
			if err != nil {
				return err
			}
			if err := libFlags(c); err != nil {
				return err
			}
			cfg, err := loadProject(dir, c.String("weights"))
			if err != nil {
				return err
			}
			if c.Bool("lib") {
				return packageLib(c, cfg)
			}
			out := c.String("out")
			if out == "" {
				out = filepath.Join(cfg.Dir, "dist")
			}
			if out, err = filepath.Abs(out); err != nil {
				return usageError("%v", err)
			}
			start := time.Now()
			b := packager.NewBuild(cfg, out)
			b.Log = c.App.ErrWriter // what a stopped run left, and its repair
			if err := packager.Run(c.Context, b); err != nil {
				return checkFailed(err)
			}
			if platforms != nil {
				if err := writeEdge(c, cfg, b, platforms); err != nil {
					return err
				}
			}
			if !c.Bool("quiet") {
				b.WriteReport(c.App.Writer)
				serve := shellquote.Quote(relOrAbs(out))
				if filepath.Dir(out) != cfg.Dir { // serve finds the project beside OUT only
					serve = "--project " + shellquote.Quote(relOrAbs(cfg.Dir)) + " " + serve
				}
				fmt.Fprintf(c.App.Writer, "packaged %s in %.1fs; preview: pwagen serve %s\n", relOrAbs(out), time.Since(start).Seconds(), serve)
			}
			return nil
		},
	}
}

// loadProject reads DIR's pwagen.toml; problems with it are usage errors.
// weights, if set, is --weights: the weights file, which may be outside
// the project.
func loadProject(dir, weights string) (*config.Config, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, usageError("%s: no such folder", dir)
	}
	if err == nil && !fi.IsDir() {
		return nil, usageError("%s is a file; give the project folder, the one holding %s", dir, config.FileName)
	}
	var opts []config.Option
	if weights != "" {
		opts = append(opts, config.WithWeights(weights))
	}
	cfg, err := config.Load(dir, opts...)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return cfg, nil
}

func relOrAbs(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && len(rel) < len(p) {
		return rel
	}
	return p
}
