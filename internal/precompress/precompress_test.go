package precompress

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// TestRoundTripAndPinned: both encodings decode to the input, and their
// bytes are pinned, so that a change of level, window or library version
// shows (and the caches' version gets bumped with it).
func TestRoundTripAndPinned(t *testing.T) {
	in := []byte(strings.Repeat("export const weights = new Float32Array(1024);\n", 200))
	for _, tt := range []struct {
		name   string
		enc    func([]byte) []byte
		dec    func(io.Reader) (io.Reader, error)
		sha256 string
	}{
		{"br", Brotli, func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }, "af8ab2f6216a02cc3b22cf27ea006e11590a33a9cc99cf3d1aeef055eb9499b7"},
		{"gz", Gzip, func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }, "30a169fcb4ed62d6526e762a8a750b9e9f73f1e24c71c21b3d946d9562570fa3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.enc(in), tt.enc(in)
			if !bytes.Equal(a, b) {
				t.Fatal("two runs gave different bytes")
			}
			r, err := tt.dec(bytes.NewReader(a))
			if err != nil {
				t.Fatal(err)
			}
			out, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(out, in) {
				t.Fatalf("round trip: %v, %d bytes back of %d", err, len(out), len(in))
			}
			if len(a) >= len(in)/10 {
				t.Errorf("%d bytes from %d: not compressed at the best level?", len(a), len(in))
			}
			t.Logf("%s: %x", tt.name, sha256.Sum256(a))
			if got := fmt.Sprintf("%x", sha256.Sum256(a)); tt.sha256 != "" && got != tt.sha256 {
				t.Errorf("SHA-256 %s, pinned %s", got, tt.sha256)
			}
		})
	}
}

// TestBrotliContextStops: an ended context stops the compression with its
// error (pwagen package stops compressing when a stage fails).
func TestBrotliContextStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if out, err := BrotliContext(ctx, make([]byte, 2<<20)); err == nil || out != nil {
		t.Fatalf("got %d bytes and %v, want context.Canceled", len(out), err)
	}
}
