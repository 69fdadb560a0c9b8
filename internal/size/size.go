// Package size holds pwagen's facts about byte counts: the most a wasm32
// memory holds, how a count is written for people, and the gzip size a
// host serves a file at.
package size

import (
	"compress/gzip"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Wasm32Memory is the most a 32-bit WebAssembly memory can address, 4 GiB
// (Wasm32Pages pages of PageSize bytes): no model's memory, weights or
// tensor can be larger.
const (
	PageSize     = 64 << 10
	Wasm32Pages  = 65536
	Wasm32Memory = Wasm32Pages * PageSize
)

// Human writes a byte count in the largest binary unit that keeps it at
// least 1, with one decimal when it has one: 512 B, 2.5 KiB, 64 MiB.
func Human(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB"} {
		f /= 1024
		s := fmt.Sprintf("%.1f", f)
		if f < 1023.95 || unit == "TiB" { // 1023.95 would print as 1024.0
			return strings.TrimSuffix(s, ".0") + " " + unit
		}
	}
	panic("unreachable")
}

// Gzip is the length of data gzip-compressed at the default level, as a
// host compresses what it serves: the "gzip" of every size pwagen reports
// and checks against the download budget.
// A gzip.Writer holds about 800 KiB of tables, which a new one allocates
// and clears: a package measures some fifty files, most of them a few KiB,
// so the writers are reused (Reset gives the same bytes as a new writer).
func Gzip(data []byte) int64 {
	var n counter
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&n)
	zw.Write(data)
	zw.Close()
	zw.Reset(io.Discard) // keep no reference to n
	gzipWriters.Put(zw)
	return int64(n)
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return zw
}}

type counter int64

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }
