package size

import (
	"bytes"
	"compress/gzip"
	"testing"
)

func TestHuman(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1 KiB"}, {1536, "1.5 KiB"}, {4161, "4.1 KiB"},
		{1<<20 - 1, "1 MiB"}, // 1023.999 KiB rounds to the next unit, not "1024 KiB"
		{64 << 20, "64 MiB"}, {Wasm32Memory, "4 GiB"}, {5 << 40, "5 TiB"},
	} {
		if got := Human(tt.n); got != tt.want {
			t.Errorf("Human(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// TestGzip: Gzip is the length a new gzip writer at the default level
// makes, also when its writers are reused: a large input, then a small
// one, then the large one again (a reused writer that kept its window or
// its output would count differently).
func TestGzip(t *testing.T) {
	big := make([]byte, 300<<10)
	for i := range big {
		big[i] = byte(i * i >> 7)
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"text", bytes.Repeat([]byte("pwagen "), 1000)},
		{"big", big},
		{"empty", nil},
		{"small", []byte("pwagen")},
		{"big again", big},
		{"text again", bytes.Repeat([]byte("pwagen "), 1000)},
	} {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		zw.Write(tt.data)
		zw.Close()
		if got := Gzip(tt.data); got != int64(buf.Len()) {
			t.Errorf("%s: Gzip = %d, want %d", tt.name, got, buf.Len())
		}
	}
}
