package packager

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// foreignProject is the default project with [model] wasm and build.
func foreignProject(t *testing.T, build ...string) *Build {
	t.Helper()
	c := newProject(t, nil)
	c.Model.Wasm = "out/model.wasm"
	c.Model.Build = build
	return NewBuild(c, "")
}

// TestBuildForeign: the command runs in the project folder, its failure
// carries its output (capped, with a note of what was cut), and a missing
// program or module says what to do.
func TestBuildForeign(t *testing.T) {
	for _, tt := range []struct {
		name  string
		build []string
		want  []string // in the error; nil: success
	}{
		{"writes the module", []string{"sh", "-c", "mkdir -p out && printf '\\0asm\\1\\0\\0\\0' > out/model.wasm"}, nil},
		{"fails with its output", []string{"sh", "-c", "echo 'error[E0425]: cannot find value' >&2; exit 101"},
			[]string{"compiling the model (sh -c", "error[E0425]: cannot find value"}},
		{"output over the cap", []string{"sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x; exit 1"},
			[]string{"pwagen kept the first 64 KiB of the output and dropped 234464 bytes more"}},
		{"not installed", []string{"no-such-compiler-pwagen"}, []string{`running "no-such-compiler-pwagen"`, "is it installed and on PATH?"}},
		{"succeeds without writing the module", []string{"true"}, []string{"does not exist after `true` succeeded"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := foreignProject(t, tt.build...)
			wasm, err := BuildModel(context.Background(), b)
			if tt.want == nil {
				if err != nil || string(wasm) != "\x00asm\x01\x00\x00\x00" {
					t.Fatalf("got %q, %v", wasm, err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%.500s", w, err)
				}
			}
			if len(err.Error()) > buildOutputKeep+1024 {
				t.Errorf("error is %d bytes, over the %d kept", len(err.Error()), buildOutputKeep)
			}
		})
	}
}

// TestBuildForeignStops: a cancelled context kills the build and its
// children at once.
func TestBuildForeignStops(t *testing.T) {
	b := foreignProject(t, "sh", "-c", "sleep 60 & sleep 60")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := BuildModel(ctx, b)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v to stop", d)
	}
}

// TestBuildForeignSymlinkOut: a build that leaves a symlink pointing out
// of the project at [model] wasm is refused.
func TestBuildForeignSymlinkOut(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.wasm")
	os.WriteFile(secret, []byte("\x00asm\x01\x00\x00\x00"), 0o600)
	b := foreignProject(t, "sh", "-c", "mkdir -p out && ln -s "+secret+" out/model.wasm")
	_, err := BuildModel(context.Background(), b)
	if err == nil || !strings.Contains(err.Error(), "outside the project folder") {
		t.Fatalf("got %v, want a refusal", err)
	}
}
