// Package precompress makes the .br and .gz files that pwagen package
// writes beside each compressible file, for servers that send them as they
// are (nginx gzip_static, Caddy's precompressed, pwagen serve). The
// output is deterministic: the same input gives the same bytes on every
// run and machine (no name or time in the gzip header).
package precompress

import (
	"bytes"
	"compress/gzip"

	"github.com/andybalholm/brotli"
)

// The encodings pwagen writes, with their file suffixes, in the order a
// server prefers them.
const (
	BrSuffix = ".br"
	GzSuffix = ".gz"
)

// BrotliQuality is brotli's best level. BrotliWindow is 4 MiB (the
// library's default): on a 2.6 MB Go .wasm a 16 MiB window gave the same
// bytes, and the encoder's memory grows with the window.
const (
	BrotliQuality = 11
	BrotliWindow  = 22
)

// Brotli compresses data at brotli's best level.
func Brotli(data []byte) []byte {
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: BrotliQuality, LGWin: BrotliWindow})
	w.Write(data) // a bytes.Buffer does not fail
	w.Close()
	return buf.Bytes()
}

// Gzip compresses data at gzip's best level, with an empty header (no
// file name, no time), so that the bytes depend on data alone.
func Gzip(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(data)
	w.Close()
	return buf.Bytes()
}
