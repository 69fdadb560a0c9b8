package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pwagen/pwagen/bench/fixture"
	"github.com/pwagen/pwagen/packager"
)

type scaleCase struct {
	spec      fixture.Spec
	bytes     int64
	files     int
	pw, floor stats
	validate  float64 // median ms of the validator (packager.ValidatorStage), which runs beside the other stages
	wait      float64 // median ms the pipeline waited for it (the "validate model" stage): its share of the wall time
}

func scalingSection(ctx context.Context, e *env) (string, error) {
	weights := []int64{8 << 20, 64 << 20, 256 << 20}
	assets := []int{20, 200, 2000}
	if e.o.quick {
		weights, assets = weights[:2], assets[:2]
	}
	def, err := e.fixture(fixture.Default)
	if err != nil {
		return "", err
	}
	wasm, err := e.wasm(ctx, def, "")
	if err != nil {
		return "", err
	}
	measureCase := func(s fixture.Spec) (scaleCase, error) {
		c := scaleCase{spec: s}
		dir := def
		if s != fixture.Default {
			if dir, err = e.fixture(s); err != nil {
				return c, err
			}
		}
		c.bytes, c.files, err = treeSize(dir)
		if err != nil {
			return c, err
		}
		out := filepath.Join(e.o.work, "out", "scaling")
		// Every run is a first package of these weights: the validator's
		// cache of passing runs would otherwise skip the measured run.
		clean := func() error {
			os.RemoveAll(filepath.Join(e.cache, "pwagen", "wazero", "pwagen-weights"))
			os.RemoveAll(filepath.Join(e.cache, "pwagen", "wazero", "pwagen-runs"))
			return os.RemoveAll(out)
		}
		warm := 1
		if s.WeightsBytes >= 256<<20 {
			warm = 0 // about half a minute a run; the validator cache is warm from the smaller cases
		}
		var vals, waits []float64
		ss, err := series(warm, e.o.runs, clean, func() (sample, error) {
			s, out, err := measure(ctx, command{dir: dir, env: []string{"XDG_CACHE_HOME=" + e.cache}, name: e.self, args: []string{childCmd, "--wasm", wasm, dir, out}})
			var r childResult
			if json.Unmarshal(out, &r) == nil {
				for _, st := range r.Stages {
					switch st.Name {
					case packager.ValidatorStage: // the validator runs beside the stages
						vals = append(vals, st.Ms)
					case "validate model": // where the pipeline waits for it
						waits = append(waits, st.Ms)
					}
				}
			}
			return s, err
		})
		if len(vals) > 0 {
			c.validate = medianOf(vals)
		}
		if len(waits) > 0 {
			c.wait = medianOf(waits)
		}
		if err != nil {
			return c, err
		}
		c.pw = summarize(ss)
		ss, err = series(1, e.o.runs, clean, func() (sample, error) { return hashCopyFloor(dir, out) })
		if err != nil {
			return c, err
		}
		c.floor = summarize(ss)
		os.RemoveAll(out)
		return c, nil
	}
	var wcases, acases []scaleCase
	var failed []string
	for _, w := range weights {
		s := fixture.Spec{Name: fmt.Sprintf("w%dm-a20", w>>20), WeightsBytes: w, Assets: 20}
		if w == fixture.Default.WeightsBytes {
			s = fixture.Default
		}
		logf("   weights %s", mib(w))
		c, err := measureCase(s)
		if err != nil {
			failed = append(failed, fmt.Sprintf("weights %s: not measured: %s", mib(w), oneLine(err.Error())))
			continue
		}
		wcases = append(wcases, c)
	}
	for _, a := range assets {
		s := fixture.Spec{Name: fmt.Sprintf("w8m-a%d", a), WeightsBytes: 8 << 20, Assets: a}
		if a == fixture.Default.Assets {
			if len(wcases) > 0 && wcases[0].spec == fixture.Default {
				acases = append(acases, wcases[0])
			}
			continue
		}
		logf("   assets %d", a)
		c, err := measureCase(s)
		if err != nil {
			failed = append(failed, fmt.Sprintf("%d web files: not measured: %s", a, oneLine(err.Error())))
			continue
		}
		acases = append(acases, c)
	}
	// Remove the big fixtures: they are regenerated next run.
	for _, c := range append(wcases, acases...) {
		if c.spec != fixture.Default {
			os.RemoveAll(filepath.Join(e.o.work, "fixtures", c.spec.Name))
		}
	}
	var b strings.Builder
	b.WriteString("`pwagen package` with the compile excluded (the bench's `_package --wasm`, in a child process), as the weights grow with 20 web files, and as the web files grow with 8 MiB of weights. ")
	b.WriteString("The floor is the plainest possible job on the same input, measured in the same run: read every file of the project, SHA-256 it and write a copy, in Go, one file after the other.\n\n")
	b.WriteString("The validator runs beside the other stages: \"validator\" is how long it ran, \"waited for\" how long the pipeline then waited for its report (the part of the wall time it costs), and the last column takes only that wait out.\n\n")
	head := []string{"case", "input", "files", "pwagen", "validator (waited for)", "peak RSS", "floor (SHA-256 + copy)", "× floor", "pwagen without the wait × floor"}
	row := func(name string, c scaleCase) []string {
		v := time.Duration(c.validate * float64(time.Millisecond))
		w := time.Duration(c.wait * float64(time.Millisecond))
		return []string{name, kb(c.bytes), fmt.Sprint(c.files), wallRange(c.pw), secs(v) + " (" + secs(w) + ")", mib(c.pw.rss), secs(c.floor.wall), ratio(float64(c.pw.wall), float64(c.floor.wall)),
			ratio(float64(c.pw.wall-w), float64(c.floor.wall))}
	}
	var rows [][]string
	for _, c := range wcases {
		rows = append(rows, row(fmt.Sprintf("weights %s, 20 files", mib(c.spec.WeightsBytes)), c))
	}
	for _, c := range acases {
		if c.spec != fixture.Default {
			rows = append(rows, row(fmt.Sprintf("weights 8 MiB, %d files", c.spec.Assets), c))
		}
	}
	b.WriteString(table(head, rows))
	for _, f := range failed {
		b.WriteString("\n" + f + "\n")
	}
	b.WriteString("\nAnalysis: ")
	b.WriteString(linearity("weights", wcases, func(c scaleCase) float64 { return float64(c.spec.WeightsBytes) / (1 << 20) }, "MiB"))
	b.WriteString(linearity("web files", acases, func(c scaleCase) float64 { return float64(c.spec.Assets) }, "file"))
	b.WriteString("The packager itself streams the weights (SHA-256 per 4 MiB shard, then a section copy when writing OUT); the cost that grows with them, in time and in memory, is the validate stage, which loads the weights into the model under wazero and runs it to measure its memory at peak. ")
	b.WriteString("Every size packages with `hosts = []` (every host, the template's default): the host configs group their Cache-Control rules by folder or by extension, so Cloudflare Pages' 100 `_headers` rules and Azure Static Web Apps' 20 KB config hold for any number of files. ")
	if n := len(acases); n > 0 {
		if c := acases[n-1]; c.pw.wall < 2*c.floor.wall {
			fmt.Fprintf(&b, "At %d web files pwagen comes within %s of the floor: both are dominated by creating that many files on this file system. ", c.spec.Assets, ratio(float64(c.pw.wall), float64(c.floor.wall)))
		}
	}
	b.WriteString("For small packages the fixed costs (icons, esbuild, the validator's start) dominate, which is why pwagen is far above the floor there. Every web file is read, minified or bundled, hashed, given a header rule for each host and written, so files cost more than their bytes.\n")
	return b.String(), nil
}

// linearity says whether the cost grows linearly: the marginal cost per
// unit between consecutive points, and whether those agree within 1.5×.
func linearity(what string, cs []scaleCase, units func(scaleCase) float64, unit string) string {
	if len(cs) < 2 {
		return ""
	}
	var parts []string
	var slopes []float64
	for i := 1; i < len(cs); i++ {
		du := units(cs[i]) - units(cs[i-1])
		dt := float64(cs[i].pw.wall-cs[i-1].pw.wall) / float64(time.Millisecond)
		slope := dt / du
		slopes = append(slopes, slope)
		parts = append(parts, fmt.Sprintf("%.3g ms per %s from %g to %g", slope, unit, units(cs[i-1]), units(cs[i])))
	}
	verdict := "linearly (the marginal costs agree within 1.5×)"
	if len(slopes) >= 2 {
		lo, hi := min(slopes[0], slopes[1]), max(slopes[0], slopes[1])
		switch {
		case lo <= 0:
			verdict = "with no clear trend (a marginal cost is negative: noise on this shared machine)"
		case hi/lo > 1.5 && slopes[1] < slopes[0]:
			verdict = "less than linearly (each unit costs less at the larger sizes: fixed per-run costs are spread wider)"
		case hi/lo > 1.5:
			verdict = "more than linearly (each unit costs more at the larger sizes)"
		}
	} else {
		verdict = "two points only (--quick): no verdict"
	}
	return fmt.Sprintf("As the %s grow, pwagen's time grows %s: %s. ", what, verdict, strings.Join(parts, "; "))
}

// treeSize is the bytes and files of a project's inputs: weights and web/.
func treeSize(dir string) (int64, int, error) {
	var n int64
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !inputFile(dir, p) {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		n += fi.Size()
		files++
		return nil
	})
	return n, files, err
}

func inputFile(dir, p string) bool {
	rel, _ := filepath.Rel(dir, p)
	return strings.HasPrefix(rel, "web"+string(filepath.Separator)) || strings.HasPrefix(rel, "weights"+string(filepath.Separator))
}

// hashCopyFloor reads every input file, hashes it with SHA-256 and writes
// a copy under out: the least any packager must do with these bytes.
func hashCopyFloor(dir, out string) (sample, error) {
	start := time.Now()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !inputFile(dir, p) {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		dst := filepath.Join(out, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		w, err := os.Create(dst)
		if err != nil {
			return err
		}
		h := sha256.New()
		if _, err := io.Copy(io.MultiWriter(h, w), src); err != nil {
			w.Close()
			return err
		}
		h.Sum(nil)
		return w.Close()
	})
	return sample{wall: time.Since(start)}, err
}
