// Package runner runs a pwagen model (.wasm) outside the browser, under
// wazero with the same kernel module the browser uses: the engine of
// `pwagen predict`.
package runner

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/kernels/native"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// TensorInfo is one input or output of a model's contract.
type TensorInfo struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

// Len is the number of values.
func (t TensorInfo) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Signature is a model's contract. Models that do not export
// pwagen_signature (hand-written ones) have one float32 input of
// pwagen_input_len values and unknown outputs.
type Signature struct {
	Inputs  []TensorInfo `json:"inputs"`
	Outputs []TensorInfo `json:"outputs"`
	Known   bool         `json:"-"`
}

// Options configure a run.
type Options struct {
	Variant modules.Variant // kernel variant; "" = SIMD
	Cache   wazero.CompilationCache
	// MaxStderr bounds what the model's stdout and stderr keep.
	MaxStderr int
	// Uninterruptible compiles the model without the checks that let a
	// context stop it mid-call: about 4× faster per call (lenet: 0.55 ms
	// against 2.2 ms), for servers and benchmarks that bound calls
	// otherwise. By default a cancelled context stops a model that never
	// returns.
	Uninterruptible bool
	// Native runs the kernels natively where the build and CPU allow
	// (package kernels/native: amd64 built with GOEXPERIMENT=simd, AVX2)
	// in place of the SIMD module, with the same answers bit for bit.
	// Ignored for other variants and elsewhere.
	Native bool
}

// Model is an instantiated model with its weights loaded.
type Model struct {
	rt     wazero.Runtime
	mod    api.Module
	sig    Signature
	stderr *capped
	inLen  int
	// kernels is the kernel variant linked: a modules.Variant or
	// native.Variant.
	kernels string
	// flush is the native kernels' modules.Pair.Flush, or nil.
	flush func()
	// fns are the exports call has looked up.
	fns map[string]api.Function
	// stack is call's arguments and results.
	stack []uint64
}

// capped keeps at most max bytes of what is written to it.
type capped struct {
	bytes.Buffer
	max     int
	dropped int
}

func (c *capped) Write(p []byte) (int, error) {
	room := c.max - c.Len()
	if room < len(p) {
		c.dropped += len(p) - max(room, 0)
		p = p[:max(room, 0)]
	}
	c.Buffer.Write(p)
	return len(p) + 0, nil
}

// Load compiles wasm, links it with the kernels, runs _initialize and loads
// weights (which may be nil for a model without weights).
func Load(ctx context.Context, wasm, weights []byte, o Options) (*Model, error) {
	if o.Variant == "" {
		o.Variant = modules.SIMD
	}
	if o.MaxStderr == 0 {
		o.MaxStderr = 64 << 10
	}
	cfg := wazero.NewRuntimeConfig().WithCloseOnContextDone(!o.Uninterruptible).
		WithCoreFeatures(api.CoreFeaturesV2)
	if o.Cache != nil {
		cfg = cfg.WithCompilationCache(o.Cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	m := &Model{rt: rt, stderr: &capped{max: o.MaxStderr}}
	fail := func(err error) (*Model, error) {
		rt.Close(ctx)
		return nil, err
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return fail(err)
	}
	cm, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return fail(fmt.Errorf("the model's WebAssembly does not compile: %w", err))
	}
	variant := modules.Baseline
	for _, imp := range cm.ImportedFunctions() {
		if mod, _, _ := imp.Import(); mod == modules.Module {
			variant = o.Variant
		}
	}
	mcfg := wazero.NewModuleConfig().WithStderr(m.stderr).WithStdout(m.stderr).WithRandSource(zero{})
	var p *modules.Pair
	m.kernels = string(variant)
	if variant == modules.SIMD && o.Native && native.Available() {
		m.kernels = native.Variant
		p, err = native.Link(ctx, rt, cm, mcfg, "_initialize")
	} else {
		p, err = modules.Link(ctx, rt, cm, variant, mcfg, "_initialize")
	}
	if err != nil {
		return fail(m.wrap("initializing the model", err))
	}
	m.mod, m.flush = p.Model, p.Flush
	if weights != nil {
		ptr, err := m.call(ctx, "pwagen_alloc_weights", uint64(len(weights)))
		if err != nil {
			return fail(err)
		}
		if !m.mod.Memory().Write(uint32(ptr), weights) {
			return fail(fmt.Errorf("pwagen_alloc_weights returned %d, outside memory", ptr))
		}
		if r, err := m.call(ctx, "pwagen_load_weights"); err != nil {
			return fail(err)
		} else if int32(r) != 0 {
			return fail(fmt.Errorf("the model refused its weights: %s", m.lastError(ctx)))
		}
	}
	n, err := m.call(ctx, "pwagen_input_len")
	if err != nil {
		return fail(err)
	}
	m.inLen = int(int32(n))
	m.sig = Signature{Inputs: []TensorInfo{{Name: "input", DType: "float32", Shape: []int{m.inLen}}}}
	if f := m.mod.ExportedFunction("pwagen_signature"); f != nil {
		p, err1 := m.call(ctx, "pwagen_signature")
		l, err2 := m.call(ctx, "pwagen_signature_len")
		if err := errors.Join(err1, err2); err != nil {
			return fail(err)
		}
		b, ok := m.mod.Memory().Read(uint32(p), uint32(l))
		var s Signature
		if !ok || json.Unmarshal(b, &s) != nil {
			return fail(fmt.Errorf("pwagen_signature is not the JSON of a signature"))
		}
		s.Known = true
		m.sig = s
	}
	return m, nil
}

type zero struct{}

func (zero) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// Kernels names the kernels the model runs on: "simd", "scalar",
// "baseline" (none imported) or "native-avx2" (Options.Native).
func (m *Model) Kernels() string { return m.kernels }

// Signature is the model's contract.
func (m *Model) Signature() Signature { return m.sig }

// InputLen is the number of float32 values of an input (all inputs, one
// after the other).
func (m *Model) InputLen() int { return m.inLen }

func (m *Model) wrap(step string, err error) error {
	msg := fmt.Sprintf("%s: %v", step, err)
	if s := m.stderr.String(); s != "" {
		msg += "\nthe model wrote:\n" + s
		if m.stderr.dropped > 0 {
			msg += fmt.Sprintf("\n(%d more bytes not kept)", m.stderr.dropped)
		}
	}
	return errors.New(msg)
}

func (m *Model) call(ctx context.Context, name string, args ...uint64) (uint64, error) {
	f := m.fns[name]
	if f == nil {
		// Looked up once: each ExportedFunction makes a new call engine
		// with its own stack (12 MB of garbage per 1,000 predictions,
		// whose collections stopped the kernels' goroutine).
		if f = m.mod.ExportedFunction(name); f != nil {
			if m.fns == nil {
				m.fns = make(map[string]api.Function)
			}
			m.fns[name] = f
		}
	}
	if f == nil {
		return 0, fmt.Errorf("the model does not export %s; is it a pwagen model?", name)
	}
	// Through a stack kept for the model: Call allocates its arguments'
	// and results on every call. The exports take and give at most
	// len(args) or one value.
	m.stack = append(m.stack[:0], args...)
	if len(m.stack) == 0 {
		m.stack = append(m.stack, 0)
	}
	err := f.CallWithStack(ctx, m.stack)
	if m.flush != nil {
		m.flush()
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("%s: stopped: %w", name, ctx.Err())
		}
		return 0, m.wrap(name, err)
	}
	if len(f.Definition().ResultTypes()) == 0 {
		return 0, nil
	}
	return m.stack[0], nil
}

func (m *Model) lastError(ctx context.Context) string {
	p, err1 := m.call(ctx, "pwagen_error")
	n, err2 := m.call(ctx, "pwagen_error_len")
	if err1 != nil || err2 != nil {
		return "(no message)"
	}
	b, _ := m.mod.Memory().Read(uint32(p), uint32(n))
	return string(b)
}

// Predict runs one inference on in (InputLen values).
func (m *Model) Predict(ctx context.Context, in []float32) ([]float32, error) {
	if len(in) != m.inLen {
		return nil, fmt.Errorf("got %d input values, the model takes %d", len(in), m.inLen)
	}
	p, err := m.call(ctx, "pwagen_alloc_input", uint64(len(in)))
	if err != nil {
		return nil, err
	}
	// Written in place, through a view of the memory: no buffer per call
	// (its 12 KB for cifar_cnn were allocated, cleared and copied).
	buf, ok := m.mod.Memory().Read(uint32(p), uint32(4*len(in)))
	if !ok {
		return nil, fmt.Errorf("pwagen_alloc_input returned %d, outside memory", p)
	}
	for i, v := range in {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	k, err := m.call(ctx, "pwagen_predict")
	if err != nil {
		return nil, err
	}
	if int32(k) < 0 {
		return nil, fmt.Errorf("the model failed: %s", m.lastError(ctx))
	}
	op, err := m.call(ctx, "pwagen_output")
	if err != nil {
		return nil, err
	}
	raw, ok := m.mod.Memory().Read(uint32(op), uint32(4*int32(k)))
	if !ok {
		return nil, fmt.Errorf("pwagen_output points outside memory")
	}
	out := make([]float32, int32(k))
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out, nil
}

// Close frees the runtime.
func (m *Model) Close(ctx context.Context) error { return m.rt.Close(ctx) }

// Size is the bytes of one value of a contract dtype.
func Size(dtype string) int {
	switch dtype {
	case "int64":
		return 8
	case "float32", "int32":
		return 4
	}
	return 1
}

// Layout returns each tensor's byte offset in a typed buffer and the
// buffer's length (docs/contract.md: 8-byte-aligned offsets).
func Layout(ts []TensorInfo) (offsets []int, total int) {
	for _, t := range ts {
		offsets = append(offsets, total)
		total = (total + t.Len()*Size(t.DType) + 7) / 8 * 8
	}
	return offsets, max(total, 8)
}

// Typed tells whether the model speaks the typed contract.
func (m *Model) Typed() bool {
	return m.sig.Known && m.mod.ExportedFunction("pwagen_predict_typed") != nil
}

// PredictTyped runs the model on a typed inputs buffer (Layout of the
// signature's inputs) and returns the typed outputs buffer.
func (m *Model) PredictTyped(ctx context.Context, in []byte) ([]byte, error) {
	if !m.Typed() {
		return nil, fmt.Errorf("the model does not export the typed contract (pwagen_predict_typed)")
	}
	_, want := Layout(m.sig.Inputs)
	if len(in) != want {
		return nil, fmt.Errorf("the inputs buffer has %d bytes, the contract %d", len(in), want)
	}
	p, err := m.call(ctx, "pwagen_alloc_inputs", uint64(len(in)))
	if err != nil {
		return nil, err
	}
	if !m.mod.Memory().Write(uint32(p), in) {
		return nil, fmt.Errorf("pwagen_alloc_inputs returned %d, outside memory", p)
	}
	k, err := m.call(ctx, "pwagen_predict_typed")
	if err != nil {
		return nil, err
	}
	if int32(k) < 0 {
		return nil, fmt.Errorf("the model failed: %s", m.lastError(ctx))
	}
	op, err := m.call(ctx, "pwagen_outputs")
	if err != nil {
		return nil, err
	}
	raw, ok := m.mod.Memory().Read(uint32(op), uint32(k))
	if !ok {
		return nil, fmt.Errorf("pwagen_outputs points outside memory")
	}
	return append([]byte(nil), raw...), nil
}
