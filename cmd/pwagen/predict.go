package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pwagen/pwagen/internal/fsx"
	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/packager"
	"github.com/pwagen/pwagen/runner"
	"github.com/urfave/cli/v2"
)

func init() { commands = append(commands, predictCmd) }

// maxInputBytes bounds an input file of predict.
const maxInputBytes = 1 << 30

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
			sig := m.Signature()
			ins, err := readInputs(sig, c.StringSlice("input"))
			if err != nil {
				return err
			}
			if m.Typed() {
				buf, err := encodeInputs(sig, ins)
				if err != nil {
					return err
				}
				out, err := m.PredictTyped(c.Context, buf)
				if err != nil {
					return checkFailed(err)
				}
				return writeTyped(c, sig, out)
			}
			values, err := matchInput(sig, ins[0], c.StringSlice("input")[0])
			if err != nil {
				return err
			}
			out, err := m.Predict(c.Context, values)
			if err != nil {
				return checkFailed(err)
			}
			return writeOutputs(c, sig, out)
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

// readInput reads a .npy or JSON input (exit 2 when it is neither).
func readInput(path string) (*npy.Array, error) {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		b, err := readBounded(path, maxInputBytes, "--input")
		if err != nil {
			return nil, usageError("%v", err)
		}
		a, err := npy.ParseJSON(b, maxInputBytes)
		if err != nil {
			return nil, usageError("--input %s: %v", path, err)
		}
		return a, nil
	}
	a, err := npy.ReadFile(path, maxInputBytes)
	if err != nil {
		return nil, usageError("--input %s: %v; give a .npy file (float32, float64, int32 or int64) or a .json file of nested arrays", path, err)
	}
	return a, nil
}

// matchInput checks an input against the model's contract: the same shape
// (leading 1s aside) and a numeric dtype.
func matchInput(sig runner.Signature, a *npy.Array, path string) ([]float32, error) {
	switch a.DType {
	case "float32", "float64", "int32", "int64", "json":
	default:
		if !strings.HasPrefix(a.DType, "float") && !strings.HasPrefix(a.DType, "int") {
			return nil, usageError("--input %s is %s; the model takes float32 (pwagen predict converts float64, int32 and int64)", path, a.DType)
		}
	}
	if len(sig.Inputs) != 1 {
		return nil, usageError("the model has %d inputs; this version of pwagen predict feeds one", len(sig.Inputs))
	}
	want := sig.Inputs[0]
	trim := func(s []int) []int {
		for len(s) > 1 && s[0] == 1 {
			s = s[1:]
		}
		return s
	}
	if sig.Known && !slices.Equal(trim(slices.Clone(a.Shape)), trim(slices.Clone(want.Shape))) || a.Len() != want.Len() {
		return nil, usageError("--input %s has shape %s (%d values); input %q of the model has shape %s (%d values)", path, shapeText(a.Shape), a.Len(), want.Name, shapeText(want.Shape), want.Len())
	}
	return a.Float32(), nil
}

func shapeText(s []int) string {
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(p, " ") + "]"
}

type outputJSON struct {
	Name   string    `json:"name"`
	Shape  []int     `json:"shape"`
	Values []float32 `json:"values"`
}

// writeOutputs prints the outputs as JSON, or writes the one output as .npy.
func writeOutputs(c *cli.Context, sig runner.Signature, out []float32) error {
	outs := sig.Outputs
	if !sig.Known || len(outs) == 0 {
		outs = []runner.TensorInfo{{Name: "output", DType: "float32", Shape: []int{len(out)}}}
	}
	total := 0
	for _, o := range outs {
		total += o.Len()
	}
	if total != len(out) {
		return checkFailed(fmt.Errorf("the model returned %d values; its signature promises %d", len(out), total))
	}
	if path := c.String("output"); path != "" {
		if len(outs) != 1 {
			return usageError("--output writes one output, and the model has %d; leave --output out to print them all as JSON", len(outs))
		}
		var buf bytes.Buffer
		if err := npy.Write(&buf, &npy.Array{DType: "float32", Shape: outs[0].Shape, F32: out}); err != nil {
			return checkFailed(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return checkFailed(err)
		}
		fmt.Fprintf(c.App.Writer, "wrote %s: %s %s\n", path, outs[0].Name, shapeText(outs[0].Shape))
		return nil
	}
	var res []outputJSON
	off := 0
	for _, o := range outs {
		res = append(res, outputJSON{o.Name, o.Shape, out[off : off+o.Len()]})
		off += o.Len()
	}
	b, err := json.Marshal(map[string]any{"outputs": res})
	if err != nil {
		return checkFailed(errors.New("an output is NaN or infinite, which JSON cannot hold; use --output FILE.npy"))
	}
	fmt.Fprintln(c.App.Writer, string(b))
	return nil
}

// readInputs reads one array per input of the signature: --input FILE for a
// model with one input, --input NAME=FILE for each input otherwise.
func readInputs(sig runner.Signature, flags []string) ([]*npy.Array, error) {
	names := make([]string, len(sig.Inputs))
	for i, t := range sig.Inputs {
		names[i] = t.Name
	}
	out := make([]*npy.Array, len(sig.Inputs))
	for _, f := range flags {
		i := -1
		path := f
		name, p, named := strings.Cut(f, "=")
		if named && slices.Contains(names, name) {
			i, path = slices.Index(names, name), p
		} else if _, err := os.Stat(f); named && err != nil {
			return nil, usageError("--input %s: the model has no input %q; its inputs are %s", f, name, strings.Join(names, ", "))
		} else if len(sig.Inputs) == 1 {
			i = 0
		} else {
			return nil, usageError("--input %s: the model has %d inputs (%s); give each as --input NAME=FILE", f, len(names), strings.Join(names, ", "))
		}
		if out[i] != nil {
			return nil, usageError("--input gives %q twice", names[i])
		}
		a, err := readInput(path)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	for i, a := range out {
		if a == nil {
			return nil, usageError("no --input for %q (%s %s); give it as --input %s=FILE", names[i], sig.Inputs[i].DType, shapeText(sig.Inputs[i].Shape), names[i])
		}
	}
	return out, nil
}

// encodeInputs lays the arrays out in the typed contract's buffer, checking
// each against its input's shape and dtype.
func encodeInputs(sig runner.Signature, ins []*npy.Array) ([]byte, error) {
	offs, total := runner.Layout(sig.Inputs)
	buf := make([]byte, total)
	trim := func(s []int) []int {
		for len(s) > 1 && s[0] == 1 {
			s = s[1:]
		}
		return s
	}
	for i, t := range sig.Inputs {
		a := ins[i]
		if !slices.Equal(trim(slices.Clone(a.Shape)), trim(slices.Clone(t.Shape))) {
			return nil, usageError("input %q: the file has shape %s (%d values); the model takes %s %s (%d values)", t.Name, shapeText(a.Shape), a.Len(), t.DType, shapeText(t.Shape), t.Len())
		}
		isFloat := strings.HasPrefix(a.DType, "float")
		if t.DType != "float32" && isFloat {
			for _, v := range a.Float64() {
				if v != float64(int64(v)) {
					return nil, usageError("input %q takes %s, and the file holds %s values such as %g; give whole numbers (an int .npy, or JSON without fractions)", t.Name, t.DType, a.DType, v)
				}
			}
		}
		b := buf[offs[i]:]
		le := binary.LittleEndian
		f := a.Float64()
		for j, v := range f {
			switch t.DType {
			case "float32":
				le.PutUint32(b[4*j:], math.Float32bits(float32(v)))
			case "int64":
				le.PutUint64(b[8*j:], uint64(int64(v)))
			case "int32":
				le.PutUint32(b[4*j:], uint32(int32(v)))
			case "uint8":
				b[j] = byte(v)
			case "bool":
				if v != 0 {
					b[j] = 1
				}
			}
		}
		if t.DType == "int64" {
			if iv, ok := a.Int64(); ok { // exact beyond 2^53
				for j, v := range iv {
					le.PutUint64(b[8*j:], uint64(v))
				}
			}
		}
	}
	return buf, nil
}

// writeTyped prints the typed outputs as JSON, or writes the one output as
// .npy.
func writeTyped(c *cli.Context, sig runner.Signature, out []byte) error {
	offs, _ := runner.Layout(sig.Outputs)
	le := binary.LittleEndian
	type typedJSON struct {
		Name   string `json:"name"`
		DType  string `json:"dtype"`
		Shape  []int  `json:"shape"`
		Values []any  `json:"values"`
	}
	var res []typedJSON
	var firstF []float32
	for i, t := range sig.Outputs {
		b := out[offs[i]:]
		vals := make([]any, t.Len())
		for j := range vals {
			switch t.DType {
			case "float32":
				f := math.Float32frombits(le.Uint32(b[4*j:]))
				if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
					return checkFailed(errors.New("an output is NaN or infinite, which JSON cannot hold; use --output FILE.npy"))
				}
				vals[j] = f
				if i == 0 {
					firstF = append(firstF, f)
				}
			case "int64":
				vals[j] = int64(le.Uint64(b[8*j:]))
			case "int32":
				vals[j] = int32(le.Uint32(b[4*j:]))
			case "uint8":
				vals[j] = b[j]
			case "bool":
				vals[j] = b[j] != 0
			}
		}
		res = append(res, typedJSON{t.Name, t.DType, t.Shape, vals})
	}
	if path := c.String("output"); path != "" {
		if len(sig.Outputs) != 1 || sig.Outputs[0].DType != "float32" {
			return usageError("--output writes one float32 output, and the model has %d outputs; leave --output out to print them all as JSON", len(sig.Outputs))
		}
		var buf bytes.Buffer
		if err := npy.Write(&buf, &npy.Array{DType: "float32", Shape: sig.Outputs[0].Shape, F32: firstF}); err != nil {
			return checkFailed(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return checkFailed(err)
		}
		fmt.Fprintf(c.App.Writer, "wrote %s: %s %s\n", path, sig.Outputs[0].Name, shapeText(sig.Outputs[0].Shape))
		return nil
	}
	b, err := json.Marshal(map[string]any{"outputs": res})
	if err != nil {
		return checkFailed(err)
	}
	fmt.Fprintln(c.App.Writer, string(b))
	return nil
}
