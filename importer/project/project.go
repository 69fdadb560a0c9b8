// Package project writes and updates the projects that `pwagen new --from`
// and `pwagen import` make from an ONNX model.
package project

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/importer"
	"github.com/pwagen/pwagen/internal/quantref"
	"github.com/pwagen/pwagen/internal/shellquote"
	"github.com/pwagen/pwagen/onnx"
	"github.com/pwagen/pwagen/templates"
)

// Options are what the user gives besides the model file.
type Options struct {
	Model  string           // the .onnx file
	Shapes map[string][]int // --shape NAME=DIMS
	Labels string           // --labels FILE: one label per line
	Mean   []float32        // --mean, per channel
	Std    []float32        // --std
	// Quantize stores the weights of Conv, Gemm and MatMul as "int8" or
	// "fp16" ("none" or "": float32), behind the quality gate (quant.go).
	Quantize     string
	Calibrate    string  // --calibrate DIR: .npy inputs for the gate
	MinAgreement float64 // top-1 agreement the gate needs (0: 0.99)
	MaxRelError  float64 // output error bound, relative (0: 0.1)
	// Backend is how the model is compiled: "go", "wasm" or "auto" ("":
	// "go"); see config.Model.Backend.
	Backend string
	// damageLayer and damageFactor corrupt one layer's int8 scales: tests
	// show the gate refuses it.
	damageLayer  string
	damageFactor float32
}

// Compiled is a model compiled to Go, ready to be written.
type Compiled struct {
	Source  string
	Graph   *importer.Graph
	Plan    *importer.Plan
	Out     *importer.Output
	UI      UI
	Passes  map[string]int
	Elapsed time.Duration
	// Quant is the quality gate's report of a quantized import (nil: float32).
	Quant *importer.GateReport
	// reference is quantref.Path's content for a quantized model.
	reference []byte
	// pipeline: several graphs; the project's own files provide predict and
	// the page.
	pipeline bool
	// Wasm is the module of the wasm back end (model/model.wasm), nil when
	// the Go back end compiles the model; WasmNote says why not under
	// backend "auto".
	Wasm     []byte
	WasmNote string
	Backend  string
}

// UI is what the generated page needs to know (web/model-ui.js).
type UI struct {
	Title   string                `json:"title"`
	Source  string                `json:"source"`
	Kind    string                `json:"kind"` // "image", "numbers" or "file"
	Input   importer.TensorInfo   `json:"input"`
	Outputs []importer.TensorInfo `json:"outputs"`
	Labels  []string              `json:"labels"`
	Mean    []float32             `json:"mean"`
	Std     []float32             `json:"std"`
	Fields  []string              `json:"fields"`
}

// maxLabelsBytes bounds a --labels file.
const maxLabelsBytes = 4 << 20

// Compile reads, checks and compiles the model. Nothing is written.
func Compile(o Options) (*Compiled, error) {
	start := time.Now()
	m, err := onnx.ReadFile(o.Model, onnx.DefaultLimits())
	if err != nil {
		// A file that is not a model, or a hostile one: the user's input.
		return nil, &importer.UsageError{Msg: err.Error()}
	}
	g, err := importer.Build(m, importer.Options{Shapes: o.Shapes, Source: o.Model})
	if err != nil {
		return nil, err
	}
	if len(g.Inputs) == 0 {
		return nil, fmt.Errorf("%s: the model has no inputs, so there is nothing to predict from", o.Model)
	}
	passes := importer.Optimize(g)
	pl, err := importer.Lower(g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Model, err)
	}
	pl, quant, ref, err := quantize(o, pl)
	if err != nil {
		return nil, err
	}
	abi, err := fs.ReadFile(templates.ABI(), "pwagen_abi.go")
	if err != nil {
		return nil, err
	}
	out, err := importer.Generate(pl, abi)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Model, err)
	}
	c := &Compiled{Source: filepath.Base(o.Model), Graph: g, Plan: pl, Out: out, Passes: passes, Quant: quant, reference: ref, Backend: o.Backend}
	if err := c.wasmBackend(o); err != nil {
		return nil, err
	}
	if quant != nil {
		quant.WeightsAfter = len(out.Weights)
	}
	if c.UI, err = ui(g, m, out.Signature, o); err != nil {
		return nil, err
	}
	c.Elapsed = time.Since(start)
	return c, nil
}

// wasmBackend compiles the plan with the wasm back end when the project
// asks for it: an error under "wasm" when a node has no lowering, a note
// (and the Go back end) under "auto".
func (c *Compiled) wasmBackend(o Options) error {
	switch o.Backend {
	case "", "go":
		return nil
	case "wasm", "auto":
	default:
		return &importer.UsageError{Msg: fmt.Sprintf("backend %q is not a back end; use \"auto\", \"wasm\" or \"go\"", o.Backend)}
	}
	w, err := importer.GenerateWasm(c.Plan)
	var un *importer.WasmUnsupported
	switch {
	case errors.As(err, &un) && o.Backend == "auto":
		c.WasmNote = un.Error()
		return nil
	case errors.As(err, &un):
		return &importer.UsageError{Msg: fmt.Sprintf("%s: %v; set backend = \"auto\" or \"go\" under [model] in pwagen.toml (or pass --backend go) to compile it as Go", o.Model, err)}
	case err != nil:
		return fmt.Errorf("%s: %w", o.Model, err)
	}
	if !bytes.Equal(w.Weights, c.Out.Weights) {
		return fmt.Errorf("%s: the wasm back end laid out the weights differently from the Go back end (a bug in pwagen)", o.Model)
	}
	c.Wasm = w.Module
	return nil
}

// PartOptions is one graph of a pipeline: its functions are named after
// Prefix (melPredict, melInputLen, …).
type PartOptions struct {
	Prefix string
	Model  string
	Shapes map[string][]int
}

// CompilePipeline compiles several models into one model package with one
// weights file. The project provides inputLen, predict and signature in a
// hand-written file that calls the graphs (see examples/wakeword).
func CompilePipeline(parts []PartOptions) (*Compiled, error) {
	start := time.Now()
	var gp []importer.Part
	c := &Compiled{Passes: map[string]int{}}
	var sources []string
	for _, po := range parts {
		if !validPrefix(po.Prefix) {
			return nil, &importer.UsageError{Msg: fmt.Sprintf("part name %q: want a lower-case Go identifier, such as mel", po.Prefix)}
		}
		m, err := onnx.ReadFile(po.Model, onnx.DefaultLimits())
		if err != nil {
			return nil, &importer.UsageError{Msg: err.Error()}
		}
		g, err := importer.Build(m, importer.Options{Shapes: po.Shapes, Source: po.Model})
		if err != nil {
			return nil, err
		}
		for k, v := range importer.Optimize(g) {
			c.Passes[k] += v
		}
		pl, err := importer.Lower(g)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", po.Model, err)
		}
		gp = append(gp, importer.Part{Prefix: po.Prefix, Plan: pl})
		sources = append(sources, filepath.Base(po.Model))
		if c.Graph == nil {
			c.Graph, c.Plan = g, pl
		}
	}
	out, err := importer.GenerateParts(gp, nil)
	if err != nil {
		return nil, err
	}
	c.Out = out
	c.Source = strings.Join(sources, ", ")
	c.pipeline = true
	c.Elapsed = time.Since(start)
	return c, nil
}

func validPrefix(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// ui decides the page: an image input (N×C×H×W, C = 1 or 3), a few numbers,
// or a file.
func ui(g *importer.Graph, m *onnx.Model, sig importer.Signature, o Options) (UI, error) {
	in := sig.Inputs[0]
	u := UI{Source: filepath.Base(o.Model), Input: in, Outputs: sig.Outputs, Mean: []float32{0}, Std: []float32{1}}
	n := 1
	for _, d := range in.Shape {
		n *= d
	}
	s := in.Shape
	switch {
	case len(sig.Inputs) == 1 && len(s) == 4 && (s[1] == 1 || s[1] == 3) && s[2] >= 8 && s[3] >= 8:
		u.Kind = "image"
	case len(sig.Inputs) == 1 && n <= 16:
		u.Kind = "numbers"
		for i := 0; i < n; i++ {
			u.Fields = append(u.Fields, "x"+strconv.Itoa(i))
		}
	default:
		u.Kind = "file"
	}
	// Mean and std: the flags, else the model's metadata.
	meta := func(keys ...string) []float32 {
		for _, k := range keys {
			if v, ok := m.Metadata[k]; ok {
				if f, err := parseFloats(v); err == nil {
					return f
				}
			}
		}
		return nil
	}
	if u.Kind == "image" {
		ch := s[1]
		mean, std := o.Mean, o.Std
		if mean == nil {
			mean = meta("mean", "image_mean", "norm_mean")
		}
		if std == nil {
			std = meta("std", "image_std", "norm_std")
		}
		if mean != nil {
			u.Mean = mean
		}
		if std != nil {
			u.Std = std
		}
		for _, x := range [][]float32{u.Mean, u.Std} {
			if len(x) != 1 && len(x) != ch {
				return u, &importer.UsageError{Msg: fmt.Sprintf("--mean and --std take 1 or %d values (one per channel), got %d", ch, len(x))}
			}
		}
		for _, v := range u.Std {
			if v == 0 {
				return u, &importer.UsageError{Msg: "--std has a 0, which would divide by zero"}
			}
		}
	} else if o.Mean != nil || o.Std != nil {
		return u, &importer.UsageError{Msg: fmt.Sprintf("--mean and --std apply to image inputs (N×C×H×W); input %q is %v", in.Name, in.Shape)}
	}
	labels, err := readLabels(o.Labels, m)
	if err != nil {
		return u, err
	}
	if labels != nil {
		want := 1
		for _, d := range sig.Outputs[0].Shape {
			want *= d
		}
		if len(labels) != want {
			return u, &importer.UsageError{Msg: fmt.Sprintf("%d labels for %d values of output %q (%v); give one label per line, one per value", len(labels), want, sig.Outputs[0].Name, sig.Outputs[0].Shape)}
		}
	}
	u.Labels = labels
	return u, nil
}

func parseFloats(s string) ([]float32, error) {
	s = strings.Trim(strings.TrimSpace(s), "[]()")
	var out []float32
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		v, err := strconv.ParseFloat(f, 32)
		if err != nil {
			return nil, err
		}
		out = append(out, float32(v))
	}
	if len(out) == 0 {
		return nil, errors.New("no numbers")
	}
	return out, nil
}

// readLabels reads --labels, or labels from the model's metadata (a JSON
// list, or one per line, under "labels", "classes" or "class_names").
func readLabels(path string, m *onnx.Model) ([]string, error) {
	if path == "" {
		for _, k := range []string{"labels", "classes", "class_names"} {
			v, ok := m.Metadata[k]
			if !ok {
				continue
			}
			var l []string
			if json.Unmarshal([]byte(v), &l) == nil {
				return l, nil
			}
			var byIndex map[string]string
			if json.Unmarshal([]byte(v), &byIndex) == nil {
				l = make([]string, len(byIndex))
				for i := range l {
					l[i] = byIndex[strconv.Itoa(i)]
				}
				return l, nil
			}
			return strings.Split(strings.TrimSpace(v), "\n"), nil
		}
		return nil, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &importer.UsageError{Msg: fmt.Sprintf("--labels: %v", err)}
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxLabelsBytes {
		return nil, &importer.UsageError{Msg: fmt.Sprintf("--labels %s: want a text file of at most %d bytes, one label per line", path, maxLabelsBytes)}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var l []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), maxLabelsBytes)
	for sc.Scan() {
		l = append(l, strings.TrimSpace(sc.Text()))
	}
	for len(l) > 0 && l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l, sc.Err()
}

// uiJS renders web/model-ui.js.
func (c *Compiled) uiJS() []byte {
	b, _ := json.MarshalIndent(c.UI, "", "  ")
	return []byte(importer.Header(c.Source) + "\n" + "// What the page needs to know of the model; read by app.js.\nexport const UI = " + string(b) + ";\n")
}

// Files are the generated files of a project, by slash path.
func (c *Compiled) Files() map[string][]byte {
	files := map[string][]byte{}
	for name, b := range c.Out.Files {
		files["model/"+name] = b
	}
	files["weights/"+c.Out.WeightsName] = c.Out.Weights
	if c.Wasm != nil {
		files["model/"+config.GeneratedWasm] = c.Wasm
	}
	if !c.pipeline {
		files["web/model-ui.js"] = c.uiJS()
	}
	if c.reference != nil {
		files[quantref.Path] = c.reference
	}
	return files
}

// Data is what the project's templates use.
type Data struct {
	Name, ShortName, Module      string
	Source, Description          string
	InputDesc, OutputDesc        string
	MemoryBudget, DownloadBudget string
	Backend                      string
}

func (c *Compiled) data(name, short, module string) Data {
	desc := func(ts []importer.TensorInfo) string {
		var s []string
		for _, t := range ts {
			s = append(s, fmt.Sprintf("`%s` (%s, %s)", t.Name, t.DType, dims(t.Shape)))
		}
		return strings.Join(s, ", ")
	}
	w := int64(len(c.Out.Weights))
	arena := int64(4 * c.Plan.Arena)
	// The Go runtime and the .wasm need about 40 MiB beside the weights
	// (kept once, in the model's memory) and the arena.
	mem := roundMiB(w + arena + 48<<20)
	dl := roundMiB(w + w/8 + 4<<20)
	return Data{Name: name, ShortName: short, Module: module, Source: c.Source,
		Description: fmt.Sprintf("%s, compiled from %s to run offline on this device.", name, c.Source),
		InputDesc:   desc(c.Out.Signature.Inputs), OutputDesc: desc(c.Out.Signature.Outputs),
		MemoryBudget: fmt.Sprintf("%dMiB", mem>>20), DownloadBudget: fmt.Sprintf("%dMiB", dl>>20), Backend: backendOr(c.Backend)}
}

func backendOr(b string) string {
	if b == "" {
		return "go"
	}
	return b
}

func dims(s []int) string {
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = strconv.Itoa(d)
	}
	return strings.Join(p, "×")
}

// roundMiB rounds up to a multiple of 16 MiB.
func roundMiB(n int64) int64 {
	const step = 16 << 20
	return (n + step - 1) / step * step
}

// New writes a whole project into dir, which must not exist or be empty. It
// builds the project beside dir and renames it in, so a failure leaves
// nothing behind.
func New(dir string, c *Compiled, name, short, module string) error {
	data := c.data(name, short, module)
	c.UI.Title = name
	def, _ := templates.Project("default")
	err := templates.Create(dir, func(put func(string, []byte) error) error {
		// go.mod and kernels/ from the default project; the rest of our own.
		if err := templates.Render(def, data, func(p string) bool { return p == "go.mod.tmpl" || strings.HasPrefix(p, "kernels/") }, put); err != nil {
			return err
		}
		if err := templates.Render(templates.Import(), data, func(string) bool { return true }, put); err != nil {
			return err
		}
		for p, b := range c.Files() {
			if err := put(p, b); err != nil {
				return err
			}
		}
		return nil
	})
	var exists *templates.ExistsError
	if errors.As(err, &exists) {
		return &importer.UsageError{Msg: fmt.Sprintf("%s exists and is not empty; nothing was changed. Choose a new folder, or run pwagen import %s %s to update a project made from a model", dir, shellquote.Quote(c.Source), shellquote.Quote(dir))}
	}
	return err
}

// NotGeneratedError is a file import would overwrite that pwagen did not
// write (or that was edited since).
type NotGeneratedError struct{ Paths []string }

func (e *NotGeneratedError) Error() string {
	return fmt.Sprintf("pwagen import overwrites only the files it generated, and these lack the %q header (edited by hand, or not from pwagen): %s; nothing was changed. Move them away, or run pwagen new --from into a new folder", importer.HeaderPrefix, strings.Join(e.Paths, ", "))
}

// Import regenerates model/, weights/model.bin and web/model-ui.js of the
// project in dir, keeping web/ and pwagen.toml. It refuses, before writing
// anything, to overwrite a file that is not one it generated, and removes
// generated files that the new model no longer has.
func Import(dir string, c *Compiled) (written, removed []string, err error) {
	if _, err := os.Stat(filepath.Join(dir, "pwagen.toml")); err != nil {
		return nil, nil, &importer.UsageError{Msg: fmt.Sprintf("%s has no pwagen.toml; pwagen import updates a project made by pwagen new --from (run pwagen new --from %s DIR first)", dir, c.Source)}
	}
	files := c.Files()
	abi, _ := fs.ReadFile(templates.ABI(), "pwagen_abi.go")
	generated := func(p string, b []byte) bool {
		switch {
		case p == quantref.Path:
			return len(b) >= 4 && string(b[:4]) == quantref.Magic
		case strings.HasSuffix(p, ".wasm"):
			return importer.IsGeneratedWasm(b)
		case strings.HasSuffix(p, ".bin"):
			return len(b) >= 4 && string(b[:4]) == "PWGW"
		case filepath.Base(p) == "pwagen_abi.go":
			return bytes.Equal(b, abi) || bytes.HasPrefix(b, []byte(importer.HeaderPrefix))
		}
		return bytes.HasPrefix(b, []byte(importer.HeaderPrefix))
	}
	var bad []string
	for p := range files {
		b, err := readHead(filepath.Join(dir, filepath.FromSlash(p)))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if !generated(p, b) {
			bad = append(bad, p)
		}
	}
	// Stale generated files in model/, and the reference of a model that
	// is no longer quantized.
	var stale []string
	if _, ok := files[quantref.Path]; !ok {
		if b, err := readHead(filepath.Join(dir, filepath.FromSlash(quantref.Path))); err == nil && bytes.HasPrefix(b, []byte(quantref.Magic)) {
			stale = append(stale, quantref.Path)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "model"))
	for _, e := range entries {
		p := "model/" + e.Name()
		if _, ok := files[p]; ok || e.IsDir() {
			continue
		}
		b, err := readHead(filepath.Join(dir, "model", e.Name()))
		if err == nil && (bytes.HasPrefix(b, []byte(importer.HeaderPrefix)) || importer.IsGeneratedWasm(b)) {
			stale = append(stale, p)
		}
	}
	slices.Sort(bad)
	if len(bad) > 0 {
		return nil, nil, &NotGeneratedError{Paths: bad}
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return written, removed, err
		}
		if err := writeAtomic(dst, files[p]); err != nil {
			return written, removed, err
		}
		written = append(written, p)
	}
	for _, p := range stale {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(p))); err == nil {
			removed = append(removed, p)
		}
	}
	return written, removed, nil
}

// readHead reads the start of a file, enough to see a header.
func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	b := make([]byte, 64<<10)
	n, _ := f.Read(b)
	if filepath.Base(path) == "pwagen_abi.go" {
		full, err := os.ReadFile(path)
		return full, err
	}
	return b[:n], nil
}

// writeAtomic writes b to path through a temporary file and a rename.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".pwagen-import-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
