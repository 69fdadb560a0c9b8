package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/internal/fsx"
	"github.com/pwagen/pwagen/packager"
	"github.com/pwagen/pwagen/validate"
	"github.com/urfave/cli/v2"
)

func init() { commands = append(commands, validateCmd) }

func validateCmd() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check that a model fits its browsers: features, ABI, memory, download",
		ArgsUsage: "[TARGET] (a .wasm file, or a project folder; default: the project in this folder)",
		Description: "For a project folder, validate builds its model and uses its weights and pwagen.toml.\n" +
			"For a .wasm file, it uses --config, or else the defaults of a new project.\n" +
			"Exit status: 0 every check holds; 1 a check failed, or the module is damaged or does not compile; 2 bad usage or not a WebAssembly module.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object instead of the table"},
			&cli.StringFlag{Name: "config", Usage: "pwagen.toml to take targets and budgets from", TakesFile: true},
			&cli.StringFlag{Name: "weights", Usage: "weights file to use instead of [model] weights; it may be outside the project", TakesFile: true},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usageError("validate: want at most one TARGET (a .wasm file or a project folder), got %d arguments", c.NArg())
			}
			target := c.Args().First()
			if target == "" {
				target = "."
			}
			r, err := runValidate(c.Context, target, c.String("config"), c.String("weights"))
			var invalid *validate.InvalidError
			var compile *packager.CompileError
			switch {
			case err == nil:
			case c.Context.Err() != nil: // a signal: run says so
				return err
			case errors.As(err, &invalid), errors.As(err, &compile):
				// A module that does not compile is a failed check, as in
				// pwagen package: exit status 1.
				return checkFailed(fmt.Errorf("validate: %v", err))
			default:
				return usageError("validate: %v", err)
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				err = enc.Encode(r)
			} else {
				err = r.WriteText(c.App.Writer)
			}
			if err != nil {
				return cli.Exit(err, 2)
			}
			if !r.OK {
				return checkFailed(fmt.Errorf("validate: %s: %d check(s) failed", r.Module, len(r.Problems)))
			}
			return nil
		},
	}
}

// runValidate resolves TARGET and the config into validate.Module's input.
// A project runs the packager's own stages up to validation, so that its
// figures are those `pwagen package` reports and checks.
func runValidate(ctx context.Context, target, configFile, weights string) (*validate.Report, error) {
	fi, err := os.Stat(target)
	if err != nil {
		return nil, fmt.Errorf("%s: no such file or folder", target)
	}
	if configFile == "" && fi.IsDir() {
		configFile = target
	}
	cfg := &config.Defaults
	if configFile != "" {
		var opts []config.Option
		if weights != "" {
			opts = append(opts, config.WithWeights(weights))
		}
		if cfg, err = config.Load(configFile, opts...); err != nil {
			return nil, err
		}
	}
	if cfg.File != "" && cfg.Model.Weights != "" {
		if err := cfg.CheckWeights(); err != nil {
			return nil, err
		}
	}
	if fi.IsDir() {
		r, err := packager.Validate(ctx, packager.NewBuild(cfg, ""))
		if err != nil {
			return nil, err
		}
		r.Module = filepath.Join(target, packager.ModelName(cfg)) + " (built)"
		return r, nil
	}
	o := validate.Options{
		Targets:        cfg.Browser.Targets,
		MemoryBudget:   cfg.MemoryBudget,
		DownloadBudget: cfg.DownloadBudget,
		TimeLimit:      cfg.TimeLimit,
		Isolation:      cfg.Deploy.Isolation,
		Hosts:          cfg.Deploy.Hosts,
	}
	if cfg.File == "" { // the defaults: sizes are parsed by config.Load only
		o.MemoryBudget, _ = config.ParseSize(cfg.Budget.Memory)
		o.DownloadBudget, _ = config.ParseSize(cfg.Budget.Download)
		o.TimeLimit, _ = config.ParseTime(cfg.Budget.Time)
		o.Weights = weights
	} else {
		if cfg.Model.Weights != "" {
			o.Weights = cfg.Rel(cfg.Model.Weights)
		}
		o.Reference = packager.QuantReference(cfg)
		o.MinAgreement = cfg.Budget.QuantizedAgreement
	}
	wasm, err := fsx.ReadFile(target, fsx.WasmLimit, "module")
	if err != nil {
		return nil, err
	}
	return validate.Module(ctx, target, wasm, o)
}
