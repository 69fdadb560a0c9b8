package packager

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteFiles: writeFiles writes every file whole, into the folders it
// makes, several at a time, and lists those folders for the sync; a file
// it cannot write is its error, and a file already there is left alone.
func TestWriteFiles(t *testing.T) {
	weights := filepath.Join(t.TempDir(), "weights.bin")
	shard := bytes.Repeat([]byte("0123456789abcdef"), 70_000)
	if err := os.WriteFile(weights, append([]byte("head"), shard...), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		files   int    // small files besides the shard
		clash   int    // index of a job whose file already exists (-1: none)
		cut     int64  // the weights file is this many bytes shorter than when indexed
		wantErr string // in the error; "" = none
	}{
		{"one", 0, -1, 0, ""},
		{"more files than writers", 3 * parallelWrites, -1, 0, ""},
		{"an existing file", 3 * parallelWrites, 5, 0, "exists"},
		{"weights cut short since indexed", 3, -1, 10, "did the file change during packaging"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			jobs := []writeJob{{filepath.Join(dir, "weights", "a.bin"), &File{Src: &Section{Path: weights, Off: 4, Size: int64(len(shard)) + tt.cut}}}}
			for i := range tt.files {
				jobs = append(jobs, writeJob{filepath.Join(dir, fmt.Sprintf("d%d", i%3), fmt.Sprintf("f%03d.txt", i)), &File{Data: []byte(strings.Repeat("x", i))}})
			}
			if tt.clash >= 0 {
				os.MkdirAll(filepath.Dir(jobs[tt.clash].path), 0o755)
				os.WriteFile(jobs[tt.clash].path, []byte("mine"), 0o644)
			}
			dirs := map[string]bool{}
			err := writeFiles(jobs, dirs)
			if tt.cut > 0 {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), weights) {
					t.Fatalf("writeFiles = %v, want an error naming %s: %s", err, weights, tt.wantErr)
				}
				return
			}
			if tt.wantErr != "" {
				var pe *fs.PathError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &pe) || pe.Path != jobs[tt.clash].path {
					t.Fatalf("writeFiles = %v, want an error on %s", err, jobs[tt.clash].path)
				}
				if got, _ := os.ReadFile(jobs[tt.clash].path); string(got) != "mine" {
					t.Errorf("the existing file now holds %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range jobs {
				want := j.f.Data
				if j.f.Src != nil {
					want = shard
				}
				if got, err := os.ReadFile(j.path); err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s: %d bytes (%v), want %d", j.path, len(got), err, len(want))
				}
				if !dirs[filepath.Dir(j.path)] {
					t.Errorf("dirs lacks %s, which must be synced", filepath.Dir(j.path))
				}
			}
		})
	}
}
