package onnx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"github.com/pwagen/pwagen/onnx/onnxpb"
)

// IR versions this package reads: ONNX 1.1 (IR 3) to 1.18 (IR 11). IR 9 to
// 11 only add element types (float8, 4-bit), which are refused where used.
const (
	minIRVersion = 3
	maxIRVersion = 11
)

type decoder struct {
	lim   Limits
	dir   string // the model's folder; "" refuses external data
	total int64  // decoded tensor bytes so far
	nodes int
	depth int
}

// ReadFile reads a model file; external data is resolved in the file's folder.
func ReadFile(path string, lim Limits) (*Model, error) {
	lim = lim.orDefault()
	b, err := readBounded(path, lim.MaxFileBytes, "MaxFileBytes")
	if err != nil {
		return nil, err
	}
	m, err := Decode(b, filepath.Dir(path), lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Decode decodes a serialized ModelProto. External data is read from dir;
// dir "" refuses it.
func Decode(b []byte, dir string, lim Limits) (*Model, error) {
	lim = lim.orDefault()
	if int64(len(b)) > lim.MaxFileBytes {
		return nil, &LimitError{What: "the model file", Field: "MaxFileBytes", Size: int64(len(b)), Limit: lim.MaxFileBytes, Unit: "bytes"}
	}
	if kind := sniff(b); kind != "" {
		if !strings.Contains(kind, ";") {
			kind += "; give the .onnx file your framework exported (torch.onnx.export, tf2onnx, ...)"
		}
		return nil, fmt.Errorf("not an ONNX model: %s", kind)
	}
	var p onnxpb.ModelProto
	if err := proto.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("not an ONNX model, or a truncated one: protobuf: %v; export it again with torch.onnx.export or onnx.save", err)
	}
	if p.Graph == nil || p.IrVersion == nil {
		return nil, errors.New("not an ONNX model: it decodes as protobuf but has no ir_version or graph; export it again with torch.onnx.export or onnx.save")
	}
	d := &decoder{lim: lim, dir: dir}
	return d.model(&p)
}

// ReadTensorFile reads a serialized TensorProto, as the input_0.pb and
// output_0.pb files of ONNX's conformance tests.
func ReadTensorFile(path string, lim Limits) (*Tensor, error) {
	lim = lim.orDefault()
	b, err := readBounded(path, lim.MaxFileBytes, "MaxFileBytes")
	if err != nil {
		return nil, err
	}
	t, err := DecodeTensor(b, lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// DecodeTensor decodes a serialized TensorProto; external data is refused.
func DecodeTensor(b []byte, lim Limits) (*Tensor, error) {
	lim = lim.orDefault()
	if int64(len(b)) > lim.MaxFileBytes {
		return nil, &LimitError{What: "the tensor file", Field: "MaxFileBytes", Size: int64(len(b)), Limit: lim.MaxFileBytes, Unit: "bytes"}
	}
	if kind := sniff(b); kind != "" {
		return nil, fmt.Errorf("not an ONNX tensor: %s", kind)
	}
	var p onnxpb.TensorProto
	if err := proto.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("not an ONNX tensor, or a truncated one: protobuf: %v", err)
	}
	d := &decoder{lim: lim}
	name := "tensor"
	if p.GetName() != "" {
		name = fmt.Sprintf("tensor %q", p.GetName())
	}
	return d.tensor(&p, name)
}

// readBounded reads a regular file of at most max bytes.
func readBounded(path string, max int64, field string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s); give the path of an .onnx file", path, st.Mode().Type())
	}
	if st.Size() > max {
		return nil, &LimitError{What: path, Field: field, Size: st.Size(), Limit: max, Unit: "bytes"}
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > max { // grew while read
		return nil, &LimitError{What: path, Field: field, Size: int64(len(b)), Limit: max, Unit: "bytes"}
	}
	return b, nil
}

var magics = []struct {
	prefix, kind string
}{
	{"\x89PNG\r\n\x1a\n", "a PNG image"},
	{"\xff\xd8\xff", "a JPEG image"},
	{"GIF8", "a GIF image"},
	{"RIFF", "a RIFF file (WAV or WebP)"},
	{"%PDF", "a PDF document"},
	{"PK\x03\x04", "a zip archive (a PyTorch .pt/.pth checkpoint is one); export the model with torch.onnx.export"},
	{"\x89HDF", "an HDF5 file (a Keras .h5 model?); convert it with tf2onnx"},
	{"\x93NUMPY", "a NumPy .npy array"},
	{"\x1f\x8b", "a gzip file; decompress it first"},
	{"\x00asm", "a WebAssembly module"},
	{"GGUF", "a GGUF model, not ONNX"},
}

// sniff names a well-known non-ONNX format, or returns "".
func sniff(b []byte) string {
	for _, m := range magics {
		if bytes.HasPrefix(b, []byte(m.prefix)) {
			return m.kind
		}
	}
	if len(b) >= 8 && string(b[4:8]) == "TFL3" {
		return "a TensorFlow Lite model; convert it with tf2onnx"
	}
	if len(b) >= 2 && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5 {
		return "a Python pickle (a PyTorch checkpoint?); export the model with torch.onnx.export"
	}
	if len(b) > 0 && isText(b) {
		return "a text file; ONNX models are binary protobuf (save with onnx.save, not as text)"
	}
	return ""
}

// isText reports whether the first bytes are printable UTF-8 text.
func isText(b []byte) bool {
	cut := len(b) > 512
	if cut {
		b = b[:512]
	}
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return cut && len(b) < utf8.UTFMax // a rune cut at the window's end
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
			return false
		}
		b = b[size:]
	}
	return true
}
