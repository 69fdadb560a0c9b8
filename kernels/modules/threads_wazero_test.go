package modules_test

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// threadsRuntime is a wazero runtime with the threads feature.
func threadsRuntime(ctx context.Context) wazero.Runtime {
	return wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesThreads))
}

// newThreadsHarness links the threaded kernels to a shared copy of
// memModule with helpers helper goroutines; minwork 1 splits every call
// of 8 rows or more.
func newThreadsHarness(t testing.TB, helpers int, minwork uint32) (*harness, *modules.Threads) {
	t.Helper()
	ctx := context.Background()
	rt := threadsRuntime(ctx)
	shared, err := modules.SharedMemory(memModule, 64)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := rt.CompileModule(ctx, shared)
	if err != nil {
		t.Fatal(err)
	}
	th, err := modules.LinkThreads(ctx, rt, cm, helpers, minwork, wazero.NewModuleConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := th.Close(ctx); err != nil {
			t.Error(err)
		}
		rt.Close(ctx)
	})
	if th.Helpers != helpers {
		t.Fatalf("%d helpers in their loop, want %d", th.Helpers, helpers)
	}
	return &harness{t: t, ctx: ctx, k: rt.Module(modules.Module), mem: th.Model.Memory()}, th
}

// splitCall is one call of a split kernel on random data of shape (m, k, n).
type splitCall struct {
	fn      string
	m, k, n int
	bias    bool
}

// run writes the call's inputs from seed at 16384 on, calls fn and
// returns the output bytes.
func (c splitCall) run(h *harness, seed uint64) []byte { return c.prepare(h, seed)() }

// prepare writes the call's inputs from seed at 16384 on and returns the
// call, which returns the output bytes.
func (c splitCall) prepare(h *harness, seed uint64) func() []byte {
	r := rand.New(rand.NewPCG(seed, 9))
	next := uint32(16384)
	put := func(n int) uint32 { // n random bytes, then a gap
		p := next
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		// floats: keep them finite and moderate
		if !h.mem.Write(p, b) {
			h.t.Fatalf("write %d bytes at %d", n, p)
		}
		next += uint32(n+15) &^ 15
		return p
	}
	putF := func(n int) uint32 {
		p := put(4 * n)
		h.put(p, rnd(r, n))
		return p
	}
	m, k, n := c.m, c.k, c.n
	var out uint32
	var outLen int
	var args []uint64
	bias := func() uint32 {
		if c.bias {
			return putF(m)
		}
		return 0
	}
	u := func(v uint32) uint64 { return uint64(v) }
	switch c.fn {
	case "gemm", "f16gemm":
		w := putF(m * k)
		if c.fn == "f16gemm" {
			w = put(2 * m * k) // any fp16 bits, NaN and infinities too
		}
		b, bs := putF(k*n), bias()
		out, outLen = put(4*m*n), 4*m*n
		args = []uint64{u(out), u(w), u(b), u(bs), uint64(m), uint64(k), uint64(n)}
	case "q8gemm":
		w, sc, b, bs := put(m*k), putF(m), putF(k*n), bias()
		out, outLen = put(4*m*n), 4*m*n
		args = []uint64{u(out), u(w), u(sc), u(b), u(bs), uint64(m), uint64(k), uint64(n)}
	case "gemv", "f16gemv":
		w := putF(m * n)
		if c.fn == "f16gemv" {
			w = put(2 * m * n)
		}
		x, bs := putF(n), bias()
		out, outLen = put(4*m), 4*m
		args = []uint64{u(out), u(w), u(x), u(bs), uint64(m), uint64(n)}
	case "q8gemv":
		w, sc, x, bs := put(m*n), putF(m), putF(n), bias()
		out, outLen = put(4*m), 4*m
		args = []uint64{u(out), u(w), u(sc), u(x), u(bs), uint64(m), uint64(n)}
	}
	return func() []byte {
		h.call(c.fn, args...)
		got, _ := h.mem.Read(out, uint32(outLen))
		return bytes.Clone(got)
	}
}

// TestThreadsMatchSIMD: every split kernel, on two and four threads with
// every call of 8 rows or more split, writes the same bytes as the SIMD
// kernels on one thread, for shapes with odd rows, tails and big sizes.
func TestThreadsMatchSIMD(t *testing.T) {
	simd := newHarness(t, modules.SIMD)
	r := rand.New(rand.NewPCG(5, 5))
	var calls []splitCall
	for _, fn := range []string{"gemm", "gemv", "q8gemm", "q8gemv", "f16gemm", "f16gemv"} {
		for _, sh := range [][3]int{{8, 3, 5}, {9, 1, 33}, {13, 7, 65}, {64, 27, 1024}, {130, 75, 17}, {33, 300, 3}, {1, 40, 40}, {0, 4, 4}} {
			calls = append(calls, splitCall{fn, sh[0], sh[1], sh[2], sh[0]%2 == 1})
		}
		for range 12 {
			calls = append(calls, splitCall{fn, r.IntN(90), r.IntN(40), r.IntN(70), r.IntN(2) == 0})
		}
	}
	for _, helpers := range []int{1, 3} {
		th, _ := newThreadsHarness(t, helpers, 1)
		for i, c := range calls {
			want := c.run(simd, uint64(i))
			got := c.run(th, uint64(i))
			if !bytes.Equal(got, want) {
				t.Fatalf("%d helpers: %s m=%d k=%d n=%d bias=%v: the threaded result differs from SIMD's", helpers, c.fn, c.m, c.k, c.n, c.bias)
			}
			if c.m >= 8 {
				claim := readU32(t, th, 8196)
				done := readU32(t, th, 8200)
				if chunks := claim >> 16; chunks < 2 || done != chunks {
					t.Fatalf("%d helpers: %s m=%d: %d chunks, %d done; want the call split", helpers, c.fn, c.m, chunks, done)
				}
			}
		}
	}
}

// TestThreadsThreshold: below the threshold a call runs on the model
// thread alone and publishes nothing; MaxWork keeps the biggest call of 8
// rows or more, split or not (pwagen validate reads it).
func TestThreadsThreshold(t *testing.T) {
	th, ctl := newThreadsHarness(t, 1, 0) // the default threshold, 4 Mi multiply-adds
	maxWork := func(want uint32, after string) {
		t.Helper()
		if got := ctl.MaxWork(); got != want {
			t.Fatalf("after %s: MaxWork %d, want %d", after, got, want)
		}
	}
	maxWork(0, "no call")
	splitCall{"gemm", 4, 512, 512, false}.run(th, 1) // 1 Mi, but 4 rows: never split
	maxWork(0, "a gemm of 4 rows")
	splitCall{"gemv", 64, 0, 1000, false}.run(th, 1)
	maxWork(64000, "a gemv of 64×1000")
	splitCall{"gemm", 64, 256, 255, false}.run(th, 1) // 4 Mi less 16 Ki
	if seq := readU32(t, th, 8192); seq != 0 {
		t.Fatalf("a gemm of 4 Mi - 16 Ki multiply-adds was published (seq %d); want it on one thread", seq)
	}
	maxWork(modules.DefaultMinWork-16<<10, "a gemm of 4 Mi - 16 Ki")
	splitCall{"gemv", 8, 0, 8, false}.run(th, 1)
	maxWork(modules.DefaultMinWork-16<<10, "a smaller gemv")
	splitCall{"gemm", 64, 256, 256, false}.run(th, 1) // 4 Mi
	if seq := readU32(t, th, 8192); seq != 1 {
		t.Fatalf("a gemm of 4 Mi multiply-adds: seq %d, want 1 (split)", seq)
	}
	maxWork(modules.DefaultMinWork, "a gemm of 4 Mi")
}

// TestThreadsStop: Close makes every helper leave its loop.
func TestThreadsStop(t *testing.T) {
	th, ctl := newThreadsHarness(t, 2, 1)
	if err := ctl.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := readU32(t, th, 8204); n != 0 {
		t.Fatalf("%d helpers still in their loop after Close", n)
	}
	// With no helper, calls run on the model thread and still agree.
	simd := newHarness(t, modules.SIMD)
	c := splitCall{"gemm", 40, 30, 50, true}
	if !bytes.Equal(c.run(th, 3), c.run(simd, 3)) {
		t.Fatal("after Close, gemm differs from SIMD's")
	}
}

func readU32(t *testing.T, h *harness, p uint32) uint32 {
	v, ok := h.mem.ReadUint32Le(p)
	if !ok {
		t.Fatalf("read at %d", p)
	}
	return v
}

// TestSharedMemoryErrors: what SharedMemory refuses, and why.
func TestSharedMemoryErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		wasm []byte
		max  uint32
		want string
	}{
		{"not wasm", []byte("hello"), 64, "not a WebAssembly module"},
		{"no memory", memModule[:8], 64, "defines no memory"},
		{"max below min", memModule, 16, "above the shared maximum of 16 pages"},
		{"max zero", memModule, 0, "want 1 to 65536"},
		{"data in the control block", dataBytesAt(8200), 64, "overlaps the threads' control block at 8192-8319"},
		{"data past its section", dataCut(), 64, "section 11 at byte 25: unexpected end: 100 bytes to skip but 4 left at byte 35"},
	} {
		_, err := modules.SharedMemory(tt.wasm, tt.max)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := modules.SharedMemory(dataBytesAt(12288), 64); err != nil {
		t.Errorf("data at 12288 (as Go puts it): %v", err)
	}
}

// dataCut is dataBytesAt(12288) with a segment that claims 100 bytes and
// has 4.
func dataCut() []byte {
	b := dataBytesAt(12288)
	b[len(b)-5] = 100
	return b
}

// dataBytesAt is memModule with one 4-byte data segment at off.
func dataBytesAt(off uint32) []byte {
	var leb []byte
	for v := int64(off); ; {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			leb = append(leb, c)
			break
		}
		leb = append(leb, c|0x80)
	}
	seg := append([]byte{1, 0, 0x41}, leb...)
	seg = append(seg, 0x0b, 4, 1, 2, 3, 4)
	return append(bytes.Clone(memModule), append([]byte{11, byte(len(seg))}, seg...)...)
}

// FuzzSharedMemory: SharedMemory never panics on any module, and what it
// makes is a module it accepts again, unchanged.
func FuzzSharedMemory(f *testing.F) {
	f.Add(memModule, uint32(64))
	f.Add(dataBytesAt(12288), uint32(1))
	f.Add(dataBytesAt(8200), uint32(65536))
	f.Fuzz(func(t *testing.T, wasm []byte, max uint32) {
		out, err := modules.SharedMemory(wasm, max)
		if err != nil {
			return
		}
		again, err := modules.SharedMemory(out, max)
		if err != nil {
			t.Fatalf("SharedMemory refuses its own output: %v", err)
		}
		if !bytes.Equal(again, out) {
			t.Fatal("SharedMemory of its own output changed it")
		}
	})
}

// TestThreadsIm2colMatchSIMD: im2col_conv split by input channels, on two
// and four threads with every call of 8 channels or more split, writes
// the same bytes as SIMD's on one thread, and nothing past col: for odd
// channel counts, strides, dilation, padding and non-square planes. A
// call of fewer than 8 channels runs on one thread.
func TestThreadsIm2colMatchSIMD(t *testing.T) {
	type shape struct{ c, ih, iw, k, s, d, pad int }
	shapes := []shape{
		{8, 9, 9, 3, 1, 1, 1},    // two chunks of 4 channels
		{13, 7, 11, 3, 2, 1, 1},  // odd channels, a short last chunk, stride 2
		{32, 12, 12, 3, 1, 1, 1}, // many chunks
		{9, 10, 6, 2, 1, 2, 0},   // dilation, no padding
		{16, 5, 5, 5, 1, 1, 2},   // the kernel as big as the input
		{3, 8, 8, 3, 1, 1, 1},    // fewer than 8 channels: one thread
	}
	simd := newHarness(t, modules.SIMD)
	for _, helpers := range []int{1, 3} {
		th, _ := newThreadsHarness(t, helpers, 1)
		for i, sh := range shapes {
			oh := (sh.ih+2*sh.pad-sh.d*(sh.k-1)-1)/sh.s + 1
			ow := (sh.iw+2*sh.pad-sh.d*(sh.k-1)-1)/sh.s + 1
			g := geomBlock(sh.c, []int{sh.ih, sh.iw}, []int{oh, ow}, []int{sh.k, sh.k}, []int{sh.s, sh.s}, []int{sh.d, sh.d}, []int{sh.pad, sh.pad}, nil, 0, 0, 0)
			src := rnd(rand.New(rand.NewPCG(uint64(i), 3)), sh.c*sh.ih*sh.iw)
			n := sh.c * sh.k * sh.k * oh * ow
			const pg, ps = 16384, 16384 + 128
			pc := uint32(ps + 4*len(src) + 64)
			guard := make([]float32, n+16)
			for j := range guard {
				guard[j] = math.Float32frombits(0x7fc0dead)
			}
			run := func(h *harness) []byte {
				h.putWords(pg, g)
				h.put(ps, src)
				h.put(pc, guard)
				h.call("im2col_conv", uint64(pc), ps, pg)
				got, _ := h.mem.Read(pc, uint32(4*len(guard)))
				return bytes.Clone(got)
			}
			want := run(simd)
			seq := readU32(t, th, 8192)
			got := run(th)
			if !bytes.Equal(got, want) {
				t.Fatalf("%d helpers: im2col_conv %+v: the threaded result differs from SIMD's", helpers, sh)
			}
			split := readU32(t, th, 8192) != seq
			if split != (sh.c >= 8) {
				t.Fatalf("%d helpers: im2col_conv of %d channels: split %v, want %v", helpers, sh.c, split, sh.c >= 8)
			}
			if split {
				if claim, done := readU32(t, th, 8196), readU32(t, th, 8200); claim>>16 < 2 || done != claim>>16 {
					t.Fatalf("%d helpers: im2col_conv of %d channels: %d chunks, %d done; want it split", helpers, sh.c, claim>>16, done)
				}
			}
		}
	}
}

// TestThreadsWakeIdleHelpers: a call above the threshold while no helper
// is in its loop (in the browser they leave it after an idle second and
// wait on seq from their event loop) runs on the model thread and bumps
// seq, which wakes them for the next call; without the bump no call was
// split again after the first idle second.
func TestThreadsWakeIdleHelpers(t *testing.T) {
	simd := newHarness(t, modules.SIMD)
	th, _ := newThreadsHarness(t, 1, 1)
	c := splitCall{"gemm", 64, 32, 48, true}
	if !th.mem.WriteUint32Le(8204, 0) { // no helper in its loop
		t.Fatal("write 8204")
	}
	seq, claim := readU32(t, th, 8192), readU32(t, th, 8196)
	got := c.run(th, 7)
	th.mem.WriteUint32Le(8204, 1)
	if !bytes.Equal(got, c.run(simd, 7)) {
		t.Fatal("the call on the model thread differs from SIMD's")
	}
	if s := readU32(t, th, 8192); s != seq+1 {
		t.Fatalf("seq %d after a call with no helper in its loop, want %d: the helpers are not woken", s, seq+1)
	}
	// A published call stores its chunk count in the claim word's high
	// half. The low half may move: the woken helper claims once and finds
	// no chunk (a late claim is never taken).
	if cl := readU32(t, th, 8196); cl>>16 != claim>>16 {
		t.Fatalf("claim word %#x, chunk count %d, want %d as before the call: the call was published with no helper", cl, cl>>16, claim>>16)
	}
}
