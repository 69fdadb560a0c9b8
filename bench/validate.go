package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pwagen/pwagen/bench/fixture"
)

// validateSection times `pwagen validate --json FILE.wasm` with an empty
// wazero compilation cache (cold) and with the cache the warm-up filled.
func validateSection(ctx context.Context, e *env) (string, error) {
	iris := filepath.Join(e.o.work, "examples", "iris-validate")
	os.RemoveAll(iris)
	if _, _, err := measure(ctx, command{dir: e.o.work, name: e.pwagen, args: []string{"new", iris}}); err != nil {
		return "", err
	}
	fx, err := e.fixture(fixture.Default)
	if err != nil {
		return "", err
	}
	models := []struct{ name, dir string }{
		{"iris (default template)", iris},
		{"bench fixture model", fx},
	}
	var rows [][]string
	for _, m := range models {
		wasm, err := e.wasm(ctx, m.dir, "")
		if err != nil {
			return "", err
		}
		fi, _ := os.Stat(wasm)
		cache := filepath.Join(e.o.work, "validate-cache")
		cmd := func() (sample, error) {
			s, _, err := measure(ctx, command{dir: m.dir, env: []string{"XDG_CACHE_HOME=" + cache}, name: e.pwagen,
				args: []string{"validate", "--json", "--config", filepath.Join(m.dir, "pwagen.toml"), wasm}})
			return s, err
		}
		cold, err := series(0, e.o.runs, func() error { return os.RemoveAll(cache) }, cmd)
		if err != nil {
			return "", fmt.Errorf("cold: %w", err)
		}
		warm, err := series(1, e.o.runs, nil, cmd)
		if err != nil {
			return "", fmt.Errorf("warm: %w", err)
		}
		c, w := summarize(cold), summarize(warm)
		rows = append(rows, []string{m.name, kb(fi.Size()), wallRange(c), mib(c.rss), wallRange(w), mib(w.rss), ratio(float64(c.wall), float64(w.wall))})
	}
	var b strings.Builder
	b.WriteString("`pwagen validate --json --config PROJECT/pwagen.toml MODEL.wasm` as a child process. Cold empties the wazero compilation cache (under $XDG_CACHE_HOME/pwagen) before every run; warm reuses the cache the warm-up run filled.\n\n")
	b.WriteString(table([]string{"model", ".wasm", "cold", "peak RSS", "warm", "peak RSS", "cold ÷ warm"}, rows))
	b.WriteString("\nAnalysis: validation instantiates the model under wazero and runs it to measure its memory, so a cold run pays wazero's compile of the whole Go module (hundreds of milliseconds for 2 MB); the compilation cache, keyed by the module's SHA-256, turns that into a file read, and the rest (decoding, feature and ABI checks, a run with the weights) is small. `pwagen package` runs the same validation as a stage, with the same cache.\n")
	return b.String(), nil
}
