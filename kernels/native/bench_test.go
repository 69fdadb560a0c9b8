package native_test

import (
	"github.com/tetratelabs/wazero/api"
	"testing"
)

// BenchmarkCallOverhead times one call of add on n values from
// WebAssembly: natively (the host module) and in the SIMD module.
func BenchmarkCallOverhead(b *testing.B) {
	p := newPair(b)
	for _, n := range []uint64{0, 1024} {
		for name, m := range map[string]*pairSide{"native": {p.native}, "simd": {p.wasm}} {
			f := m.m.ExportedFunction("add")
			stack := []uint64{1 << 16, 1 << 18, 1 << 19, n}
			b.Run(name+"/"+map[uint64]string{0: "0", 1024: "1024"}[n], func(b *testing.B) {
				for b.Loop() {
					stack[0], stack[1], stack[2], stack[3] = 1<<16, 1<<18, 1<<19, n
					if err := f.CallWithStack(p.ctx, stack); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

type pairSide struct {
	m interface{ ExportedFunction(string) api.Function }
}
