package main

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"strings"
	"testing"
)

const weightsFile = "../weights/iris.bin"

// minTestCorrect is the held-out accuracy the trained weights reached
// (28 of 30, 93.3%); retraining must not do worse.
const minTestCorrect = 28

func readWeights(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(weightsFile)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustLoad(t testing.TB) {
	t.Helper()
	if err := loadWeights(readWeights(t)); err != nil {
		t.Fatal(err)
	}
}

func TestHeldOutAccuracy(t *testing.T) {
	mustLoad(t)
	correct := 0
	for _, row := range testSet {
		p, err := predict(row.in[:])
		if err != nil {
			t.Fatal(err)
		}
		if got := classNames[argmax(p)]; got == row.class {
			correct++
		} else {
			t.Logf("%v: predicted %s, is %s (p = %v)", row.in, got, row.class, p)
		}
	}
	t.Logf("held-out accuracy %d/%d", correct, len(testSet))
	if correct < minTestCorrect {
		t.Errorf("held-out accuracy %d/%d, want at least %d", correct, len(testSet), minTestCorrect)
	}
}

func TestProbabilitiesSumToOne(t *testing.T) {
	mustLoad(t)
	inputs := [][]float32{{0, 0, 0, 0}, {100, -100, 1e6, -1e6}}
	for _, row := range testSet {
		inputs = append(inputs, row.in[:])
	}
	for _, in := range inputs {
		p, err := predict(in)
		if err != nil {
			t.Fatalf("%v: %v", in, err)
		}
		if len(p) != len(classNames) {
			t.Fatalf("%v: %d outputs, want %d", in, len(p), len(classNames))
		}
		var sum float64
		for _, v := range p {
			if !(v >= 0 && v <= 1) {
				t.Errorf("%v: probability %v outside [0, 1]", in, v)
			}
			sum += float64(v)
		}
		if math.Abs(sum-1) > 1e-6 {
			t.Errorf("%v: probabilities %v sum to %v, want 1", in, p, sum)
		}
	}
}

func TestSetosaSample(t *testing.T) {
	mustLoad(t)
	p, err := predict([]float32{5.1, 3.5, 1.4, 0.2}) // iris.csv line 2, a training row
	if err != nil {
		t.Fatal(err)
	}
	if got := classNames[argmax(p)]; got != "setosa" || p[0] < 0.9 {
		t.Errorf("predict(5.1 3.5 1.4 0.2) = %v (%s), want setosa above 0.9", p, got)
	}
}

// header builds a weights file header.
func header(magic string, version, in, hidden, out uint32) []byte {
	b := []byte(magic)
	for _, v := range []uint32{version, in, hidden, out} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

func setFloat(b []byte, i int, v float32) []byte {
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint32(b[headerLen+4*i:], math.Float32bits(v))
	return b
}

func TestLoadWeightsRejects(t *testing.T) {
	good := readWeights(t)
	const hidden = 16 // of the shipped weights; std[0] is value 4
	for _, tt := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "weights: got 0 bytes, want at least 20 for the header"},
		{"short header", good[:19], "weights: got 19 bytes, want at least 20"},
		{"bad magic", append([]byte("GGUF"), good[4:]...), `weights: bad magic "GGUF", want "PWIR"`},
		{"version", append(header("PWIR", 2, 4, hidden, 3), good[20:]...), "weights: format version 2, want 1"},
		{"inputs", append(header("PWIR", 1, 5, hidden, 3), good[20:]...), "weights: 5 input features, want 4"},
		{"classes", append(header("PWIR", 1, 4, hidden, 2), good[20:]...), "weights: 2 classes, want 3"},
		{"no hidden", header("PWIR", 1, 4, 0, 3), "weights: hidden layer of 0 units, want 1 to 1024"},
		{"huge hidden", header("PWIR", 1, 4, 1<<31, 3), "weights: hidden layer of 2147483648 units"},
		{"truncated", good[:len(good)-1], "weights: got 575 bytes, want 576"},
		{"trailing", append(bytes.Clone(good), 0), "weights: got 577 bytes, want 576"},
		{"other hidden size", append(header("PWIR", 1, 4, 8, 3), good[20:]...), "weights: got 576 bytes, want 320"},
		{"NaN", setFloat(good, 10, float32(math.NaN())), "weights: value 10 (byte offset 60) is NaN"},
		{"Inf", setFloat(good, 137, float32(math.Inf(1))), "weights: value 137 (byte offset 568) is +Inf"},
		{"zero std", setFloat(good, 4, 0), "weights: std[0] = 0, want > 0"},
		{"negative std", setFloat(good, 7, -1), "weights: std[3] = -1, want > 0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mustLoad(t)
			before := net
			err := loadWeights(tt.b)
			if err == nil {
				t.Fatalf("loadWeights accepted %d bad bytes", len(tt.b))
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want it to start with %q", err, tt.want)
			}
			if net != before {
				t.Error("a failed loadWeights replaced the loaded model")
			}
		})
	}
}

func TestPredictRejects(t *testing.T) {
	mustLoad(t)
	for _, tt := range []struct {
		name string
		in   []float32
		want string
	}{
		{"none", nil, "predict: got 0 input values, want 4"},
		{"short", []float32{1, 2, 3}, "predict: got 3 input values, want 4"},
		{"long", []float32{1, 2, 3, 4, 5}, "predict: got 5 input values, want 4"},
		{"NaN", []float32{1, float32(math.NaN()), 3, 4}, "predict: input 1 is NaN"},
		{"Inf", []float32{1, 2, 3, float32(math.Inf(-1))}, "predict: input 3 is -Inf"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := predict(tt.in)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("predict(%v) error %v, want %q", tt.in, err, tt.want)
			}
		})
	}
	t.Run("no weights", func(t *testing.T) {
		saved := net
		defer func() { net = saved }()
		net = nil
		if _, err := predict([]float32{1, 2, 3, 4}); err == nil || !strings.Contains(err.Error(), "no weights loaded") {
			t.Errorf("predict before loadWeights: error %v, want \"no weights loaded\"", err)
		}
	})
}

// FuzzLoadWeights checks that any bytes either fail with an error or give a
// model whose predictions are probabilities or an error, never a panic.
func FuzzLoadWeights(f *testing.F) {
	good, err := os.ReadFile(weightsFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:20])
	f.Add(append(header("PWIR", 1, 4, 1, 3), make([]byte, 4*(8+4+1+3+3))...))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseWeights(b)
		if err != nil {
			return
		}
		saved := net
		defer func() { net = saved }()
		net = m
		p, err := predict([]float32{5.1, 3.5, 1.4, 0.2})
		if err != nil {
			return
		}
		var sum float64
		for _, v := range p {
			sum += float64(v)
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("probabilities %v sum to %v", p, sum)
		}
	})
}

// TestPredictDoesNotAllocate: predict reuses its buffers, so in the browser
// Go's garbage collector never runs between or during predicts.
func TestPredictDoesNotAllocate(t *testing.T) {
	mustLoad(t)
	in := []float32{5.1, 3.5, 1.4, 0.2}
	if n := testing.AllocsPerRun(100, func() {
		if _, err := predict(in); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("predict allocates %v times per call, want 0", n)
	}
}
