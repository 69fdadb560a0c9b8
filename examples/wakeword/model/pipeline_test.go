package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/ci"
	"github.com/pwagen/pwagen/internal/npy"
)

const (
	wakeDir = "../../../testdata/onnx/wakeword"
	// scoreTol is how far a chunk's score may be from onnxruntime-node's
	// (ref/*.json, openWakeWord's framing). Measured: at most 4e-5 (kernels'
	// summation order in the STFT convolutions and the 20 convolutions of the
	// embedding model); the bar leaves room for another CPU's float
	// rounding, and stays far below what moves a detection (0.5).
	scoreTol = 2e-3
)

// TestMain: without the generated graphs (go generate not run) the tests
// skip, except in CI (CI=true), where it fetches the models, imports them
// and runs the tests again in a new go test, which compiles them in.
func TestMain(m *testing.M) {
	flag.Parse()
	if graphs == nil && ci.On() && os.Getenv("WAKEWORD_REEXEC") == "" {
		os.Exit(generateAndRerun())
	}
	os.Exit(m.Run())
}

func generateAndRerun() int {
	gen := exec.Command("go", "generate", ".")
	gen.Stdout, gen.Stderr = os.Stdout, os.Stderr
	if err := gen.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "go generate (fetch openWakeWord's models from npm):", err)
		return 1
	}
	args := []string{"test", "-count=1"}
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		args = append(args, "-run", f.Value.String())
	}
	if f := flag.Lookup("test.timeout"); f != nil && f.Value.String() != "0s" {
		args = append(args, "-timeout", f.Value.String())
	}
	if f := flag.Lookup("test.short"); f != nil && f.Value.String() == "true" {
		args = append(args, "-short")
	}
	if f := flag.Lookup("test.v"); f != nil && f.Value.String() == "true" {
		args = append(args, "-v")
	}
	rerun := exec.Command("go", append(args, ".")...)
	rerun.Env = append(os.Environ(), "WAKEWORD_REEXEC=1")
	rerun.Stdout, rerun.Stderr = os.Stdout, os.Stderr
	if err := rerun.Run(); err != nil {
		return 1
	}
	return 0
}

var weightsLoaded bool

// need skips the test when the models are not imported, and loads the
// weights once.
func need(t testing.TB) {
	t.Helper()
	if err := imported(); err != nil {
		t.Skipf("%v (skipped outside CI; in CI, with CI=true, the test fetches them)", err)
	}
	if weightsLoaded {
		return
	}
	b, err := readFile("../weights/model.bin", 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := load(b); err != nil {
		t.Fatal(err)
	}
	weightsLoaded = true
}

// ref is one of testdata/onnx/wakeword/ref/*.json.
type ref struct {
	WAV      string `json:"wav"`
	SHA256   string `json:"sha256"`
	Framings map[string]map[string]struct {
		Max    float64   `json:"max"`
		Scores []float64 `json:"scores"`
	} `json:"framings"`
	ByDelay struct {
		Delays     []int     `json:"delays"`
		HeyMycroft []float64 `json:"hey_mycroft"`
	} `json:"openwakeword_max_by_delay"`
}

func readRef(t testing.TB, name string) (ref, []float32) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(wakeDir, "ref", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var r ref
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s.json: %v", name, err)
	}
	w, err := os.ReadFile(filepath.Join(wakeDir, r.WAV))
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(w); hex.EncodeToString(sum[:]) != r.SHA256 {
		t.Fatalf("%s: sha256 differs from the one ref/%s.json was made from; remake the references (node bench/node/wakeword_ref.mjs)", r.WAV, name)
	}
	s, err := readWAV(r.WAV, w)
	if err != nil {
		t.Fatal(err)
	}
	return r, s
}

// stream resets the stream and returns the score of every whole chunk.
func stream(t testing.TB, samples []float32) []float32 {
	t.Helper()
	nan := make([]float32, inputLen)
	nan[0] = float32(math.NaN())
	if p, err := predict(nan); err != nil || len(p) != 1 || p[0] != 0 {
		t.Fatalf("reset chunk: %v, %v; want [0]", p, err)
	}
	var scores []float32
	for c := 0; c+inputLen <= len(samples); c += inputLen {
		p, err := predict(samples[c : c+inputLen])
		if err != nil {
			t.Fatal(err)
		}
		scores = append(scores, p[0])
	}
	return scores
}

func maxOf(s []float32) float32 {
	m := float32(0)
	for _, v := range s {
		m = max(m, v)
	}
	return m
}

// wavs are the test clips, and whether the phrase is in them.
var wavs = []struct {
	name   string
	phrase bool
}{
	{"hey_mycroft_en-us-f2_150_tempo1.1", true},
	{"hey_mycroft_en-us-f2_150_tempo1.15_pitch150", true},
	{"hey_mycroft_en-us-klatt2_150_tempo1.1", true},
	{"hey_mycroft_en-us_165_pitch200", true},
	{"other_mick-roft_en-us_150", false},
	{"other_weather_en-gb-f3_140", false},
	{"other_weather_en-us_150", false},
	{"alexa_en-us_150", false},
	{"alexa_en-gb-f2_130", false},
	{"silence", false},
}

// TestScoresMatchOnnxruntime: chunk by chunk, the pipeline's scores are
// onnxruntime-node's in openWakeWord's framing (within scoreTol), and the
// phrase is detected (score ≥ 0.5) in the hey_mycroft clips and nowhere else.
func TestScoresMatchOnnxruntime(t *testing.T) {
	need(t)
	for _, w := range wavs {
		t.Run(w.name, func(t *testing.T) {
			r, samples := readRef(t, w.name)
			want := r.Framings["openwakeword"]["hey_mycroft"].Scores
			got := stream(t, samples)
			if len(got) != len(want) {
				t.Fatalf("%d chunks, onnxruntime-node has %d", len(got), len(want))
			}
			worst := 0.0
			for i := range got {
				d := math.Abs(float64(got[i]) - want[i])
				worst = max(worst, d)
				if d > scoreTol {
					t.Errorf("chunk %d: score %.7g, onnxruntime-node %.7g (off by %.3g, the bar is %g)", i, got[i], want[i], d, scoreTol)
				}
			}
			m := maxOf(got)
			t.Logf("max %.4f (onnxruntime-node %.4f), worst chunk off by %.2g", m, r.Framings["openwakeword"]["hey_mycroft"].Max, worst)
			if (m >= 0.5) != w.phrase {
				t.Errorf("max score %.4f: detected = %v, want %v", m, m >= 0.5, w.phrase)
			}
		})
	}
}

// TestDelays: a microphone starts anywhere within a chunk. With the clip
// delayed by 0 to 1120 samples, the max score is onnxruntime-node's, and a
// clip the browser test uses (openwakeword_max_by_delay ≥ 0.967 at every
// delay) is detected at every delay.
func TestDelays(t *testing.T) {
	need(t)
	if testing.Short() {
		t.Skip("-short: 8 delays of a clip")
	}
	// The weakest of the browser's clips (0.967 at every delay); the others
	// are checked at delay 0 above, and from a live start in Chromium.
	for _, name := range []string{"hey_mycroft_en-us-f2_150_tempo1.15_pitch150"} {
		t.Run(name, func(t *testing.T) {
			r, samples := readRef(t, name)
			browser := true
			for _, m := range r.ByDelay.HeyMycroft {
				browser = browser && m >= 0.967
			}
			for i, d := range r.ByDelay.Delays {
				delayed := append(make([]float32, d), samples...)
				m := maxOf(stream(t, delayed))
				want := r.ByDelay.HeyMycroft[i]
				if math.Abs(float64(m)-want) > scoreTol {
					t.Errorf("delay %d: max %.7g, onnxruntime-node %.7g", d, m, want)
				}
				if browser && m < 0.5 {
					t.Errorf("delay %d: max %.4f, not detected", d, m)
				}
			}
		})
	}
}

func readNpy(t testing.TB, name string) *npy.Array {
	t.Helper()
	a, err := npy.ReadFile(filepath.Join(wakeDir, "ref", name), 16<<20)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// closeTo checks got against want within tol of want's largest magnitude.
func closeTo(t testing.TB, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = max(scale, math.Abs(float64(w)))
	}
	worst, at := 0.0, 0
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	t.Logf("%s: worst difference %.3g (value %d), %.2g of the scale %.3g", what, worst, at, worst/scale, scale)
	if !(worst <= tol*scale) {
		t.Errorf("%s: value %d is %g, onnxruntime-node says %g (off by %.3g; the bar is %g of the scale %.3g)", what, at, got[at], want[at], worst, tol, scale)
	}
}

// TestLayers checks each graph against onnxruntime-node's tensors for
// hey_mycroft_en-us-f2_150_tempo1.1.wav (ref/*.npy): the mel spectrogram of
// the whole clip, the embeddings of its 34 windows, and the head on the last
// 16.
func TestLayers(t *testing.T) {
	need(t)
	const prefix = "hey_mycroft_en-us-f2_150_tempo1.1"
	in := readNpy(t, prefix+".mel_input.npy").Float32()
	wantMel := readNpy(t, prefix+".mel.npy")
	// The mel graph takes 1760 samples (8 frames): frames 8k..8k+7 come from
	// samples 1280k on. Its last step clips at the max over its input − 80 dB;
	// onnxruntime-node ran the whole clip at once, so clip again at the
	// whole clip's max − 80 (the window's own floor is never higher).
	// 8 frames need 1632 samples; the last window is padded with zeros,
	// which only the 8.8th frame would see.
	frames := wantMel.Shape[2]
	mel := make([]float32, frames*melBins)
	padded := append(append([]float32(nil), in...), make([]float32, melIn)...)
	for f := 0; f < frames; f += 8 {
		f0 := min(f, frames-8)
		m, err := graphs.mel(padded[f0*160 : f0*160+melIn])
		if err != nil {
			t.Fatal(err)
		}
		copy(mel[f0*melBins:], m)
	}
	top := float32(math.Inf(-1))
	for _, v := range mel {
		top = max(top, v)
	}
	for i, v := range mel {
		mel[i] = max(v, top-80)
	}
	closeTo(t, "mel", mel, wantMel.Float32(), 1e-4)

	embIn := readNpy(t, prefix+".embedding_input.npy")
	wantEmb := readNpy(t, prefix+".embedding.npy").Float32()
	var emb []float32
	x := embIn.Float32()
	for w := 0; w < embIn.Shape[0]; w++ {
		e, err := graphs.emb(x[w*window*melBins : (w+1)*window*melBins])
		if err != nil {
			t.Fatal(err)
		}
		emb = append(emb, e...)
	}
	closeTo(t, "embedding", emb, wantEmb, 1e-4)

	h, err := graphs.head(wantEmb[len(wantEmb)-history*embLen:])
	if err != nil {
		t.Fatal(err)
	}
	var layers struct {
		Layers struct {
			Heads map[string]float64 `json:"heads_on_last_16_embeddings"`
		} `json:"layers"`
	}
	b, _ := os.ReadFile(filepath.Join(wakeDir, "ref", prefix+".json"))
	if err := json.Unmarshal(b, &layers); err != nil {
		t.Fatal(err)
	}
	if want := layers.Layers.Heads["hey_mycroft"]; math.Abs(float64(h[0])-want) > 1e-5 {
		t.Errorf("head on the last 16 embeddings: %g, onnxruntime-node %g", h[0], want)
	}
}

// TestResetAndErrors: a NaN chunk starts a new stream (the same clip twice
// gives the same scores), and a chunk of the wrong length is refused with
// what to send.
func TestResetAndErrors(t *testing.T) {
	need(t)
	_, samples := readRef(t, "hey_mycroft_en-us-f2_150_tempo1.1")
	a := stream(t, samples[:20*inputLen])
	b := stream(t, samples[:20*inputLen])
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("chunk %d: %g, then %g after a reset", i, a[i], b[i])
		}
	}
	for _, n := range []int{0, 1, inputLen - 1, inputLen + 1, 2 * inputLen} {
		_, err := predict(make([]float32, n))
		if err == nil || !strings.Contains(err.Error(), "want one chunk of 1280") {
			t.Errorf("%d samples: error %v, want one that says a chunk is 1280 samples", n, err)
		}
	}
}

// BenchmarkPredict is the time of one 80 ms chunk natively (the three
// graphs, one run each).
func BenchmarkPredict(b *testing.B) {
	need(b)
	_, samples := readRef(b, "hey_mycroft_en-us-f2_150_tempo1.1")
	stream(b, samples[:inputLen])
	chunk := samples[20*inputLen : 21*inputLen]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := predict(chunk); err != nil {
			b.Fatal(err)
		}
	}
}
