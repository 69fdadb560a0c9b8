package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/importer"
	"github.com/pwagen/pwagen/importer/project"
	"github.com/pwagen/pwagen/templates"
	"github.com/urfave/cli/v2"
)

func init() { commands = append(commands, importCmd) }

// modelFlags are the flags of `new --from` and `import`.
func modelFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "shape", Usage: "fix an input's symbolic dimensions: NAME=1x3x224x224 (repeatable)"},
		&cli.StringFlag{Name: "labels", Usage: "a text file with one class label per line, for the page"},
		&cli.StringFlag{Name: "mean", Usage: "per-channel mean of image inputs, applied to pixel/255: 0.485,0.456,0.406"},
		&cli.StringFlag{Name: "std", Usage: "per-channel standard deviation of image inputs: 0.229,0.224,0.225"},
		&cli.StringFlag{Name: "quantize", Usage: "store Conv, Gemm and MatMul weights as int8 (a quarter), fp16 (half) or none; checked against the float model (default: [model] quantize, else none)"},
		&cli.StringFlag{Name: "calibrate", Usage: "a folder of .npy inputs for the quantization check (default: 32 inputs drawn from the input's range)"},
		&cli.StringFlag{Name: "min-agreement", Usage: "top-1 agreement a quantized classifier must keep: 99% or 0.99 (default: [budget] quantized_agreement, else 99%)"},
		&cli.StringFlag{Name: "backend", Usage: "compile the model as a WebAssembly module without the Go runtime (wasm), as Go (go), or wasm when every node allows it (auto) (default: [model] backend; new --from: auto)"},
		&cli.StringFlag{Name: "max-error", Usage: "largest output error a quantized model may have, relative to the largest output: 10% or 0.1 (default 10%)"},
	}
}

// modelOptions reads the flags of modelFlags.
func modelOptions(c *cli.Context, model string) (project.Options, error) {
	o := project.Options{Model: model, Labels: c.String("labels"), Shapes: map[string][]int{},
		Quantize: c.String("quantize"), Calibrate: c.String("calibrate"), Backend: c.String("backend")}
	switch o.Backend {
	case "", "auto", "wasm", "go":
	default:
		return o, usageError("--backend %q: want auto, wasm or go", o.Backend)
	}
	if o.Quantize != "" {
		if err := importer.CheckQuantMode(o.Quantize); err != nil {
			return o, usageError("--%v", err)
		}
	}
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"min-agreement", &o.MinAgreement}, {"max-error", &o.MaxRelError}} {
		if v := c.String(f.name); v != "" {
			x, err := parseShare(v)
			if err != nil {
				return o, usageError("--%s %q: %v", f.name, v, err)
			}
			*f.dst = x
		}
	}
	for _, s := range c.StringSlice("shape") {
		name, dims, ok := strings.Cut(s, "=")
		if !ok || name == "" {
			return o, usageError("--shape %q: want NAME=DIMS, such as --shape input=1x3x224x224", s)
		}
		var shape []int
		for _, d := range strings.Split(strings.ReplaceAll(dims, "×", "x"), "x") {
			n, err := strconv.Atoi(strings.TrimSpace(d))
			if err != nil || n < 1 || n > 1<<30 {
				return o, usageError("--shape %s: dimension %q is not a whole number from 1 to %d", s, d, 1<<30)
			}
			shape = append(shape, n)
		}
		o.Shapes[name] = shape
	}
	for _, f := range []struct {
		name string
		dst  *[]float32
	}{{"mean", &o.Mean}, {"std", &o.Std}} {
		v := c.String(f.name)
		if v == "" {
			continue
		}
		for _, p := range strings.Split(v, ",") {
			x, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
			if err != nil {
				return o, usageError("--%s %q: %q is not a number; give one per channel, separated by commas", f.name, v, p)
			}
			*f.dst = append(*f.dst, float32(x))
		}
	}
	return o, nil
}

// compileModel compiles an ONNX file, mapping errors to exit codes: the
// user's mistakes (a bad file, an unsupported operator, a missing shape)
// are 2.
func compileModel(o project.Options) (*project.Compiled, error) {
	c, err := project.Compile(o)
	if err == nil {
		return c, nil
	}
	var (
		ue *importer.UsageError
		se *importer.ShapeNeededError
		un *importer.UnsupportedError
	)
	if errors.As(err, &ue) || errors.As(err, &se) || errors.As(err, &un) {
		return nil, usageError("%v", err)
	}
	return nil, checkFailed(err)
}

// parseShare reads "99%" or "0.99" as a share in (0, 1].
func parseShare(s string) (float64, error) {
	t := strings.TrimSpace(s)
	div := 1.0
	if strings.HasSuffix(t, "%") {
		t, div = strings.TrimSpace(strings.TrimSuffix(t, "%")), 100
	}
	x, err := strconv.ParseFloat(t, 64)
	if err != nil || x/div <= 0 || x/div > 1 {
		return 0, fmt.Errorf("want a share above 0 and at most 1, such as 99%% or 0.99")
	}
	return x / div, nil
}

// configQuant fills o's quantization from the project's pwagen.toml
// where no flag gave it; a project whose config does not load keeps the
// defaults (import reports the config's problems elsewhere).
func configQuant(o *project.Options, dir string) {
	cfg, err := config.Load(dir)
	if err != nil {
		return
	}
	if o.Quantize == "" {
		o.Quantize = cfg.Model.Quantize
	}
	if o.MinAgreement == 0 {
		o.MinAgreement = cfg.Budget.QuantizedAgreement
	}
	if o.Backend == "" {
		o.Backend = cfg.Model.Backend
	}
}

func printCompiled(w io.Writer, c *project.Compiled) {
	in := c.Out.Signature.Inputs
	fmt.Fprintf(w, "imported %s: %d nodes (%s), %s of weights, arena %s; %s\n", c.Source, len(c.Graph.Nodes), opSummary(c.Graph), bytesHuman(len(c.Out.Weights)), bytesHuman(4*c.Plan.Arena), c.Elapsed.Round(1e6))
	for _, t := range in {
		fmt.Fprintf(w, "  input  %s: %s %v\n", t.Name, t.DType, t.Shape)
	}
	for _, t := range c.Out.Signature.Outputs {
		fmt.Fprintf(w, "  output %s: %s %v\n", t.Name, t.DType, t.Shape)
	}
	var rw []string
	for _, p := range importer.Passes {
		if n := c.Passes[p.Name]; n > 0 {
			rw = append(rw, fmt.Sprintf("%s %d", p.Name, n))
		}
	}
	if len(rw) > 0 {
		fmt.Fprintf(w, "  rewrites: %s\n", strings.Join(rw, ", "))
	}
	if c.Quant != nil {
		fmt.Fprintf(w, "  quantized %s\n", c.Quant.Summary())
	}
	switch {
	case c.Wasm != nil:
		fmt.Fprintf(w, "  back end: wasm (model/model.wasm, %s, no Go runtime)\n", bytesHuman(len(c.Wasm)))
	case c.WasmNote != "":
		fmt.Fprintf(w, "  back end: go, as %s\n", c.WasmNote)
	}
}

func opSummary(g *importer.Graph) string {
	counts := g.OpCounts()
	var ops []string
	for _, op := range importer.Ops() {
		if n := counts[op]; n > 0 {
			ops = append(ops, fmt.Sprintf("%s×%d", op, n))
		}
	}
	return strings.Join(ops, " ")
}

func bytesHuman(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// newFromModel is `pwagen new --from MODEL.onnx DIR`.
func newFromModel(c *cli.Context, dir string) error {
	o, err := modelOptions(c, c.String("from"))
	if err != nil {
		return err
	}
	if o.Backend == "" {
		o.Backend = "auto"
	}
	comp, err := compileModel(o)
	if err != nil {
		return err
	}
	d := templates.DataFor(dir)
	if err := project.New(dir, comp, d.Name, d.ShortName, d.Module); err != nil {
		var ue *importer.UsageError
		if errors.As(err, &ue) {
			return usageError("%v", err)
		}
		return checkFailed(err)
	}
	printCompiled(c.App.Writer, comp)
	printNext(c.App.Writer, dir, comp.UI.Kind+" page")
	return nil
}

func importCmd() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "regenerate model/ and weights/ of a project from a new ONNX export",
		ArgsUsage: "MODEL.onnx [DIR] | --part NAME=MODEL.onnx... [DIR]",
		Flags: append(modelFlags(),
			&cli.StringSliceFlag{Name: "part", Usage: "compile a pipeline: each NAME=MODEL.onnx becomes NAMEPredict in model/ (repeatable; the project writes predict)"}),
		Action: func(c *cli.Context) error {
			if len(c.StringSlice("part")) > 0 {
				return importPipeline(c)
			}
			if c.NArg() < 1 || c.NArg() > 2 {
				return usageError("import takes the model file and the project folder: pwagen import MODEL.onnx [DIR]")
			}
			dir := "."
			if c.NArg() == 2 {
				dir = c.Args().Get(1)
			}
			o, err := modelOptions(c, c.Args().First())
			if err != nil {
				return err
			}
			configQuant(&o, dir)
			comp, err := compileModel(o)
			if err != nil {
				return err
			}
			written, removed, err := project.Import(dir, comp)
			if err != nil {
				var ue *importer.UsageError
				var ng *project.NotGeneratedError
				if errors.As(err, &ue) || errors.As(err, &ng) {
					return usageError("%v", err)
				}
				return checkFailed(err)
			}
			printCompiled(c.App.Writer, comp)
			fmt.Fprintf(c.App.Writer, "wrote %d files in %s (%s)", len(written), dir, strings.Join(written, ", "))
			if len(removed) > 0 {
				fmt.Fprintf(c.App.Writer, "; removed %s", strings.Join(removed, ", "))
			}
			fmt.Fprintln(c.App.Writer)
			return nil
		},
	}
}

// importPipeline is `pwagen import --part mel=a.onnx --part emb=b.onnx DIR`.
func importPipeline(c *cli.Context) error {
	if c.NArg() > 1 {
		return usageError("import --part takes at most one folder, the project: pwagen import --part NAME=MODEL.onnx... [DIR]")
	}
	dir := c.Args().First()
	if dir == "" {
		dir = "."
	}
	shapes := map[string][]int{}
	if len(c.StringSlice("shape")) > 0 {
		o, err := modelOptions(c, "")
		if err != nil {
			return err
		}
		shapes = o.Shapes
	}
	var parts []project.PartOptions
	for _, p := range c.StringSlice("part") {
		name, model, ok := strings.Cut(p, "=")
		if !ok {
			return usageError("--part %q: want NAME=MODEL.onnx, such as --part mel=melspectrogram.onnx", p)
		}
		// --shape NAME.INPUT=DIMS fixes a part's input.
		ps := map[string][]int{}
		for k, v := range shapes {
			if pn, in, ok := strings.Cut(k, "."); ok && pn == name {
				ps[in] = v
			}
		}
		parts = append(parts, project.PartOptions{Prefix: name, Model: model, Shapes: ps})
	}
	comp, err := project.CompilePipeline(parts)
	if err != nil {
		var ue *importer.UsageError
		var se *importer.ShapeNeededError
		var un *importer.UnsupportedError
		if errors.As(err, &ue) || errors.As(err, &se) || errors.As(err, &un) {
			return usageError("%v", err)
		}
		return checkFailed(err)
	}
	written, removed, err := project.Import(dir, comp)
	if err != nil {
		var ue *importer.UsageError
		var ng *project.NotGeneratedError
		if errors.As(err, &ue) || errors.As(err, &ng) {
			return usageError("%v", err)
		}
		return checkFailed(err)
	}
	fmt.Fprintf(c.App.Writer, "imported %s: %s of weights; wrote %s", comp.Source, bytesHuman(len(comp.Out.Weights)), strings.Join(written, ", "))
	if len(removed) > 0 {
		fmt.Fprintf(c.App.Writer, "; removed %s", strings.Join(removed, ", "))
	}
	fmt.Fprintln(c.App.Writer)
	return nil
}
