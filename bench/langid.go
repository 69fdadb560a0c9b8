package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/kernels/modules"
)

// langidWord is the word the langid section times: per-call cost does not
// depend on the word (the model always runs all 24 positions).
const langidWord = "sprachwissenschaft"

// langidInput is the v1 ABI input of examples/langid for word: the ids
// then the mask, as float32 values (the trainer's tokenizer: lower case,
// id i+2 for the i-th character of train/vocab.json, 1 for others; word is
// already NFC).
func langidInput(dir, word string) ([]float32, error) {
	b, err := os.ReadFile(filepath.Join(dir, "train", "vocab.json"))
	if err != nil {
		return nil, err
	}
	var v struct {
		MaxLen int      `json:"max_len"`
		Chars  []string `json:"chars"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("train/vocab.json: %w", err)
	}
	index := map[rune]int{}
	for i, c := range v.Chars {
		index[[]rune(c)[0]] = i + 2
	}
	in := make([]float32, 2*v.MaxLen)
	for i, r := range []rune(strings.ToLower(word)) {
		if i == v.MaxLen {
			break
		}
		id, ok := index[r]
		if !ok {
			id = 1
		}
		in[i], in[v.MaxLen+i] = float32(id), 1
	}
	return in, nil
}

// langidNamed is in (ids then mask) as the loader's typed input.
func langidNamed(in []float32) map[string][]int64 {
	n := len(in) / 2
	ids, mask := make([]int64, n), make([]int64, n)
	for i := range n {
		ids[i], mask[i] = int64(in[i]), int64(in[n+i])
	}
	return map[string][]int64{"input_ids": ids, "attention_mask": mask}
}

// langidSection times examples/langid per word: natively (go test -bench
// of its predict), under wazero with the SIMD kernels and in Chromium
// (direct and through the loader), and counts its first visit's bytes.
func langidSection(ctx context.Context, e *env) (string, error) {
	dir := filepath.Join(e.o.repo, "examples", "langid")
	cfg, err := config.Load(dir)
	if err != nil {
		return "", err
	}
	in, err := langidInput(dir, langidWord)
	if err != nil {
		return "", err
	}
	wasmPath, err := e.wasm(ctx, dir, cfg.Model.Package)
	if err != nil {
		return "", err
	}
	weightsPath := cfg.Rel(cfg.Model.Weights)
	native, err := langidNative(ctx, e, cfg.Rel(cfg.Model.Package), weightsPath, in)
	if err != nil {
		return "", fmt.Errorf("native: %w", err)
	}
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return "", err
	}
	weights, err := os.ReadFile(weightsPath)
	if err != nil {
		return "", err
	}
	row := []string{"examples/langid (SIMD kernels)", fmtUs(native)}
	for _, v := range modules.Variants {
		wz, _, err := wazeroPredictWith(ctx, e.o.runs, wasm, weights, v, 1, func(i int) float32 { return in[i] })
		if err != nil {
			return "", fmt.Errorf("wazero %s: %w", v, err)
		}
		row = append(row, fmtUs(wz))
	}
	out := filepath.Join(e.o.work, "out", "langid")
	if err := packageWasm(ctx, e, dir, wasmPath, out, false); err != nil {
		return "", err
	}
	var page pageResult
	fwd, kern := kernelURLs(modules.SIMD)
	err = withPage(ctx, e, out, map[string]extraFile{
		"/__bench/model.wasm":  {path: wasmPath, ctype: "application/wasm"},
		"/__bench/weights.bin": {path: weightsPath, ctype: "application/octet-stream"},
	}, func(bctx context.Context) error {
		page, err = timeInPage(bctx, pageRun{Model: "/__bench/model.wasm", Fwd: fwd, Kern: kern, Weights: "/__bench/weights.bin", Batch: 1, Loader: true, Runs: e.o.runs, WarmMs: 1000,
			Input: in, Named: langidNamed(in)})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("chromium: %w", err)
	}
	row = append(row, fmtUs(page.Direct), fmtUs(page.Loader))
	first, reqs, err := langidFirstVisit(ctx, e, out)
	if err != nil {
		return "", fmt.Errorf("first visit: %w", err)
	}
	row = append(row, fmt.Sprintf("%s in %d requests", kb(first), reqs))
	var b strings.Builder
	fmt.Fprintf(&b, "Inference per word of examples/langid (a character-level transformer encoder imported from ONNX: 2 layers, d_model 64, 24 positions; the word %q, ids and mask through the v1 ABI), medians over batches. ", langidWord)
	b.WriteString("Native is `go test -bench` of the model's `predict` (pure-Go twins of the kernels); wazero (compiler) calls the packaged .wasm with each kernel module linked; Chromium direct calls it on a blank page's main thread with the SIMD kernels, and via loader is `loadModel().predict()` through pwagen.js's Web Worker. ")
	b.WriteString("First visit: the bytes the server sent (gzip where it compresses) for the app page, from an empty profile until the model is ready and the service worker controls the page.\n\n")
	b.WriteString(table([]string{"model", "native Go", "wazero, SIMD kernels", "wazero, scalar kernels", "Chromium direct", "Chromium via loader", "first visit"}, [][]string{row}))
	return b.String(), nil
}

// langidNative is µs per predict natively: a benchmark added with
// -overlay, on input in.
func langidNative(ctx context.Context, e *env, pkgDir, weights string, in []float32) (float64, error) {
	lit := make([]string, len(in))
	for i, v := range in {
		lit[i] = strconv.FormatFloat(float64(v), 'g', -1, 32)
	}
	src := strings.Replace(`package main

import (
	"os"
	"testing"
)

func BenchmarkPwagenLangid(b *testing.B) {
	w, err := os.ReadFile(os.Getenv("PWAGEN_BENCH_WEIGHTS"))
	if err != nil {
		b.Fatal(err)
	}
	if err := loadWeights(w); err != nil {
		b.Fatal(err)
	}
	in := []float32{INPUT}
	for b.Loop() {
		if _, err := predict(in); err != nil {
			b.Fatal(err)
		}
	}
}
`, "INPUT", strings.Join(lit, ", "), 1)
	tmp := filepath.Join(e.o.work, "overlay-langid")
	os.MkdirAll(tmp, 0o755)
	file := filepath.Join(tmp, "zz_pwagen_langid_test.go")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		return 0, err
	}
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(pkgDir, "zz_pwagen_langid_test.go"): file}})
	ovFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ovFile, ov, 0o644); err != nil {
		return 0, err
	}
	_, out, err := measure(ctx, command{dir: pkgDir, env: []string{"PWAGEN_BENCH_WEIGHTS=" + weights},
		name: "go", args: []string{"test", "-overlay", ovFile, "-run", "^$", "-bench", "BenchmarkPwagenLangid", "-benchtime", "300ms", "-count", strconv.Itoa(e.o.runs), "."}})
	if err != nil {
		return 0, err
	}
	var ns []float64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 4 && strings.HasPrefix(f[0], "BenchmarkPwagenLangid") && f[3] == "ns/op" {
			v, _ := strconv.ParseFloat(f[2], 64)
			ns = append(ns, v)
		}
	}
	if len(ns) == 0 {
		return 0, fmt.Errorf("no benchmark result in:\n%s", tail(string(out)))
	}
	return medianOf(ns) / 1000, nil
}

// langidFirstVisit opens the package's page in a fresh profile and counts
// what the server sent until the model is ready and the service worker
// controls the page.
func langidFirstVisit(ctx context.Context, e *env, dist string) (int64, int, error) {
	ctx, cancelRun := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelRun()
	srv, err := startServer(dist, nil)
	if err != nil {
		return 0, 0, err
	}
	defer srv.stop()
	bctx, cancel, err := browser(ctx, e.o.work)
	if err != nil {
		return 0, 0, err
	}
	defer cancel()
	srv.reset()
	if err := navigate(bctx, srv.URL); err != nil {
		return 0, 0, err
	}
	if err := waitFor(bctx, `document.documentElement.dataset.ready === 'true'`, `document.getElementById('status')?.textContent`, 120*time.Second); err != nil {
		return 0, 0, err
	}
	if err := waitFor(bctx, `navigator.serviceWorker.controller`, `'no controller'`, 30*time.Second); err != nil {
		return 0, 0, err
	}
	time.Sleep(500 * time.Millisecond)
	sent, reqs := srv.reset()
	return sent, reqs, nil
}
