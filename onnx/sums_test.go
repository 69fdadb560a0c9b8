package onnx

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/ci"
)

// TestConformanceValuesMatchONNX decodes every tensor file of ONNX's
// conformance tests and compares a hash of its values with the one
// onnx.numpy_helper gives (testdata/conformance/make_sums.py).
func TestConformanceValuesMatchONNX(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "conformance", "sums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := os.Stat(testdataRoot); err != nil {
		ci.Missing(t, "%v; apt-get install -y libonnx-testdata", err)
	}
	sc := bufio.NewScanner(f)
	checked := 0
	for sc.Scan() {
		var dir, want string
		var n int
		if _, err := fmt.Sscan(sc.Text(), &dir, &n, &want); err != nil {
			t.Fatalf("sums.txt: %q: %v", sc.Text(), err)
		}
		m, err := ReadFile(filepath.Join(testdataRoot, dir, "model.onnx"), DefaultLimits())
		if err != nil {
			t.Error(err)
			continue
		}
		kinds := map[string]ValueKind{}
		for i, v := range m.Graph.Inputs {
			kinds[fmt.Sprintf("input_%d.pb", i)] = v.Kind
		}
		for i, v := range m.Graph.Outputs {
			kinds[fmt.Sprintf("output_%d.pb", i)] = v.Kind
		}
		pbs, _ := filepath.Glob(filepath.Join(testdataRoot, dir, "test_data_set_*", "*.pb"))
		sort.Strings(pbs)
		h := sha256.New()
		got := 0
		for _, pb := range pbs {
			if k, ok := kinds[filepath.Base(pb)]; ok && k != KindTensor {
				continue
			}
			x, err := ReadTensorFile(pb, DefaultLimits())
			if err != nil {
				t.Error(err)
				continue
			}
			h.Write(canon(x))
			got++
		}
		if sum := hex.EncodeToString(h.Sum(nil))[:16]; got != n || sum != want {
			t.Errorf("%s: %d tensors hash to %s; onnx.numpy_helper: %d to %s", dir, got, sum, n, want)
		}
		checked++
	}
	if checked < 1000 {
		t.Fatalf("checked only %d test folders", checked)
	}
}

// canon is make_sums.py's canon: dtype, dims and the values in a fixed layout.
func canon(x *Tensor) []byte {
	dims := make([]string, len(x.Dims))
	for i, d := range x.Dims {
		dims[i] = fmt.Sprint(d)
	}
	b := []byte(fmt.Sprintf("%s %s;", x.DType, strings.Join(dims, "x")))
	le := binary.LittleEndian
	switch {
	case x.DType == String:
		for _, s := range x.Str {
			b = append(append(b, s...), 0)
		}
	case x.F32 != nil:
		for _, v := range x.F32 {
			b = le.AppendUint32(b, math.Float32bits(v))
		}
	case x.F64 != nil:
		for _, v := range x.F64 {
			b = le.AppendUint64(b, math.Float64bits(v))
		}
	case x.Bool != nil:
		for _, v := range x.Bool {
			if v {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		}
	default:
		for _, v := range x.I64 {
			b = le.AppendUint64(b, uint64(v))
		}
	}
	return b
}
