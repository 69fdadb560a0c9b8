package modules_test

import (
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/examples/digits/model/digitnet/testset"
	"github.com/pwagen/pwagen/kernels/internal/digitsk"
	"github.com/pwagen/pwagen/kernels/modules"
)

// examples/digits' network on the kernels (kernels/internal/digitsk), with
// the example's weights and test digits, read from examples/digits.

func digitsFiles(tb testing.TB) (weights []byte, set *testset.Set) {
	w, err := os.ReadFile("../../examples/digits/weights/digits.bin")
	if err != nil {
		tb.Skipf("examples/digits has no weights yet: %v", err)
	}
	data, err := os.ReadFile("../../examples/digits/testdata/mnist-test.bin.gz")
	if err != nil {
		tb.Skipf("examples/digits has no test digits yet: %v", err)
	}
	set, err = testset.Decode(data)
	if err != nil {
		tb.Fatal(err)
	}
	return w, set
}

func digitsWasm(tb testing.TB, v modules.Variant) []byte {
	if v == modules.Baseline {
		return goWasm(tb, "build", "-buildmode=c-shared", "-tags", "pwagen_nokernels", "../testdata/digitsk/model")
	}
	return goWasm(tb, "build", "-buildmode=c-shared", "../testdata/digitsk/model")
}

// TestDigitsOnKernels: the digits network on the kernels, with each
// variant under wazero and natively, gives the example's own outputs
// (pure Go, digitnet) within 1e-5, and the same class, on 200 test digits.
func TestDigitsOnKernels(t *testing.T) {
	w, set := digitsFiles(t)
	ref, err := digitnet.Unmarshal(w)
	if err != nil {
		t.Fatal(err)
	}
	nk, _ := digitsk.Parse(w)
	runs := map[string]func([]float32) []float32{
		"native": func(in []float32) []float32 { o, _ := nk.Predict(nil, in); return o },
	}
	for _, v := range allVariants {
		md := newModelFrom(t, digitsWasm(t, v), w, v, digitnet.InputLen)
		runs[string(v)] = md.predict
	}
	var img []float32
	for name, run := range runs {
		var worst float64
		for i := range min(200, set.Len()) {
			img = set.Image(img, i)
			want, _ := ref.Predict(nil, img)
			got := run(img)
			for j := range want {
				worst = max(worst, math.Abs(float64(got[j]-want[j])))
			}
			if digitnet.Argmax(got) != digitnet.Argmax(want) {
				t.Errorf("%s: digit %d read as %d, the example reads %d", name, i, digitnet.Argmax(got), digitnet.Argmax(want))
			}
		}
		if worst > 1e-5 {
			t.Errorf("%s: outputs differ from the example's by up to %g, want at most 1e-5", name, worst)
		}
		t.Logf("%s: worst difference %g", name, worst)
	}
}

// BenchmarkDigits is one predict of examples/digits' network: the
// example's own pure Go natively, the kernels version natively (pure Go),
// and under wazero without kernels and with each variant.
func BenchmarkDigits(b *testing.B) {
	w, set := digitsFiles(b)
	img := set.Image(nil, 0)
	ref, _ := digitnet.Unmarshal(w)
	b.Run("native-go-digitnet", func(b *testing.B) {
		for b.Loop() {
			ref.Predict(nil, img)
		}
	})
	nk, _ := digitsk.Parse(w)
	b.Run("native-go-kernels", func(b *testing.B) {
		for b.Loop() {
			nk.Predict(nil, img)
		}
	})
	for _, v := range allVariants {
		b.Run(fmt.Sprintf("wazero-%s", v), func(b *testing.B) {
			md := newModelFrom(b, digitsWasm(b, v), w, v, digitnet.InputLen)
			for b.Loop() {
				md.predict(img)
			}
		})
	}
}

// BenchmarkBrowserDigits times one predict of examples/digits' network on
// the kernels in Chromium per variant (see browserMicros).
func BenchmarkBrowserDigits(b *testing.B) {
	w, set := digitsFiles(b)
	img := set.Image(nil, 0)
	for _, v := range allVariants {
		b.Run(string(v), func(b *testing.B) {
			browserMicros(b, digitsWasm(b, v), w, v, img)
		})
	}
}
