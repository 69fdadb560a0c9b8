//go:build unix

package fsx

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("hello"), 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path string
		limit      int64
		want       string // "" means success
	}{
		{"fits", small, 5, ""},
		{"over the limit", small, 4, "small: 5 bytes (5 B), over the limit of 4 bytes (4 B) for the icon file by 1 bytes"},
		{"device", "/dev/zero", 1 << 20, "/dev/zero: the icon file is a device, not a regular file"},
		{"named pipe, which would block on open", fifo, 1 << 20, "the icon file is a named pipe, not a regular file"},
		{"folder", dir, 1 << 20, "the icon file is a folder"},
		{"missing", filepath.Join(dir, "none"), 1, "no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data, err := ReadFile(tt.path, tt.limit, "icon")
			if tt.want == "" {
				if err != nil || string(data) != "hello" {
					t.Fatalf("got %q, %v", data, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	var se *SizeError
	if _, err := ReadFile(small, 1, "x"); !errors.As(err, &se) || se.Size != 5 || se.Limit != 1 {
		t.Errorf("want a *SizeError of 5 over 1, got %v", err)
	}
}
