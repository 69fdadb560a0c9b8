package main

import (
	"bytes"
	"math"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/examples/digits/model/digitnet/testset"
)

func TestABIGlueIsTheTemplatesCopy(t *testing.T) {
	want, err := os.ReadFile("../../../templates/project/default/model/pwagen_abi.go")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("pwagen_abi.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("pwagen_abi.go differs from templates/project/default/model/pwagen_abi.go; copy the template again")
	}
}

func loadShipped(t testing.TB) *testset.Set {
	t.Helper()
	w, err := os.ReadFile("../weights/digits.bin")
	if err != nil {
		t.Fatal(err)
	}
	if err := loadWeights(w); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../testdata/mnist-test.bin.gz")
	if err != nil {
		t.Fatal(err)
	}
	set, err := testset.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// reportedAccuracy reads the figure the README gives, in percent.
func reportedAccuracy(t *testing.T) float64 {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`test-set accuracy is \*\*([0-9.]+)%\*\*`).FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md does not state the accuracy as `test-set accuracy is **NN.NN%**`")
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTestSetAccuracyIsAtLeastTheReportedFigure(t *testing.T) {
	set := loadShipped(t)
	if set.Len() != 2000 {
		t.Fatalf("test set has %d digits, want 2000", set.Len())
	}
	correct := 0
	img := make([]float32, inputLen)
	for i := range set.Len() {
		p, err := predict(set.Image(img, i))
		if err != nil {
			t.Fatal(err)
		}
		if digitnet.Argmax(p) == int(set.Labels[i]) {
			correct++
		}
	}
	got := 100 * float64(correct) / float64(set.Len())
	want := reportedAccuracy(t)
	t.Logf("test-set accuracy %.2f%% (%d/%d); README reports %.2f%%", got, correct, set.Len(), want)
	if got < want-1e-9 {
		t.Fatalf("accuracy %.2f%% is below the %.2f%% README.md reports", got, want)
	}
	if want < 97 {
		t.Fatalf("README reports %.2f%%; the example promises at least 97%%", want)
	}
}

func TestPredictTakesABatch(t *testing.T) {
	set := loadShipped(t)
	var batch, single []float32
	img := make([]float32, inputLen)
	for i := range 5 {
		batch = append(batch, set.Image(img, i)...)
		p, err := predict(set.Image(img, i))
		if err != nil {
			t.Fatal(err)
		}
		single = append(single, p...)
	}
	got, err := predict(batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5*digitnet.Classes {
		t.Fatalf("batch of 5 gave %d outputs, want 50", len(got))
	}
	for i := range got {
		if got[i] != single[i] {
			t.Fatalf("output %d: batch %v, one by one %v", i, got[i], single[i])
		}
	}
	var sum float32
	for _, p := range got[:10] {
		sum += p
	}
	if sum < 0.9999 || sum > 1.0001 {
		t.Errorf("probabilities sum to %v, want 1", sum)
	}
}

func TestPredictRejectsBadInput(t *testing.T) {
	loadShipped(t)
	for _, n := range []int{0, 1, inputLen - 1, inputLen + 1} {
		if _, err := predict(make([]float32, n)); err == nil {
			t.Errorf("predict of %d values: no error", n)
		}
	}
	net = nil
	if _, err := predict(make([]float32, inputLen)); err == nil {
		t.Error("predict before loadWeights: no error")
	}
}

func BenchmarkPredict(b *testing.B) {
	set := loadShipped(b)
	for _, n := range []int{1, 100} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var in []float32
			img := make([]float32, inputLen)
			for i := range n {
				in = append(in, set.Image(img, i)...)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := predict(in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/digit")
		})
	}
}

// TestPredictMatchesForward: predict's inference path (pooling in the
// kernels, ReLU after pooling) gives the probabilities of Forward, the
// trainer's path, bit for bit, on the first 500 test digits.
func TestPredictMatchesForward(t *testing.T) {
	set := loadShipped(t)
	a := net.NewActivations()
	img := make([]float32, inputLen)
	for i := range min(set.Len(), 500) {
		set.Image(img, i)
		net.Forward(a, img)
		got, err := predict(img)
		if err != nil {
			t.Fatal(err)
		}
		for k, w := range a.Out {
			if math.Float32bits(got[k]) != math.Float32bits(w) {
				t.Fatalf("digit %d class %d: predict %v, Forward %v", i, k, got[k], w)
			}
		}
	}
}

// TestPredictDoesNotAllocate: after the first call predict allocates
// nothing, one digit or a batch, so the Go garbage collector has nothing to
// do in the browser's model between or during predicts. The same test runs
// compiled for wasip1 with the SIMD kernels under wazero
// (TestModelTestsInWasm in package digits).
func TestPredictDoesNotAllocate(t *testing.T) {
	set := loadShipped(t)
	one := set.Image(make([]float32, inputLen), 0)
	batch := make([]float32, 0, 8*inputLen)
	for i := range 8 {
		batch = append(batch, set.Image(make([]float32, inputLen), i)...)
	}
	for _, in := range [][]float32{one, batch, one} {
		if _, err := predict(in); err != nil { // the first call makes the scratch space
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(20, func() {
			if _, err := predict(in); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("predict of %d digits allocates %v times per call, want 0", len(in)/inputLen, n)
		}
	}
}
