package modules_test

import (
	"context"
	"encoding/binary"
	"math"
	"testing"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// memModule is a module that exports a 2 MiB memory: it stands in for a
// Go model when the kernels are called directly.
var memModule = []byte{
	0, 'a', 's', 'm', 1, 0, 0, 0,
	5, 3, 1, 0, 32, // memory section: one memory, min 32 pages (2 MiB), no max
	7, 10, 1, 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0, // export "memory"
}

// harness is one kernel module linked to a plain memory under wazero.
type harness struct {
	t   testing.TB
	ctx context.Context
	k   api.Module
	mem api.Memory
}

func newHarness(t testing.TB, v modules.Variant) *harness {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	if _, err := rt.InstantiateWithConfig(ctx, modules.Forwarder(), wazero.NewModuleConfig().WithName(modules.Module)); err != nil {
		t.Fatal(err)
	}
	m, err := rt.InstantiateWithConfig(ctx, memModule, wazero.NewModuleConfig().WithName(modules.MemoryModule))
	if err != nil {
		t.Fatal(err)
	}
	kw, err := modules.Wasm(v)
	if err != nil {
		t.Fatal(err)
	}
	// Call through the forwarder, as a model does.
	if _, err := rt.InstantiateWithConfig(ctx, kw, wazero.NewModuleConfig().WithName("k")); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, ctx: ctx, k: rt.Module(modules.Module), mem: m.Memory()}
}

// put writes s at byte address p.
func (h *harness) put(p uint32, s []float32) {
	b := make([]byte, 4*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	if !h.mem.Write(p, b) {
		h.t.Fatalf("write %d floats at %d: outside memory", len(s), p)
	}
}

// get reads n float32s at byte address p.
func (h *harness) get(p uint32, n int) []float32 {
	b, ok := h.mem.Read(p, uint32(4*n))
	if !ok {
		h.t.Fatalf("read %d floats at %d: outside memory", n, p)
	}
	s := make([]float32, n)
	for i := range s {
		s[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return s
}

func (h *harness) call(name string, args ...uint64) []uint64 {
	h.t.Helper()
	res, err := h.k.ExportedFunction(name).Call(h.ctx, args...)
	if err != nil {
		h.t.Fatalf("%s: %v", name, err)
	}
	return res
}

func f32(v float32) uint64 { return uint64(math.Float32bits(v)) }
