package wakeword_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pwagen/pwagen/runner"
)

// TestWazeroMatchesNative runs the packaged .wasm (the browser's, with the
// SIMD kernels) under wazero, one predict per 80 ms chunk after a reset
// chunk, and compares each chunk's score with the native pipeline's
// (go run ./model): within 1e-3 (the SIMD kernels sum in another order;
// measured differences are in the README), and the same detections.
func TestWazeroMatchesNative(t *testing.T) {
	dir := packaged(t)
	m, _ := filepath.Glob(filepath.Join(dir, "model-*.wasm"))
	if len(m) != 1 {
		t.Fatalf("%s has %d model-*.wasm files, want 1", dir, len(m))
	}
	wasm, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	weights, err := os.ReadFile("weights/model.bin")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	model, err := runner.Load(ctx, wasm, weights, runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer model.Close(ctx)
	if model.InputLen() != 1280 {
		t.Fatalf("the .wasm takes %d values, want one chunk of 1280", model.InputLen())
	}
	for _, tt := range []struct {
		wav    string
		phrase bool
	}{
		{"hey_mycroft_en-us-f2_150_tempo1.1.wav", true},
		{"hey_mycroft_en-us-klatt2_150_tempo1.1.wav", true},
		{"other_weather_en-us_150.wav", false},
		{"silence.wav", false},
	} {
		t.Run(tt.wav, func(t *testing.T) {
			path := filepath.Join(wakeDir, "audio", tt.wav)
			native := nativeScores(t, path)
			samples := readSamples(t, path)
			reset := make([]float32, 1280)
			reset[0] = float32(math.NaN())
			if out, err := model.Predict(ctx, reset); err != nil || len(out) != 1 || out[0] != 0 {
				t.Fatalf("reset chunk: %v, %v", out, err)
			}
			worst, best := 0.0, float32(0)
			start := time.Now()
			n := len(samples) / 1280
			if n != len(native) {
				t.Fatalf("%d chunks, native ran %d", n, len(native))
			}
			for c := 0; c < n; c++ {
				out, err := model.Predict(ctx, samples[c*1280:(c+1)*1280])
				if err != nil {
					t.Fatal(err)
				}
				d := math.Abs(float64(out[0]) - float64(native[c]))
				worst = max(worst, d)
				best = max(best, out[0])
				if d > 1e-3 {
					t.Errorf("chunk %d: wazero %.7g, native %.7g", c, out[0], native[c])
				}
			}
			t.Logf("max score %.4f; worst chunk off native by %.2g; %.1f ms per chunk under wazero", best, worst, float64(time.Since(start).Microseconds())/1000/float64(n))
			if (best >= 0.5) != tt.phrase {
				t.Errorf("max score %.4f under wazero: detected = %v, want %v", best, best >= 0.5, tt.phrase)
			}
		})
	}
}

// readSamples reads a 16 kHz mono 16-bit WAV as floats in [-1, 1] (the
// committed test clips: a 44-byte header, then the samples).
func readSamples(t testing.TB, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := 12
	for i+8 <= len(b) && string(b[i:i+4]) != "data" {
		i += 8 + int(uint32(b[i+4])|uint32(b[i+5])<<8|uint32(b[i+6])<<16|uint32(b[i+7])<<24)
	}
	if i+8 > len(b) {
		t.Fatalf("%s: no data chunk", path)
	}
	d := b[i+8:]
	s := make([]float32, len(d)/2)
	for k := range s {
		s[k] = float32(int16(uint16(d[2*k])|uint16(d[2*k+1])<<8)) / 32768
	}
	return s
}
