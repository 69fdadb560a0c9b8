package modules

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pwagen/pwagen/internal/wasmbin"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// The threaded kernels' control block (threads_part.wat): bytes
// [ControlStart, ControlEnd) of the model's memory, which the model itself
// must never use. Go's linker keeps 4096-12287 free (it reserves them for
// wasm_exec.js) and puts data from 12288 on.
const (
	ControlStart = 8192
	ControlEnd   = 8320
)

// DefaultMinWork is the threaded kernels' default threshold: a call of
// fewer multiply-adds runs on one thread (threads_part.wat; the loader's
// threads.js has the same number).
const DefaultMinWork = 4 << 20

// maxWorkAt is the control block's word that holds the most multiply-adds
// of any call of 8 rows or more so far (MaxWork).
const maxWorkAt = 8260

// MaxPages is the most pages a wasm32 memory has (4 GiB).
const MaxPages = 65536

// SharedMemory returns wasm with its memory made shared, with maxPages as
// its maximum, so that helper threads can run the threaded kernels over
// it. The module must define exactly one memory (not import it), and its
// data must start at ControlEnd or above (ThreadsLayout).
func SharedMemory(wasm []byte, maxPages uint32) ([]byte, error) {
	p, err := SharedMemoryPatch(wasm, maxPages)
	if err != nil {
		return nil, err
	}
	return p.Apply(wasm), nil
}

// Patch replaces bytes [At, End) of a module with Section.
type Patch struct {
	At      int    `json:"at"`
	End     int    `json:"end"`
	Section []byte `json:"section"`
}

// Apply returns a copy of wasm with the patch applied.
func (p Patch) Apply(wasm []byte) []byte {
	out := append([]byte{}, wasm[:p.At]...)
	out = append(out, p.Section...)
	return append(out, wasm[p.End:]...)
}

// SharedMemoryPatch is SharedMemory as a patch: the module's memory
// section, and what replaces it. The loader applies it to the model it
// fetched (and checked), so a package carries one model, not two.
func SharedMemoryPatch(wasm []byte, maxPages uint32) (Patch, error) {
	if err := ThreadsLayout(wasm); err != nil {
		return Patch{}, err
	}
	if maxPages == 0 || maxPages > MaxPages {
		return Patch{}, fmt.Errorf("shared memory: maximum %d pages; want 1 to %d (64 KiB to 4 GiB)", maxPages, MaxPages)
	}
	r := wasmbin.New(wasm, 8)
	for {
		id, start, sec, ok := r.Section()
		if !ok {
			break
		}
		if id != 5 {
			continue
		}
		end := len(sec.B)
		if n := sec.Count(); n != 1 || sec.Err != nil {
			return Patch{}, fmt.Errorf("the memory section at byte %d has %d memories; the threaded kernels need exactly one", start, n)
		}
		l := sec.Limits() // flags 0: min; 1: min, max; 3: shared, min, max
		min := l.Min
		if sec.Err != nil || (l.Flags != 0 && l.Flags != 1 && l.Flags != 3) || sec.Pos != end {
			return Patch{}, fmt.Errorf("the memory section at byte %d is not one plain 32-bit memory (flags 0x%02x)", start, l.Flags)
		}
		if min > uint64(maxPages) {
			return Patch{}, fmt.Errorf("the model's memory starts at %d pages (%d MiB), above the shared maximum of %d pages (%d MiB); raise [budget] memory in pwagen.toml", min, min/16, maxPages, maxPages/16)
		}
		body := []byte{1, 3}
		body = appendULEB(body, min)
		body = appendULEB(body, uint64(maxPages))
		out := []byte{5}
		out = appendULEB(out, uint64(len(body)))
		return Patch{At: start, End: end, Section: append(out, body...)}, nil
	}
	if r.Err != nil {
		return Patch{}, fmt.Errorf("not a valid WebAssembly module: %w", r.Err)
	}
	return Patch{}, errors.New("the module defines no memory (a module that imports its memory cannot be made shared here)")
}

// ThreadsLayout checks that wasm can run the threaded kernels: it defines
// one memory and its active data segments all lie at ControlEnd or above.
func ThreadsLayout(wasm []byte) error {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		return errors.New("not a WebAssembly module (no \\0asm header)")
	}
	r := wasmbin.New(wasm, 8)
	for {
		id, start, sec, ok := r.Section()
		if !ok {
			break
		}
		switch id {
		case 2:
			for range sec.Count() {
				mod, name, kind := sec.Name(), sec.Name(), sec.Byte()
				switch kind {
				case 0:
					sec.U32()
				case 1:
					sec.ValType()
					sec.Limits()
				case 2:
					return fmt.Errorf("the model imports its memory (%s.%s); the threaded kernels need a module that defines it, as Go's do", mod, name)
				case 3:
					sec.ValType()
					sec.Byte()
				}
			}
		case 11:
			for i := range sec.Count() {
				flags := sec.U32()
				if flags == 1 { // passive
					sec.Skip(uint64(sec.U32()))
					continue
				}
				if flags == 2 {
					sec.U32() // memory index
				}
				if op := sec.Byte(); op != 0x41 && sec.Err == nil {
					return fmt.Errorf("data segment %d: its offset is not an i32.const (opcode 0x%02x), so pwagen cannot tell whether it overlaps the threads' control block at %d-%d", i, op, ControlStart, ControlEnd-1)
				}
				off := sec.S32()
				sec.Byte() // end
				n := uint64(sec.U32())
				if sec.Err == nil && uint32(off) < ControlEnd && uint64(uint32(off))+n > ControlStart {
					return fmt.Errorf("data segment %d (%d bytes at %d) overlaps the threads' control block at %d-%d; the threaded kernels need that memory free (Go modules leave it free)", i, n, uint32(off), ControlStart, ControlEnd-1)
				}
				sec.Skip(n)
			}
		}
		if sec.Err != nil {
			return fmt.Errorf("section %d at byte %d: %w", id, start, sec.Err)
		}
	}
	if r.Err != nil {
		return fmt.Errorf("not a valid WebAssembly module: %w", r.Err)
	}
	return nil
}

func appendULEB(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		b = append(b, c)
		if v == 0 {
			return b
		}
	}
}

// Threads is a model linked to the threaded kernels with helper threads.
type Threads struct {
	*Pair
	// Helpers is how many helpers entered their loop.
	Helpers int
	stop    api.Function
	wg      sync.WaitGroup
	mu      sync.Mutex
	errs    []error
}

// LinkThreads is Link for SIMDThreads: model must have a shared memory
// (SharedMemory) and rt the threads feature
// (experimental.CoreFeaturesThreads). It starts helpers goroutines, each
// running threads_helper in its own kernel instance, and waits up to 10 s
// for them to enter their loop. minwork is the threshold in
// multiply-adds below which a call runs on one thread (0: the kernels'
// default); 1 splits every call of 8 rows or more. Close stops the
// helpers.
func LinkThreads(ctx context.Context, rt wazero.Runtime, model wazero.CompiledModule, helpers int, minwork uint32, cfg wazero.ModuleConfig, startFuncs ...string) (*Threads, error) {
	if _, err := rt.InstantiateWithConfig(ctx, forwarder, wazero.NewModuleConfig().WithName(Module)); err != nil {
		return nil, fmt.Errorf("kernels forwarder: %w", err)
	}
	m, err := rt.InstantiateModule(ctx, model, cfg.WithName(MemoryModule).WithStartFunctions())
	if err != nil {
		return nil, err
	}
	kc, err := rt.CompileModule(ctx, threads)
	if err != nil {
		return nil, fmt.Errorf("kernels (%s): %w", SIMDThreads, err)
	}
	t := &Threads{}
	// The helpers' instances fill the forwarder's table too; the model
	// thread's instance, made last, fills it with its own functions.
	var hs []api.Function
	for i := range helpers {
		h, err := rt.InstantiateModule(ctx, kc, wazero.NewModuleConfig().WithName(fmt.Sprintf("kernels-threads-helper-%d", i+1)))
		if err != nil {
			return nil, fmt.Errorf("kernels (%s) helper %d: %w", SIMDThreads, i+1, err)
		}
		hs = append(hs, h.ExportedFunction("threads_helper"))
	}
	k, err := rt.InstantiateModule(ctx, kc, wazero.NewModuleConfig().WithName("kernels-"+string(SIMDThreads)))
	if err != nil {
		return nil, fmt.Errorf("kernels (%s): %w", SIMDThreads, err)
	}
	t.Pair = &Pair{Model: m, Kernels: k}
	t.stop = k.ExportedFunction("threads_stop")
	for i, f := range hs {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			// threads_helper returns 1 after a second with no call (for a
			// browser's event loop): a goroutine goes straight back in.
			for {
				r, err := f.Call(ctx)
				if err != nil {
					t.mu.Lock()
					t.errs = append(t.errs, fmt.Errorf("helper %d: %w", i+1, err))
					t.mu.Unlock()
					return
				}
				if len(r) != 1 || r[0] != 1 {
					return
				}
			}
		}()
	}
	config := k.ExportedFunction("threads_config")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		r, err := config.Call(ctx, uint64(minwork))
		if err != nil {
			t.Close(ctx)
			return nil, fmt.Errorf("kernels (%s): threads_config: %w", SIMDThreads, err)
		}
		t.Helpers = int(int32(r[0]))
		if t.Helpers >= helpers || time.Now().After(deadline) {
			break
		}
	}
	for _, name := range startFuncs {
		f := m.ExportedFunction(name)
		if f == nil {
			t.Close(ctx)
			return nil, fmt.Errorf("the model does not export %s", name)
		}
		if _, err := f.Call(ctx); err != nil {
			t.Close(ctx)
			return t, err
		}
	}
	return t, nil
}

// MaxWork returns the most multiply-adds of any kernel call of 8 rows or
// more the model made so far, whatever the threshold (at most 2^31-1): a
// model whose calls stay below DefaultMinWork gains nothing from the
// threads.
func (t *Threads) MaxWork() uint32 {
	v, _ := t.Model.Memory().ReadUint32Le(maxWorkAt)
	return v
}

// Close stops the helpers and waits for them; it returns what they
// failed with.
func (t *Threads) Close(ctx context.Context) error {
	if t.stop != nil {
		if _, err := t.stop.Call(ctx); err != nil {
			return err
		}
		t.stop = nil
	}
	t.wg.Wait()
	t.mu.Lock()
	defer t.mu.Unlock()
	return errors.Join(t.errs...)
}
