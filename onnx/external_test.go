package onnx

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pwagen/pwagen/onnx/onnxpb"
)

// externalModel writes a model whose initializer "b" lives in a side file
// at offset 16 of weights.bin, and returns the model's path.
func externalModel(t testing.TB, dir string, kv map[string]string) string {
	t.Helper()
	side := make([]byte, 16+8)
	binary.LittleEndian.PutUint32(side[16:], math.Float32bits(1.5))
	binary.LittleEndian.PutUint32(side[20:], math.Float32bits(-2))
	if err := os.WriteFile(filepath.Join(dir, "weights.bin"), side, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(side)
	ext := map[string]string{"location": "weights.bin", "offset": "16", "length": "8", "checksum": hex.EncodeToString(sum[:])}
	for k, v := range kv {
		if v == "" {
			delete(ext, k)
		} else {
			ext[k] = v
		}
	}
	m := validModel()
	b := m.Graph.Initializer[0]
	b.FloatData = nil
	b.DataLocation = onnxpb.TensorProto_EXTERNAL.Enum()
	for _, k := range []string{"location", "offset", "length", "checksum", "extra"} {
		if v, ok := ext[k]; ok {
			b.ExternalData = append(b.ExternalData, &onnxpb.StringStringEntryProto{Key: proto.String(k), Value: proto.String(v)})
		}
	}
	path := filepath.Join(dir, "model.onnx")
	if err := os.WriteFile(path, marshal(t, m), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExternalDataLoads(t *testing.T) {
	m, err := ReadFile(externalModel(t, t.TempDir(), nil), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Graph.Initializers[0].F32; !eqF32(got, []float32{1.5, -2}) {
		t.Fatalf("external initializer = %v, want [1.5 -2]", got)
	}
}

func TestExternalDataRefused(t *testing.T) {
	for _, tt := range []struct {
		name  string
		kv    map[string]string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"parent folder", map[string]string{"location": "../weights.bin"}, func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(filepath.Dir(dir), "weights.bin"), make([]byte, 24), 0o644)
		}, `location "../weights.bin" leaves the model's folder`},
		{"absolute path", map[string]string{"location": "/etc/passwd"}, nil, `location "/etc/passwd" leaves the model's folder`},
		{"symlink out", map[string]string{"location": "link.bin", "checksum": ""}, func(t *testing.T, dir string) {
			out := filepath.Join(t.TempDir(), "secret.bin")
			os.WriteFile(out, make([]byte, 24), 0o644)
			if err := os.Symlink(out, filepath.Join(dir, "link.bin")); err != nil {
				t.Skip(err)
			}
		}, `location "link.bin" leaves the model's folder`},
		{"missing file", map[string]string{"location": "nope.bin"}, nil, `external data "nope.bin"`},
		{"a folder", map[string]string{"location": "sub"}, func(t *testing.T, dir string) {
			os.Mkdir(filepath.Join(dir, "sub"), 0o755)
		}, `external data "sub" is not a regular file`},
		{"past the end", map[string]string{"offset": "20"}, nil, `is 24 bytes, but offset 20 + length 8 runs past its end`},
		{"wrong length", map[string]string{"length": "4"}, nil, `external data holds 4 bytes, but its shape needs 8`},
		{"negative offset", map[string]string{"offset": "-1"}, nil, `offset "-1" is not a non-negative integer`},
		{"bad checksum", map[string]string{"checksum": "00"}, nil, `has SHA-1 `},
		{"unknown key", map[string]string{"extra": "1"}, nil, `unknown external_data key "extra"`},
		{"no location", map[string]string{"location": ""}, nil, `names no location`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "model")
			os.Mkdir(dir, 0o755)
			path := externalModel(t, dir, tt.kv)
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			_, err := ReadFile(path, DefaultLimits())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestExternalDataSymlinkedFolder accepts a model whose folder is reached by a symlink.
func TestExternalDataSymlinkedFolder(t *testing.T) {
	real := t.TempDir()
	externalModel(t, real, nil)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skip(err)
	}
	if _, err := ReadFile(filepath.Join(link, "model.onnx"), DefaultLimits()); err != nil {
		t.Fatal(err)
	}
}

// TestExternalDataFromONNX reads a model saved by onnx.save_model with
// save_as_external_data (testdata/external/make.py).
func TestExternalDataFromONNX(t *testing.T) {
	m, err := ReadFile(filepath.Join("testdata", "external", "model.onnx"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	w, b := m.Graph.Initializers[0], m.Graph.Initializers[1]
	if w.Name != "w" || len(w.F32) != 12 || w.F32[11] != 11.0/8 || !eqF32(b.F32, []float32{1, -1, 0.5}) {
		t.Fatalf("w = %+v, b = %+v", w, b)
	}
	if in := m.Graph.Inputs[0]; in.Shape[0].Param != "batch" || in.Shape[0].Value != -1 || in.Shape[1].Value != 4 {
		t.Fatalf("input shape %+v", in.Shape)
	}
	if _, err := Decode(mustRead(t, filepath.Join("testdata", "external", "model.onnx")), "", DefaultLimits()); err == nil {
		t.Fatal("Decode with no folder read external data")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
