package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pwagen/pwagen/bench/fixture"
)

// tool is one way of packaging a fixture, measured as a list of commands
// run one after the other (wall times add up, peak memory is the largest).
type tool struct {
	name string
	cmds func(run int) []command
	prep func(run int) error // before each run, not timed
	warm int                 // warm-up runs (0 for cold-cache rows)
	runs int
}

func (t tool) measure(ctx context.Context) ([]sample, [][]byte, error) {
	var outs [][]byte
	run := 0
	ss, err := series(t.warm, t.runs, func() error {
		run++
		if t.prep != nil {
			return t.prep(run)
		}
		return nil
	}, func() (sample, error) {
		var total sample
		var last []byte
		for _, c := range t.cmds(run) {
			s, out, err := measure(ctx, c)
			if err != nil {
				return sample{}, err
			}
			total.wall += s.wall
			total.maxRSS = max(total.maxRSS, s.maxRSS)
			last = out
		}
		outs = append(outs, last)
		return total, nil
	})
	if len(outs) > len(ss) {
		outs = outs[len(outs)-len(ss):]
	}
	return ss, outs, err
}

func packagingSection(ctx context.Context, e *env) (string, error) {
	var b strings.Builder
	b.WriteString("Wall time and peak resident memory (ru_maxrss of the process and its children, from wait4) of each way of turning the same fixture into a deployable offline app. ")
	b.WriteString("pwagen runs in a child process; \"compile excluded\" runs the same packager on the prebuilt .wasm (the bench's `_package` mode sets `packager.Build.Wasm` before `packager.Run`, so the `compile model` stage skips `go build`), which is what the Node tools get too: they do not compile Go. ")
	b.WriteString("(a) is `node workbox-prep.mjs` (esbuild bundles and minifies app.js and style.css, html-minifier-terser minifies index.html, other files, the .wasm and the weights are copied) then `workbox generateSW`; (b) is `vite build` with vite-plugin-pwa. ")
	b.WriteString("Both precache the shell and cache the .wasm and weights at run time (CacheFirst), the closest Workbox gets to what pwagen's service worker and loader do. Ratios are against pwagen with the compile excluded.\n\n")
	if err := e.npm(ctx); err != nil {
		return b.String(), err
	}
	specs := []fixture.Spec{fixture.Default}
	if !e.o.quick {
		specs = append(specs, fixture.Large)
	}
	for _, s := range specs {
		body, err := packageFixture(ctx, e, s)
		b.WriteString(body)
		if err != nil {
			return b.String(), fmt.Errorf("%s fixture: %w", s.Name, err)
		}
	}
	return b.String(), nil
}

func packageFixture(ctx context.Context, e *env, s fixture.Spec) (string, error) {
	dir, err := e.fixture(s)
	if err != nil {
		return "", err
	}
	wasm, err := e.wasm(ctx, dir, "")
	if err != nil {
		return "", err
	}
	out := filepath.Join(e.o.work, "out", s.Name)
	os.MkdirAll(out, 0o755)
	cacheEnv := []string{"XDG_CACHE_HOME=" + e.cache}
	clean := func(d string) func(int) error { return func(int) error { return os.RemoveAll(d) } }
	pw, wb, vt := filepath.Join(out, "pwagen"), filepath.Join(out, "workbox"), filepath.Join(out, "vite")
	pub, err := vitePublic(e, dir, wasm, filepath.Join(out, "vite-public"))
	if err != nil {
		return "", err
	}
	rev := filepath.Join(dir, "model", "zz_bench_rev.go")
	defer os.Remove(rev)
	cold := e.o.runs
	if e.o.quick {
		cold = 1
	}
	tools := []tool{
		{name: "pwagen package, compile excluded", prep: clean(pw), warm: 1, runs: e.o.runs,
			cmds: func(int) []command {
				return []command{{dir: dir, env: cacheEnv, name: e.self, args: []string{childCmd, "--wasm", wasm, dir, pw}}}
			}},
		{name: "pwagen package, compile excluded, new weights (no cached validator run)", warm: 1, runs: e.o.runs,
			prep: func(int) error {
				// New weights: neither their shard index nor the validator's run is cached.
				os.RemoveAll(filepath.Join(e.cache, "pwagen", "wazero", "pwagen-weights"))
				os.RemoveAll(filepath.Join(e.cache, "pwagen", "wazero", "pwagen-runs"))
				return os.RemoveAll(pw)
			},
			cmds: func(int) []command {
				return []command{{dir: dir, env: cacheEnv, name: e.self, args: []string{childCmd, "--wasm", wasm, dir, pw}}}
			}},
		{name: "pwagen package, model unchanged (Go cache hit)", prep: clean(pw), warm: 1, runs: e.o.runs,
			cmds: func(int) []command {
				return []command{{dir: dir, env: cacheEnv, name: e.pwagen, args: []string{"package", "-q", "--out", pw, dir}}}
			}},
		{name: "pwagen package, model edited (recompile + link)", warm: 1, runs: e.o.runs,
			prep: func(run int) error {
				os.RemoveAll(pw)
				return os.WriteFile(rev, fmt.Appendf(nil, "package main\n\nconst benchRev = %d\n", time.Now().UnixNano()), 0o644)
			},
			cmds: func(int) []command {
				return []command{{dir: dir, env: cacheEnv, name: e.pwagen, args: []string{"package", "-q", "--out", pw, dir}}}
			}},
		{name: "pwagen package, empty Go and validator caches (first build)", runs: cold,
			prep: func(run int) error {
				os.Remove(rev)
				os.RemoveAll(pw)
				return os.RemoveAll(filepath.Join(e.o.work, "coldcache"))
			},
			cmds: func(int) []command {
				c := filepath.Join(e.o.work, "coldcache")
				return []command{{dir: dir, env: []string{"GOCACHE=" + filepath.Join(c, "go"), "XDG_CACHE_HOME=" + filepath.Join(c, "xdg")}, name: e.pwagen, args: []string{"package", "-q", "--out", pw, dir}}}
			}},
		{name: "go build of the model alone, edited (reference)", warm: 1, runs: e.o.runs,
			prep: func(run int) error {
				return os.WriteFile(rev, fmt.Appendf(nil, "package main\n\nconst benchRev = %d\n", time.Now().UnixNano()), 0o644)
			},
			cmds: func(int) []command {
				return []command{{dir: dir, env: wasmEnv, name: "go", args: append(append([]string{}, wasmFlags...), "-o", filepath.Join(out, "edited.wasm"), "./model")}}
			}},
		{name: "(a) esbuild + html-minifier-terser + workbox generateSW", prep: clean(wb), warm: 1, runs: e.o.runs,
			cmds: func(int) []command {
				return []command{
					{dir: e.node, name: "node", args: []string{"workbox-prep.mjs", dir, wasm, wb}},
					{dir: e.node, env: []string{"WB_OUT=" + wb}, name: filepath.Join(e.node, "node_modules", ".bin", "workbox"), args: []string{"generateSW", "workbox-config.cjs"}},
				}
			}},
		{name: "(b) vite build + vite-plugin-pwa", prep: clean(vt), warm: 1, runs: e.o.runs,
			cmds: func(int) []command {
				return []command{{dir: e.node, env: []string{"BENCH_WEB=" + filepath.Join(dir, "web"), "BENCH_PUBLIC=" + pub, "BENCH_OUT=" + vt},
					name: filepath.Join(e.node, "node_modules", ".bin", "vite"), args: []string{"build", "--config", "vite.config.mjs"}}}
			}},
	}
	// Rows 8 to 10: what the caches of icons and precompressed files save,
	// and what precompression costs.
	cacheSub := func(sub string) string { return filepath.Join(e.cache, "pwagen", "wazero", sub) }
	pwChild := func(extra ...string) func(int) []command {
		return func(int) []command {
			args := append([]string{childCmd, "--wasm", wasm}, extra...)
			return []command{{dir: dir, env: cacheEnv, name: e.self, args: append(args, dir, pw)}}
		}
	}
	tools = append(tools,
		tool{name: "pwagen package, compile excluded, new icon (no cached icons)", warm: 1, runs: e.o.runs,
			prep: func(int) error {
				os.RemoveAll(cacheSub("pwagen-icons"))
				return os.RemoveAll(pw)
			}, cmds: pwChild()},
		tool{name: "pwagen package, compile excluded, [deploy] precompress = false", prep: clean(pw), warm: 1, runs: e.o.runs, cmds: pwChild("--no-precompress")},
		tool{name: "pwagen package, compile excluded, new .wasm (no cached .br/.gz)", runs: 1,
			prep: func(int) error {
				os.RemoveAll(cacheSub("pwagen-precompressed"))
				return os.RemoveAll(pw)
			}, cmds: pwChild()},
	)
	large := s.WeightsBytes > fixture.Default.WeightsBytes
	if large { // the validator runs the model with 256 MiB of weights: keep the run short
		tools = []tool{tools[0], tools[1], tools[6], tools[7]}
		for i := range tools {
			tools[i].warm = 0
		}
	}
	var rows [][]string
	var base stats
	var stages []childResult
	results := map[string]stats{}
	for i, t := range tools {
		logf("   %s: %s", s.Name, t.name)
		ss, outs, err := t.measure(ctx)
		if err != nil {
			return "", fmt.Errorf("%s: %w", t.name, err)
		}
		st := summarize(ss)
		results[t.name] = st
		if i == 0 {
			base = st
			for _, o := range outs {
				var r childResult
				if json.Unmarshal(o, &r) == nil {
					stages = append(stages, r)
				}
			}
		}
		rows = append(rows, []string{t.name, fmt.Sprint(st.n), wallRange(st), ratio(float64(st.wall), float64(base.wall)), mib(st.rss), ratio(float64(st.rss), float64(base.rss))})
	}
	os.Remove(rev)
	if s.Name == fixture.Default.Name {
		e.dists["pwagen"], e.dists["workbox"], e.dists["vite"] = pw, wb, vt
		e.dists["project"] = dir
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s fixture: %s of weights, %d web files\n\n", s.Name, kb(fixture.WeightsSize(fixture.Hidden(s.WeightsBytes))), s.Assets)
	b.WriteString(table([]string{"tool", "runs", "wall median (range)", "× pwagen", "peak RSS", "× pwagen"}, rows))
	b.WriteString("\n")
	b.WriteString(stageTable(stages))
	if large {
		b.WriteString("No warm-up run for this fixture, and only the tools that do not compile Go: the rows that compile are the same as for the default fixture plus this row's difference.\n\n")
		b.WriteString(largeAnalysis(results, tools))
	} else {
		b.WriteString(packagingAnalysis(s, results, tools))
	}
	return b.String(), nil
}

// vitePublic is the public/ folder a Vite user would keep: the icon, the
// model and the weights, copied as they are (hard links here).
func vitePublic(e *env, dir, wasm, pub string) (string, error) {
	os.RemoveAll(pub)
	if err := os.MkdirAll(filepath.Join(pub, "weights"), 0o755); err != nil {
		return "", err
	}
	for src, dst := range map[string]string{
		filepath.Join(dir, "web", "icon.png"): "icon.png",
		wasm:                                  "model.wasm",
		filepath.Join(dir, "weights", "model.bin"): "weights/model.bin",
	} {
		if err := os.Link(src, filepath.Join(pub, dst)); err != nil {
			return "", err
		}
	}
	return pub, nil
}

// stageTable shows where pwagen's time goes: the median of each stage over
// the compile-excluded runs.
func stageTable(runs []childResult) string {
	if len(runs) == 0 {
		return ""
	}
	byName := map[string][]float64{}
	var names []string
	var writes, totals []float64
	for _, r := range runs {
		for _, s := range r.Stages {
			if _, ok := byName[s.Name]; !ok {
				names = append(names, s.Name)
			}
			byName[s.Name] = append(byName[s.Name], s.Ms)
		}
		writes = append(writes, r.Write)
		totals = append(totals, r.Total)
	}
	total := medianOf(totals)
	var rows [][]string
	for _, n := range names {
		m := medianOf(byName[n])
		rows = append(rows, []string{n, fmtMs(m), fmt.Sprintf("%.0f%%", 100*m/total)})
	}
	w := medianOf(writes)
	rows = append(rows, []string{"write OUT", fmtMs(w), fmt.Sprintf("%.0f%%", 100*w/total)})
	rows = append(rows, []string{"**in-process total**", fmtMs(total), "100%"})
	return "pwagen's stages (compile excluded, in-process; the median of each stage, so the shares need not add up to 100%):\n\n" + table([]string{"stage", "median", "share"}, rows) + "\n"
}

func fmtMs(v float64) string { return ms(time.Duration(v * float64(time.Millisecond))) }

func packagingAnalysis(s fixture.Spec, r map[string]stats, tools []tool) string {
	get := func(i int) stats { return r[tools[i].name] }
	pw, fresh, hit, edit, cold, gob, wb, vt := get(0), get(1), get(2), get(3), get(4), get(5), get(6), get(7)
	var b strings.Builder
	b.WriteString("Analysis: ")
	fmt.Fprintf(&b, "with the compile excluded pwagen takes %s against %s for Workbox's pipeline (%s) and %s for Vite (%s), in %s of memory against %s and %s. ",
		secs(pw.wall), secs(wb.wall), ratio(float64(wb.wall), float64(pw.wall)), secs(vt.wall), ratio(float64(vt.wall), float64(pw.wall)), mib(pw.rss), mib(wb.rss), mib(vt.rss))
	b.WriteString("pwagen is one Go process that bundles with esbuild's Go API and minifies with tdewolff/minify in memory; the Node pipelines start Node (twice for Workbox) and load their bundlers, and `workbox generateSW` bundles the Workbox runtime chunk again on every build. ")
	b.WriteString("pwagen also does work they do not: it hashes the weights in 4 MiB shards (SHA-256), resizes the icon to 192, 512 and maskable PNGs, writes the manifest and CSP, validates the model under wazero, and writes host configs for ten hosts; the stage table shows what each costs. ")
	fmt.Fprintf(&b, "The first row re-packages an unchanged model and weights, so the validator takes its measured run, and the shards their SHA-256, from pwagen's cache; packaging new weights (%s) hashes them and runs the model under wazero again, beside the other stages (the stage table's validator row). ", secs(fresh.wall))
	fmt.Fprintf(&b, "With the Go compile, an unchanged model is a Go cache hit (%s in all); an edited model costs a recompile and link (%s in all, of which `go build` alone is %s); a first build on an empty Go cache compiles the runtime and standard library for wasm (%s). ",
		secs(hit.wall), secs(edit.wall), secs(gob.wall), secs(cold.wall))
	fmt.Fprintf(&b, "A Workbox or Vite user must run that same `go build` too, so their total for an edited model is about %s and %s. ",
		secs(wb.wall+gob.wall), secs(vt.wall+gob.wall))
	if len(tools) > 10 {
		icon, nopre, newWasm := get(8), get(9), get(10)
		fmt.Fprintf(&b, "Resized icons are cached by the source's SHA-256 and precompressed files by their content: re-packaging is %s faster than Workbox's pipeline and %s faster than Vite (goal 20×); with a new icon (no cached icons: decode, box halving, Catmull-Rom, PNG at BestSpeed) pwagen takes %s, %s and %s faster (goal 10×). ",
			ratio(float64(wb.wall), float64(pw.wall)), ratio(float64(vt.wall), float64(pw.wall)), secs(icon.wall), ratio(float64(wb.wall), float64(icon.wall)), ratio(float64(vt.wall), float64(icon.wall)))
		cost := "no cost above the noise"
		if d := pw.wall - nopre.wall; d > 0 {
			cost = secs(d)
		}
		fmt.Fprintf(&b, "Precompression (a .br, brotli 11 up to 1 MiB and 9 above, and a .gz at gzip 9 beside each compressible file) has %s with its cache warm (%s with `[deploy] precompress = false`, against %s with it), and takes %s in all on a new .wasm, whose brotli is most of that (one run); an edited model pays it once per distinct .wasm.",
			cost, secs(nopre.wall), secs(pw.wall), secs(newWasm.wall))
	}
	b.WriteString("\n\n")
	return b.String()
}

func largeAnalysis(r map[string]stats, tools []tool) string {
	pw, fresh, wb, vt := r[tools[0].name], r[tools[1].name], r[tools[2].name], r[tools[3].name]
	return fmt.Sprintf("Analysis: with 256 MiB of weights, re-packaging (the weights unchanged, the validator's run cached) takes %s against %s (Workbox pipeline, %s) and %s (Vite, %s); peak memory %s against %s and %s. "+
		"The first package of new weights takes %s in %s: pwagen hashes them shard by shard, and its validator loads them into the model under wazero and runs it (then again with each kernel variant, if the model uses kernels) to measure its memory, which the Node tools do not do; they only copy the weights file. Section 6 shows how that first package grows with the weights. ",
		secs(pw.wall), secs(wb.wall), ratio(float64(wb.wall), float64(pw.wall)), secs(vt.wall), ratio(float64(vt.wall), float64(pw.wall)), mib(pw.rss), mib(wb.rss), mib(vt.rss), secs(fresh.wall), mib(fresh.rss)) +
		fmt.Sprintf("The measured run's linear memory lives in an anonymous mapping that never moves (validate/linmem_linux.go), so growing it copies nothing: the first package's peak of %s is %s over the weights (goal: at most 96 MiB over).\n\n",
			mib(fresh.rss), mib(max(0, fresh.rss-fixture.WeightsSize(fixture.Hidden(fixture.Large.WeightsBytes)))))
}
