package digitsrust_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"testing"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/examples/digits/model/digitnet/testset"
	"github.com/pwagen/pwagen/internal/rusttest"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/pwagen/pwagen/packager"
	"github.com/pwagen/pwagen/runner"
)

// testDigits is how many of examples/digits' test digits the comparisons run.
const testDigits = 300

// TestWeightsAreDigits: the weights are examples/digits' file, byte for byte.
func TestWeightsAreDigits(t *testing.T) {
	a, err := os.ReadFile("weights/digits.bin")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../digits/weights/digits.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("weights/digits.bin differs from examples/digits/weights/digits.bin; copy it again")
	}
}

// TestABIFilesAreTheTemplates: src/abi.rs and src/kernels.rs are the files
// `pwagen new --template rust` writes.
func TestABIFilesAreTheTemplates(t *testing.T) {
	for _, f := range []string{"src/abi.rs", "src/kernels.rs"} {
		a, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile("../../templates/project/rust/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from templates/project/rust/%s; copy it again", f, f)
		}
	}
}

// build builds the project at dir the way pwagen package does.
func build(t testing.TB, dir string) []byte {
	t.Helper()
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := packager.BuildModel(context.Background(), packager.NewBuild(cfg, ""))
	if err != nil {
		t.Fatal(err)
	}
	return wasm
}

func load(t testing.TB, wasm []byte, v modules.Variant) *runner.Model {
	t.Helper()
	weights, err := os.ReadFile("weights/digits.bin")
	if err != nil {
		t.Fatal(err)
	}
	m, err := runner.Load(context.Background(), wasm, weights, runner.Options{Variant: v})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	return m
}

func testSet(t testing.TB) *testset.Set {
	t.Helper()
	data, err := os.ReadFile("../digits/testdata/mnist-test.bin.gz")
	if err != nil {
		t.Fatal(err)
	}
	s, err := testset.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSameAnswersAsGo: the Rust model and examples/digits' Go model, both
// built as pwagen builds them and run under wazero with the same kernels,
// give the same probabilities (within 1e-5) and the same digit for each of
// the test digits.
func TestSameAnswersAsGo(t *testing.T) {
	rusttest.Require(t)
	rustWasm, goWasm := build(t, "."), build(t, "../digits")
	set := testSet(t)
	for _, v := range []modules.Variant{modules.SIMD, modules.Scalar} {
		t.Run(string(v), func(t *testing.T) {
			r, g := load(t, rustWasm, v), load(t, goWasm, v)
			var img []float32
			correct, n := 0, min(testDigits, set.Len())
			if v == modules.Scalar {
				n = min(50, n) // slower; the SIMD run covers the rest
			}
			for i := range n {
				img = set.Image(img, i)
				pr, err := r.Predict(context.Background(), img)
				if err != nil {
					t.Fatal(err)
				}
				pg, err := g.Predict(context.Background(), img)
				if err != nil {
					t.Fatal(err)
				}
				if len(pr) != digitnet.Classes || len(pg) != digitnet.Classes {
					t.Fatalf("digit %d: %d and %d outputs, want %d", i, len(pr), len(pg), digitnet.Classes)
				}
				for c := range pr {
					if d := math.Abs(float64(pr[c] - pg[c])); d > 1e-5 {
						t.Fatalf("digit %d, class %d: Rust %g, Go %g (differ by %g, over 1e-5)", i, c, pr[c], pg[c], d)
					}
				}
				if a, b := digitnet.Argmax(pr), digitnet.Argmax(pg); a != b {
					t.Fatalf("digit %d: Rust reads %d, Go %d", i, a, b)
				}
				if digitnet.Argmax(pr) == int(set.Labels[i]) {
					correct++
				}
			}
			t.Logf("%s kernels: %d test digits, same answers; %d read right", v, n, correct)
		})
	}
}
