package validate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// weightsFor writes a small weights file for a measured run.
func weightsFor(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "w.bin")
	if err := os.WriteFile(p, float32s(16), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// within runs f, failing the test if it has not returned after d: without
// a time limit, these runs never return.
func within[T any](t *testing.T, d time.Duration, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(d):
		t.Fatalf("still running after %s", d)
		panic("unreachable")
	}
}

// TestModelThatNeverReturnsIsStopped: a predict that loops forever is
// stopped at the time limit, and the problem says how long it ran, in
// which step, and what to do.
func TestModelThatNeverReturnsIsStopped(t *testing.T) {
	for _, limit := range []time.Duration{300 * time.Millisecond, time.Second} {
		t.Run(limit.String(), func(t *testing.T) {
			o := Options{Weights: weightsFor(t), TimeLimit: limit}
			start := time.Now()
			r := within(t, 30*time.Second, func() *Report { return validateFile(t, wat("loop"), o) })
			t.Logf("stopped after %s (limit %s)", time.Since(start), limit)
			wantProblem(t, r, "run", "the model had not returned after", "in its predict step (pwagen_predict)",
				"time limit of "+limit.String(), "raise [budget] time in pwagen.toml")
			if r.OK {
				t.Error("OK with a model that never returns")
			}
		})
	}
}

// TestSignalStopsTheRun: when ctx ends (Ctrl-C, SIGTERM), Module returns
// at once with ctx's cause, not a problem, whatever the time limit.
func TestSignalStopsTheRun(t *testing.T) {
	cause := errors.New("interrupt signal received")
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(300*time.Millisecond, func() { cancel(cause) })
	o := Options{Weights: weightsFor(t), CacheDir: "off"}
	start := time.Now()
	err := within(t, 30*time.Second, func() error {
		_, err := Module(ctx, "loop.wasm", readFile(t, wat("loop")), o)
		return err
	})
	t.Logf("returned %s after the signal", time.Since(start)-300*time.Millisecond)
	if !errors.Is(err, cause) {
		t.Fatalf("err = %v, want the signal's cause", err)
	}
}

// TestModelErrorNamesTheStep: a model's own error is reported against the
// step that failed (load weights, pwagen_load_weights), not against
// pwagen_error_len, the call that fetched its message.
func TestModelErrorNamesTheStep(t *testing.T) {
	r := validateFile(t, wat("fails"), Options{Weights: weightsFor(t)})
	wantProblem(t, r, "run", "failed in its load weights step (pwagen_load_weights)",
		`the model returned the error "weights are version 3; this model reads version 2"`)
	for _, p := range r.Problems {
		if strings.Contains(p.Message, "pwagen_error_len") {
			t.Errorf("problem names pwagen_error_len: %s", p.Message)
		}
	}
}

// TestModelOutputIsCapped: a model that writes 256 MiB to stderr costs the
// host far less than that; the report keeps the end and says how much was
// dropped.
func TestModelOutputIsCapped(t *testing.T) {
	o := Options{Weights: weightsFor(t)}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := validateFile(t, wat("chatty"), o)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %s while the model wrote 256 MiB", human(alloc))
	if alloc > 64<<20 {
		t.Errorf("allocated %s while the model wrote 256 MiB; its output must be capped", human(alloc))
	}
	for _, p := range r.Problems {
		if len(p.Message) > 2000 {
			t.Errorf("problem of %d bytes: the model's output must be cut", len(p.Message))
		}
	}
	wantProblem(t, r, "run", "predict step (pwagen_predict)", `"too chatty"`,
		"model: giving up after 256 MiB of logs", "255.9 MiB of its output before the last 64 KiB was dropped")
	if !containsNote(r, "the model wrote 256 MiB to stdout and stderr; pwagen kept the last 64 KiB and dropped 255.9 MiB") {
		t.Errorf("no note on the dropped output: %q", r.Notes)
	}
}

func containsNote(r *Report, s string) bool {
	for _, n := range r.Notes {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// TestTailBufferKeepsTheEnd checks the cap on every write size.
func TestTailBufferKeepsTheEnd(t *testing.T) {
	for _, tt := range []struct {
		name   string
		writes []int
	}{
		{"small", []int{10, 20}},
		{"exactly the cap", []int{outputKeep}},
		{"many small", []int{1000, 70000, 3, 65535, 65536, 65537, 9}},
		{"one huge", []int{10 << 20}},
		{"huge then small", []int{10 << 20, 5}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var tb tailBuffer
			var all []byte
			for i, n := range tt.writes {
				p := make([]byte, n)
				for j := range p {
					p[j] = byte(i*31 + j)
				}
				all = append(all, p...)
				if k, err := tb.Write(p); k != n || err != nil {
					t.Fatalf("Write = %d, %v", k, err)
				}
				if len(tb.buf) > 2*outputKeep {
					t.Fatalf("holds %d bytes", len(tb.buf))
				}
			}
			want := all[max(0, len(all)-outputKeep):]
			if tb.String() != string(want) {
				t.Errorf("kept %d bytes, not the last %d written", len(tb.String()), len(want))
			}
			if tb.total != uint64(len(all)) || tb.dropped() != uint64(len(all)-len(want)) {
				t.Errorf("total %d dropped %d, want %d and %d", tb.total, tb.dropped(), len(all), len(all)-len(want))
			}
		})
	}
}
