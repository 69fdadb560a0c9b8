package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// sample is one measured run: wall time and the peak resident memory of
// the process and every child it waited for (ru_maxrss from wait4).
type sample struct {
	wall   time.Duration
	maxRSS int64 // bytes
}

// command is a process to measure.
type command struct {
	dir  string
	env  []string // added to the environment
	name string
	args []string
}

func (c command) String() string { return c.name + " " + strings.Join(c.args, " ") }

// measure runs c once and returns its wall time, its peak memory and its
// standard output. A non-zero exit is an error that carries the output.
func measure(ctx context.Context, c command) (sample, []byte, error) {
	cmd := exec.CommandContext(ctx, c.name, c.args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), c.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if verbose {
		logf("   $ %s", c)
	}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, stdout.Bytes(), fmt.Errorf("%s: %v\n%s%s", c, err, tail(stdout.String()), tail(stderr.String()))
	}
	s := sample{wall: wall}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return s, stdout.Bytes(), nil
}

var verbose bool

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 1500 {
		s = "…" + s[len(s)-1500:]
	}
	if s != "" {
		s += "\n"
	}
	return s
}

// series repeats a measurement: warm-up runs first, unmeasured, then runs.
// prep, if not nil, runs before every run, outside the timing.
func series(warm, runs int, prep func() error, f func() (sample, error)) ([]sample, error) {
	var out []sample
	for i := 0; i < warm+runs; i++ {
		if prep != nil {
			if err := prep(); err != nil {
				return nil, err
			}
		}
		s, err := f()
		if err != nil {
			return nil, err
		}
		if i >= warm {
			out = append(out, s)
		}
	}
	return out, nil
}

// stats are the median and range of a series.
type stats struct {
	n                int
	wall, wMin, wMax time.Duration
	rss              int64
}

func summarize(ss []sample) stats {
	if len(ss) == 0 {
		return stats{}
	}
	w := make([]time.Duration, len(ss))
	r := make([]int64, len(ss))
	for i, s := range ss {
		w[i], r[i] = s.wall, s.maxRSS
	}
	slices.Sort(w)
	slices.Sort(r)
	return stats{n: len(ss), wall: median(w), wMin: w[0], wMax: w[len(w)-1], rss: median(r)}
}

// median of a sorted slice; the mean of the middle two for an even count.
func median[T int64 | time.Duration | float64](sorted []T) T {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func medianOf[T int64 | time.Duration | float64](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return median(s)
}

// Formatting.

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.2f ms", v)
	}
}

func secs(d time.Duration) string {
	if d < time.Second {
		return ms(d)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func wallRange(s stats) string {
	if s.n <= 1 {
		return secs(s.wall)
	}
	return fmt.Sprintf("%s (%s–%s)", secs(s.wall), secs(s.wMin), secs(s.wMax))
}

func mib(n int64) string {
	if n <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}

func kb(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 10<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

func ratio(a, b float64) string {
	if b == 0 || a == 0 {
		return "–"
	}
	r := a / b
	switch {
	case r >= 10:
		return fmt.Sprintf("%.0f×", r)
	case r >= 1:
		return fmt.Sprintf("%.1f×", r)
	default:
		return fmt.Sprintf("%.2f×", r)
	}
}

// table renders a markdown table.
func table(head []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	for i := range head {
		if i == 0 {
			b.WriteString("---|")
		} else {
			b.WriteString("--:|")
		}
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	return b.String()
}
