package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestValidateExitCodes checks the exact exit status of `pwagen validate`:
// 0 every check holds, 1 a check failed, 2 bad usage or not a module.
func TestValidateExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	wat := filepath.Join("..", "..", "validate", "testdata", "wat")
	os.Mkdir(filepath.Join(dir, "noproject"), 0o755)
	write("w.bin", []byte("weights"))
	for _, tt := range []struct {
		name string
		args []string
		want int
	}{
		{"good module", []string{filepath.Join(wat, "abi.wasm")}, 0},
		{"good module json", []string{"--json", filepath.Join(wat, "abi.wasm")}, 0},
		{"unknown import", []string{filepath.Join(wat, "unknown_import.wasm")}, 1},
		{"simd under safari15", []string{"--config", write("pwagen.toml", []byte("[app]\nname = \"x\"\n[model]\nweights = \"w.bin\"\n[browsers]\ntargets = [\"safari15\"]\n")), filepath.Join(wat, "simd.wasm")}, 1},
		{"empty file", []string{write("empty.wasm", nil)}, 2},
		// A module by its header, damaged after it: a failed check, as in
		// pwagen package, not bad usage.
		{"truncated module", []string{write("truncated.wasm", []byte("\x00asm\x01\x00\x00\x00\x01\x7f"))}, 1},
		{"module that does not compile", []string{write("badop.wasm", append([]byte("\x00asm\x01\x00\x00\x00"), 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x05, 0x01, 0x03, 0x00, 0xff, 0x0b))}, 1},
		{"header only", []string{write("short.wasm", []byte("\x00asm\x01\x00"))}, 2},
		{"text file", []string{write("text.wasm", []byte("hello\n"))}, 2},
		{"folder with no config", []string{filepath.Join(dir, "noproject")}, 2},
		{"no target", nil, 2},
		{"two targets", []string{"a", "b"}, 2},
		{"unknown flag", []string{"--jsn", "x.wasm"}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := run(append([]string{"pwagen", "validate"}, tt.args...), &stdout, &stderr)
			if got != tt.want {
				t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tt.want, &stdout, &stderr)
			}
			if tt.want == 2 && stdout.Len() > 0 {
				t.Errorf("stdout should be empty on exit 2, got:\n%s", &stdout)
			}
			if tt.want != 2 && bytes.Contains(stderr.Bytes(), []byte("goroutine ")) {
				t.Errorf("stack trace on stderr:\n%s", &stderr)
			}
		})
	}
}

// TestValidateJSONIsOneObject checks that --json prints exactly one JSON
// object with the fields the issue lists, in order.
func TestValidateJSONIsOneObject(t *testing.T) {
	var stdout, stderr bytes.Buffer
	wasm := filepath.Join("..", "..", "validate", "testdata", "wat", "unknown_import.wasm")
	if got := run([]string{"pwagen", "validate", "--json", wasm}, &stdout, &stderr); got != 1 {
		t.Fatalf("exit status %d, want 1; stderr: %s", got, &stderr)
	}
	dec := json.NewDecoder(&stdout)
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		t.Fatal(err)
	}
	if dec.More() {
		t.Error("more than one JSON value on stdout")
	}
	for _, k := range []string{"module", "size_bytes", "features", "imports", "exports", "memory", "targets", "contract", "problems", "ok"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("no field %q", k)
		}
	}
	if len(obj) != 10 {
		t.Errorf("%d fields, want 10: %v", len(obj), obj)
	}
	var imports []struct{ Module, Name string }
	json.Unmarshal(obj["imports"], &imports)
	if len(imports) != 2 || imports[0].Module != "env" || imports[0].Name != "mystery" {
		t.Errorf("imports = %+v", imports)
	}
}
