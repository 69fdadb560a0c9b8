package validate

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
)

// memModule is a module with one exported memory of 1 to 1024 pages.
var memModule = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x05, 0x05, 0x01, 0x01, 0x01, 0x80, 0x08, // memory: min 1, max 1024 pages
	0x07, 0x07, 0x01, 0x03, 'm', 'e', 'm', 0x02, 0x00, // export "mem"
}

// TestMappedMemoryNeverMoves: under mappedMemory a growing linear memory
// stays where it is, so growing never copies it (wazero's slice copies
// it on each grow, and the copies are what made the first package of 256
// MiB of weights peak at 2.5 times the weights); its contents survive,
// and a memory freed by closing the module reads as zeros, without a
// fault.
func TestMappedMemoryNeverMoves(t *testing.T) {
	ctx, release := mappedMemory(context.Background())
	defer release()
	rt := wazero.NewRuntime(ctx)
	mod, err := rt.Instantiate(ctx, memModule)
	if err != nil {
		t.Fatal(err)
	}
	mem := mod.Memory()
	before, _ := mem.Read(0, 1)
	mem.WriteByte(0, 42)
	for _, pages := range []uint32{1, 15, 240, 767} {
		if _, ok := mem.Grow(pages); !ok {
			t.Fatalf("growing by %d pages failed", pages)
		}
		after, ok := mem.Read(0, mem.Size())
		if !ok || &after[0] != &before[0] {
			t.Fatalf("after growing to %d bytes the memory moved (or cannot be read): it was copied", mem.Size())
		}
		after[len(after)-1] = 1 // the last page is writable
	}
	if b, _ := mem.ReadByte(0); b != 42 {
		t.Errorf("byte 0 is %d after growing, want 42", b)
	}
	if _, ok := mem.Grow(1); ok {
		t.Error("grew past the maximum of 1024 pages")
	}
	mod.Close(ctx)
	if before[0] != 0 {
		t.Errorf("a freed memory reads %d, want 0", before[0])
	}
	rt.Close(ctx)
}
