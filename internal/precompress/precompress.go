// Package precompress makes the .br and .gz files that pwagen package
// writes beside each compressible file, for servers that send them as they
// are (nginx gzip_static, Caddy's precompressed, pwagen serve). The
// output is deterministic: the same input gives the same bytes on every
// run and machine (no name or time in the gzip header).
package precompress

import (
	"bytes"
	"compress/gzip"
	"context"

	"github.com/andybalholm/brotli"
)

// The encodings pwagen writes, with their file suffixes, in the order a
// server prefers them.
const (
	BrSuffix = ".br"
	GzSuffix = ".gz"
)

// BrotliQuality is brotli's best level, for files up to BestUpTo bytes
// (the app shell). Larger files (a model's .wasm) get LargeQuality:
// measured on a 2.6 MB Go .wasm, quality 11 makes 567 KB in about 2 s a
// MiB on one core, quality 9 makes 641 KB (13% more) in a tenth of the
// time, gzip 9 757 KB; quality 11 there would add seconds to every
// package of an edited model and to every test that packages one.
// BrotliWindow is 4 MiB (the library's default): a 16 MiB window gave the
// same bytes on that .wasm, and the encoder's memory grows with it.
const (
	BrotliQuality = 11
	LargeQuality  = 9
	BestUpTo      = 1 << 20
	BrotliWindow  = 22
)

// Brotli compresses data with brotli (quality by size, above).
func Brotli(data []byte) []byte {
	out, _ := BrotliContext(context.Background(), data)
	return out
}

// BrotliContext is Brotli, stopped (with ctx's error) when ctx ends:
// the input goes in by chunks of 256 KiB.
func BrotliContext(ctx context.Context, data []byte) ([]byte, error) {
	q := BrotliQuality
	if len(data) > BestUpTo {
		q = LargeQuality
	}
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: q, LGWin: BrotliWindow})
	for len(data) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(len(data), 256<<10)
		w.Write(data[:n]) // a bytes.Buffer does not fail
		data = data[n:]
	}
	w.Close()
	return buf.Bytes(), nil
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
