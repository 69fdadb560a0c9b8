package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/pwagen/pwagen/internal/fsx"
	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/internal/tensorio"
	"github.com/pwagen/pwagen/packager"
	"github.com/pwagen/pwagen/runner"
	"github.com/urfave/cli/v2"
)

func init() { commands = append(commands, predictCmd) }

func predictCmd() *cli.Command {
	return &cli.Command{
		Name:      "predict",
		Usage:     "run the project's model under wazero, with the browser's kernels, on an input file",
		ArgsUsage: "[DIR] --input [NAME=]FILE... [--output FILE.npy]",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "input", Aliases: []string{"i"}, Usage: "the input: .npy (float32, float64, int32 or int64, C order) or JSON (nested arrays); NAME=FILE for each input of a model with several", Required: true},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the output as .npy instead of printing JSON"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usageError("predict takes at most one folder, the project: pwagen predict [DIR] --input FILE")
			}
			dir := c.Args().First()
			if dir == "" {
				dir = "."
			}
			cfg, err := loadProject(dir, "")
			if err != nil {
				return err
			}
			wasm, err := packager.BuildModel(c.Context, packager.NewBuild(cfg, ""))
			if err != nil {
				return checkFailed(err)
			}
			var weights []byte
			if cfg.Model.Weights != "" {
				if weights, err = readBounded(cfg.Rel(cfg.Model.Weights), fsx.WeightsLimit, "weights"); err != nil {
					return usageError("%v", err)
				}
			}
			m, err := runner.Load(c.Context, wasm, weights, runner.Options{})
			if err != nil {
				return checkFailed(err)
			}
			defer m.Close(c.Context)
			ins, err := tensorio.ReadInputs(m.Signature(), c.StringSlice("input"))
			if err != nil {
				return usageError("%v", err)
			}
			outs, first, err := tensorio.Predict(c.Context, m, ins)
			if errors.As(err, new(tensorio.BadInput)) {
				return usageError("%v", err)
			} else if err != nil {
				return checkFailed(err)
			}
			if path := c.String("output"); path != "" {
				if len(outs) != 1 || first == nil {
					return usageError("--output writes one float32 output, and the model has %d outputs; leave --output out to print them all as JSON", len(outs))
				}
				var buf bytes.Buffer
				if err := npy.Write(&buf, &npy.Array{DType: "float32", Shape: outs[0].Shape, F32: first}); err != nil {
					return checkFailed(err)
				}
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					return checkFailed(err)
				}
				fmt.Fprintf(c.App.Writer, "wrote %s: %s %s\n", path, outs[0].Name, tensorio.ShapeText(outs[0].Shape))
				return nil
			}
			b, err := json.Marshal(map[string]any{"outputs": outs})
			if err != nil {
				return checkFailed(errors.New("an output is NaN or infinite, which JSON cannot hold; use --output FILE.npy"))
			}
			fmt.Fprintln(c.App.Writer, string(b))
			return nil
		},
	}
}

func readBounded(path string, limit int64, what string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %s is not a regular file", what, path)
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s: %s has %d bytes, over the limit of %d", what, path, fi.Size(), limit)
	}
	return os.ReadFile(path)
}
