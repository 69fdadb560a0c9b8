//go:build !wasip1

package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

func TestCommandLine(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{weightsFile, "5.1", "3.5", "1.4", "0.2"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, &stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != len(classNames)+1 {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(classNames)+1, &stdout)
	}
	mustLoad(t)
	want, _ := predict([]float32{5.1, 3.5, 1.4, 0.2})
	for i, w := range want {
		got, err := strconv.ParseFloat(lines[i], 32)
		if err != nil || float32(got) != w {
			t.Errorf("line %d = %q, want %.9g", i+1, lines[i], w)
		}
	}
	if lines[3] != "setosa" {
		t.Errorf("class line %q, want setosa", lines[3])
	}

	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no args", nil, 2, "usage: model WEIGHTS"},
		{"not a number", []string{weightsFile, "5.1", "x", "1.4", "0.2"}, 2, `argument 3 ("x") is not a number`},
		{"missing file", []string{"nope.bin", "1", "2", "3", "4"}, 1, "nope.bin"},
		{"bad weights", []string{"model_test.go", "1", "2", "3", "4"}, 1, "model: model_test.go: weights: bad magic"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, &stdout, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, &stderr, tt.code, tt.want)
			}
		})
	}
}
