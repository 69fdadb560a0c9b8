package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// kernelShare is one exported kernel's share of a model's predict time.
type kernelShare struct {
	kernel string
	pct    float64 // cumulative %, of the samples of the profile
}

var pprofKernel = regexp.MustCompile(`^github\.com/pwagen/pwagen/kernels\.([A-Z]\w*)$`)

// parseKernelShares reads `go tool pprof -top -cum` output and keeps the
// exported functions of package kernels (what the generated code calls),
// largest first. A kernel that calls another exported kernel counts it
// too (cumulative time).
func parseKernelShares(top string) []kernelShare {
	var out []kernelShare
	sc := bufio.NewScanner(strings.NewReader(top))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 {
			continue
		}
		m := pprofKernel.FindStringSubmatch(f[len(f)-1])
		if m == nil {
			continue
		}
		pct, err := strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
		if err != nil {
			continue
		}
		out = append(out, kernelShare{m[1], pct})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].pct > out[j].pct })
	return out
}

// nativeKernelShares profiles the generated Go natively (go test -bench
// -cpuprofile, pure-Go kernels) and returns each kernel's share.
func nativeKernelShares(ctx context.Context, e *env, project, weights string) ([]kernelShare, error) {
	pkgDir := filepath.Join(project, "model")
	tmp := filepath.Join(e.o.work, "overlay")
	os.MkdirAll(tmp, 0o755)
	src := filepath.Join(tmp, "zz_pwagen_bench_test.go")
	if err := os.WriteFile(src, []byte(benchTestGo), 0o644); err != nil {
		return nil, err
	}
	ov, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(pkgDir, "zz_pwagen_bench_test.go"): src}})
	ovFile := filepath.Join(tmp, "overlay-prof.json")
	if err := os.WriteFile(ovFile, ov, 0o644); err != nil {
		return nil, err
	}
	prof := filepath.Join(tmp, "cpu.prof")
	if _, _, err := measure(ctx, command{dir: pkgDir, env: []string{"PWAGEN_BENCH_WEIGHTS=" + weights, "PWAGEN_BENCH_BATCH=1"},
		name: "go", args: []string{"test", "-overlay", ovFile, "-run", "^$", "-bench", "BenchmarkPwagenBenchPredict", "-benchtime", "2s", "-cpuprofile", prof, "-o", filepath.Join(tmp, "model.test"), "."}}); err != nil {
		return nil, err
	}
	_, out, err := measure(ctx, command{dir: pkgDir, name: "go", args: []string{"tool", "pprof", "-top", "-cum", "-nodecount=200", filepath.Join(tmp, "model.test"), prof}})
	if err != nil {
		return nil, err
	}
	s := parseKernelShares(string(out))
	if len(s) == 0 {
		return nil, fmt.Errorf("no kernel in the profile:\n%s", tail(string(out)))
	}
	return s, nil
}
