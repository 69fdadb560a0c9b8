package validate

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// KernelImports lists the functions the WebAssembly module wasm imports
// from module "kernels", with their signatures: the one reader of a
// module's sections (binary.go) serves the packager and bench too.
func KernelImports(wasm []byte) ([]modules.Import, error) {
	m, err := decode(wasm)
	if err != nil {
		return nil, err
	}
	return m.kernelImports()
}

func (m *modInfo) kernelImports() ([]modules.Import, error) {
	names := func(ts []byte) []string {
		var s []string
		for _, t := range ts {
			s = append(s, valTypeName(t))
		}
		return s
	}
	var out []modules.Import
	for _, im := range m.imports {
		if im.Module != modules.Module || im.Kind != "func" {
			continue
		}
		ft := m.funcSigOfType(im.typ)
		if ft == nil {
			return nil, fmt.Errorf("import %s.%s: type %d is not a function type the module declares", im.Module, im.Name, im.typ)
		}
		out = append(out, modules.Import{Name: im.Name, Params: names(ft.params), Results: names(ft.results)})
	}
	return out, nil
}

// kernelImports checks the functions the model imports from module
// "kernels" against the ones pwagen supplies.
func (v *check) kernelImports() {
	im, err := v.m.kernelImports()
	if err != nil {
		v.problem("imports", "reading the kernel imports: %v", err)
		return
	}
	v.kernels = im
	if err := modules.Check(im); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			v.problem("imports", "%s", line)
		}
		if v.noRun == "" {
			v.noRun = "the model imports kernels pwagen does not supply"
		}
	}
}

// kernelFlags adds the features the kernel variants need to the runtime's.
func (v *check) kernelFlags(f api.CoreFeatures) api.CoreFeatures {
	if len(v.kernels) == 0 {
		return f
	}
	return f | api.CoreFeatureSIMD
}

// instantiate links the model with the SIMD kernels when it imports them
// (the measured run), else instantiates it alone.
func (v *check) instantiate(ctx context.Context, rt wazero.Runtime, cm wazero.CompiledModule, cfg wazero.ModuleConfig) (api.Module, error) {
	variant := modules.Baseline
	if len(v.kernels) > 0 {
		variant = modules.SIMD
	}
	p, err := modules.Link(ctx, rt, cm, variant, cfg)
	if err != nil {
		return nil, err
	}
	return p.Model, nil
}

// kernelVariants reports where each kernel variant runs, then runs one
// inference with each and checks that the outputs agree.
func (v *check) kernelVariants(ctx context.Context) error {
	if len(v.kernels) == 0 {
		return nil
	}
	for _, kv := range modules.Variants {
		var lack []string
		for _, t := range v.targets {
			for _, f := range modules.Features[kv] {
				if ok, _ := supports(t, f); !ok {
					lack = append(lack, t.Title())
				}
			}
		}
		switch {
		case len(modules.Features[kv]) == 0:
			v.r.Notes = append(v.r.Notes, fmt.Sprintf("kernels %s: WebAssembly 1.0, runs in every target", kv))
		case len(lack) == 0:
			v.r.Notes = append(v.r.Notes, fmt.Sprintf("kernels %s: needs %s, which every target has", kv, strings.Join(modules.Features[kv], ", ")))
		default:
			v.r.Notes = append(v.r.Notes, fmt.Sprintf("kernels %s: needs %s, which %s lack; the loader gives those the scalar kernels", kv, strings.Join(modules.Features[kv], ", "), strings.Join(lack, ", ")))
		}
	}
	if !v.compiled || v.noRun != "" || v.weights == nil || v.r.Memory.PeakBytes == nil || hasRunProblem(v.r) {
		return nil
	}
	outs := map[modules.Variant][]float32{}
	for _, kv := range modules.Variants {
		out, err := v.smoke(ctx, kv)
		if ctx.Err() != nil { // a signal: stop validating
			return context.Cause(ctx)
		}
		if err != nil {
			v.problem("run", "running the model with the %s kernels under wazero failed: %v; run the model natively (go test ./model) to find the cause", kv, err)
			return nil
		}
		outs[kv] = out
	}
	a, b := outs[modules.SIMD], outs[modules.Scalar]
	if len(a) != len(b) {
		v.problem("run", "the model gave %d outputs with the simd kernels and %d with the scalar ones; predict must not depend on the kernel variant", len(a), len(b))
		return nil
	}
	var worst float64
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if a[i] != a[i] || b[i] != b[i] {
			d = math.Inf(1)
		}
		scale := max(1, math.Abs(float64(b[i])))
		worst = max(worst, d/scale)
	}
	if worst > 1e-4 {
		v.problem("run", "the simd and scalar kernels' outputs differ by up to %.3g (relative), above 1e-4; the model's arithmetic may be ill-conditioned, or a kernel is called with buffers that overlap", worst)
		return nil
	}
	v.r.Notes = append(v.r.Notes, fmt.Sprintf("kernels: simd and scalar gave the same %d outputs within %.2g on one input", len(a), worst))
	if isolated(v.o.Isolation) {
		v.threadsCheck(ctx, a)
	}
	return nil
}

func hasRunProblem(r *Report) bool {
	for _, p := range r.Problems {
		if p.Check == "run" || p.Check == "memory" {
			return true
		}
	}
	return false
}

// smoke runs the model with kernel variant kv on a fixed, non-zero input
// and returns its outputs.
func (v *check) smoke(ctx context.Context, kv modules.Variant) ([]float32, error) {
	// Linear memories in mappings (linmem_linux.go), unmapped after the
	// runtime is closed; left mapped when a signal leaves it open.
	outer := ctx
	ctx, release := mappedMemory(ctx)
	defer func() {
		if outer.Err() == nil {
			release()
		}
	}()
	rc, wasm := v.runConfig(), v.wasm
	if kv == modules.SIMDThreads {
		shared, err := modules.SharedMemory(v.wasm, v.limitPages())
		if err != nil {
			return nil, err
		}
		rc, wasm = v.threadsConfig(), shared
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	defer closeRuntime(ctx, rt)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, err
	}
	cm, err := compile(ctx, rt, wasm)
	if err != nil {
		return nil, err
	}
	stdout := &tailBuffer{}
	mcfg := wazero.NewModuleConfig().WithStderr(stdout).WithStdout(stdout).WithRandSource(zeroReader{})
	var p *modules.Pair
	if kv == modules.SIMDThreads {
		// threads_minwork 1: every call of 8 rows or more is split.
		th, err := modules.LinkThreads(ctx, rt, cm, threadHelpers, 1, mcfg)
		if th != nil {
			defer th.Close(ctx) // before the runtime closes
		}
		if err != nil {
			return nil, err
		}
		if th.Helpers != threadHelpers {
			return nil, fmt.Errorf("%d of %d helper threads started in 10 s", th.Helpers, threadHelpers)
		}
		p = th.Pair
		defer func() { v.r.ThreadsMaxWork = th.MaxWork() }()
	} else if p, err = modules.Link(ctx, rt, cm, kv, mcfg); err != nil {
		return nil, err
	}
	if kv == modules.SIMD {
		defer func() { v.controlUsed = controlBlockUsed(p.Model.Memory()) }()
	}
	r, stop := newRunner(ctx, p.Model, stdout, v.timeLimit())
	defer stop()
	r.steps(v.weights)
	if r.sig != nil {
		return r.smokeTyped(stdout)
	}
	n := r.call("pwagen_input_len")
	in := make([]byte, 4*n)
	for i := range n {
		binary.LittleEndian.PutUint32(in[4*i:], math.Float32bits(float32(i%17)/17))
	}
	// Integer and boolean inputs (token ids, masks) get 1: a fraction is
	// no token id, and 1 is one in any vocabulary of two or more.
	for _, span := range integerSpans(r, p.Model) {
		for i := span[0]; i < span[1] && i < int(n); i++ {
			binary.LittleEndian.PutUint32(in[4*i:], math.Float32bits(1))
		}
	}
	r.write(r.call("pwagen_alloc_input", uint64(n)), in)
	k := int32(r.call("pwagen_predict"))
	if k < 0 {
		r.abiError("pwagen_predict")
	}
	ptr := r.call("pwagen_output")
	if r.timedOut() {
		return nil, errors.New(r.timeMessage())
	}
	if r.err != nil {
		return nil, fmt.Errorf("%s step (%s): %v (%s)", r.failStep, r.failStage, firstLine(r.err.Error()), stderrSummary(stdout.String(), 2))
	}
	b, ok := p.Model.Memory().Read(ptr, uint32(4*k))
	if !ok {
		return nil, fmt.Errorf("pwagen_output points outside memory")
	}
	out := make([]float32, k)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// maxSignatureSpan bounds the JSON integerSpans reads through pwagen_signature.
const maxSignatureSpan = 1 << 16

// integerSpans returns, for a model with the typed contract
// (docs/contract.md), the [start, end) ranges of the v1 float32 input that
// hold integer or boolean inputs; nil for a v1 model or an unreadable
// signature (the typed checks report that).
func integerSpans(r *runner, m api.Module) [][2]int {
	if m.ExportedFunction("pwagen_signature") == nil || m.ExportedFunction("pwagen_signature_len") == nil {
		return nil
	}
	p, n := r.call("pwagen_signature"), r.call("pwagen_signature_len")
	if r.err != nil || n > maxSignatureSpan {
		return nil
	}
	b, ok := m.Memory().Read(p, n)
	if !ok {
		return nil
	}
	var sig struct {
		Inputs []struct {
			DType string `json:"dtype"`
			Shape []int  `json:"shape"`
		} `json:"inputs"`
	}
	if json.Unmarshal(b, &sig) != nil {
		return nil
	}
	var spans [][2]int
	at := 0
	for _, in := range sig.Inputs {
		k := 1
		for _, d := range in.Shape {
			if d < 0 || d > 1<<30 || k > 1<<30/max(d, 1) {
				return nil
			}
			k *= d
		}
		if in.DType != "float32" {
			spans = append(spans, [2]int{at, at + k})
		}
		at += k
	}
	return spans
}
