package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/pwagen/pwagen/internal/npy"
	"github.com/pwagen/pwagen/internal/tensorio"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

func predictCmd(ctx context.Context, b Bundle, args []string, stdout, stderr io.Writer, start time.Time) error {
	fl, cache := newFlags("predict", stderr)
	var inputs multi
	fl.Var(&inputs, "input", "the input: .npy or JSON of nested arrays; NAME=FILE for each input of a model with several")
	output := fl.String("output", "", "write the one output as .npy instead of printing JSON")
	if err := parse(fl, args); err != nil {
		return err
	}
	if len(inputs) == 0 {
		return usagef("predict needs --input FILE (.npy or JSON)")
	}
	e, err := newEngine(b, *cache, stderr)
	if err != nil {
		return err
	}
	m, err := e.load(ctx)
	if err != nil {
		return err
	}
	defer m.Close(context.Background())
	sig := m.Signature()
	ins, err := tensorio.ReadInputs(sig, inputs)
	if err != nil {
		return usagef("%v", err)
	}
	outs, first, err := tensorio.Predict(ctx, m, ins)
	if err != nil {
		if errors.As(err, new(tensorio.BadInput)) {
			return usagef("%v", err)
		}
		return err
	}
	if *output != "" {
		if len(outs) != 1 || first == nil {
			return usagef("--output writes one float32 output, and the model has %d outputs; leave --output out to print them all as JSON", len(outs))
		}
		var buf bytes.Buffer
		if err := npy.Write(&buf, &npy.Array{DType: "float32", Shape: outs[0].Shape, F32: first}); err != nil {
			return err
		}
		if err := os.WriteFile(*output, buf.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %s %s\n", *output, outs[0].Name, tensorio.ShapeText(outs[0].Shape))
		return nil
	}
	j, err := json.Marshal(map[string]any{"outputs": outs})
	if err != nil {
		return errors.New("an output is NaN or infinite, which JSON cannot hold; use --output FILE.npy")
	}
	fmt.Fprintln(stdout, string(j))
	return nil
}

func infoCmd(ctx context.Context, b Bundle, args []string, stdout, stderr io.Writer, start time.Time) error {
	fl, cache := newFlags("info", stderr)
	if err := parse(fl, args); err != nil {
		return err
	}
	e, err := newEngine(b, *cache, stderr)
	if err != nil {
		return err
	}
	verified := time.Since(start)
	t := time.Now()
	m, err := e.load(ctx)
	if err != nil {
		return err
	}
	defer m.Close(context.Background())
	loaded := time.Since(t)
	sig := m.Signature()
	w := func(k, format string, a ...any) {
		fmt.Fprintf(stdout, "%-10s "+format+"\n", append([]any{k + ":"}, a...)...)
	}
	w("name", "%s", b.Name)
	w("platform", "%s/%s", runtime.GOOS, runtime.GOARCH)
	w("kernels", "%s (%s)", e.variant, e.why)
	w("model", "%d bytes, sha256 %s", len(b.Wasm), b.WasmSHA256)
	if b.WeightsSHA256 != "" {
		w("weights", "%d bytes, sha256 %s", len(b.Weights), b.WeightsSHA256)
	} else {
		w("weights", "none")
	}
	for _, t := range sig.Inputs {
		w("input", "%s %s %s", t.Name, t.DType, tensorio.ShapeText(t.Shape))
	}
	for _, t := range sig.Outputs {
		w("output", "%s %s %s", t.Name, t.DType, tensorio.ShapeText(t.Shape))
	}
	if e.cacheDir != "" {
		w("cache", "%s", e.cacheDir)
	} else {
		w("cache", "off")
	}
	w("start-up", "%s (verify %s, load %s)", ms(time.Since(start)), ms(verified), ms(loaded))
	return nil
}
