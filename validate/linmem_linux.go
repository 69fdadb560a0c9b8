package validate

import (
	"context"
	"sync"
	"syscall"

	"github.com/pwagen/pwagen/internal/size"
	"github.com/tetratelabs/wazero/experimental"
)

// mappedMemory backs the linear memories of the modules instantiated with
// the returned context by anonymous mappings of their maximum size, of
// which only the pages the model touches become resident. wazero's own
// memories are Go slices that grow by append: each memory.grow copies the
// memory into a larger slice and leaves the old one to the garbage
// collector, which lets the heap reach twice what is live before it runs;
// 256 MiB of weights then cost 650 MiB of resident memory. A mapping
// never moves and is never copied. Free gives the pages back at once
// (MADV_DONTNEED: reading them later gives zeros, never a fault);
// release, after the runtime is closed, unmaps them. A memory without a
// maximum, or a mapping the system refuses, falls back to wazero's slice.
func mappedMemory(ctx context.Context) (context.Context, func()) {
	a := &mmapAllocator{}
	return experimental.WithMemoryAllocator(ctx, a), a.release
}

type mmapAllocator struct {
	mu   sync.Mutex
	maps [][]byte
}

// maxMapped bounds a mapping: a wasm32 memory is at most 4 GiB.
const maxMapped = size.Wasm32Memory

func (a *mmapAllocator) Allocate(capBytes, maxBytes uint64) experimental.LinearMemory {
	if maxBytes == 0 || maxBytes > maxMapped {
		return &sliceMemory{}
	}
	b, err := syscall.Mmap(-1, 0, int(maxBytes), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return &sliceMemory{}
	}
	a.mu.Lock()
	a.maps = append(a.maps, b)
	a.mu.Unlock()
	return &mappedLinear{buf: b}
}

// release unmaps every mapping; call it only once no module uses them.
func (a *mmapAllocator) release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, b := range a.maps {
		syscall.Munmap(b)
	}
	a.maps = nil
}

type mappedLinear struct{ buf []byte }

func (m *mappedLinear) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		return nil
	}
	return m.buf[:size:size]
}

func (m *mappedLinear) Free() { syscall.Madvise(m.buf, syscall.MADV_DONTNEED) }

// sliceMemory is wazero's way: a slice that grows by copying.
type sliceMemory struct{ buf []byte }

func (m *sliceMemory) Reallocate(size uint64) []byte {
	if size > uint64(cap(m.buf)) {
		m.buf = append(m.buf[:cap(m.buf)], make([]byte, size-uint64(cap(m.buf)))...)
	}
	m.buf = m.buf[:size]
	return m.buf
}

func (m *sliceMemory) Free() { m.buf = nil }
