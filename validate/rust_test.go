package validate

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/rusttest"
)

// rustModule compiles the rust template's crate (templates/project/rust),
// after edit, with rustc for wasm32-wasi, as cargo would.
func rustModule(t *testing.T, edit func(src string)) []byte {
	t.Helper()
	rusttest.Require(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o755)
	os.MkdirAll(filepath.Join(dir, "weights"), 0o755)
	tmpl := filepath.Join("..", "templates", "project", "rust")
	for _, f := range []string{"src/lib.rs", "src/abi.rs", "src/kernels.rs", "src/model.rs", "weights/iris.bin"} {
		b, err := os.ReadFile(filepath.Join(tmpl, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit(src)
	out := filepath.Join(dir, "model.wasm")
	cmd := exec.Command("rustc", "--edition", "2021", "--crate-type", "cdylib", "--crate-name", "model", "--target", "wasm32-wasi",
		"-C", "opt-level=1", "-C", "panic=abort", "-o", out, filepath.Join(src, "lib.rs"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rustc: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func appendTo(t *testing.T, path, code string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, code...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRustModules: a Rust model from the template passes unchanged; one
// that imports a host function the loader lacks, or a WASI call its shim
// lacks, or that misses an export of the ABI, gets a problem naming it.
func TestRustModules(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edit  func(t *testing.T, src string)
		check string   // "" = no problems
		want  []string // in that check's problem
	}{
		{"the template", func(*testing.T, string) {}, "", nil},
		{"an import from another module", func(t *testing.T, src string) {
			appendTo(t, filepath.Join(src, "model.rs"), `
#[link(wasm_import_module = "env")]
extern "C" { fn host_clock() -> f64; }
#[no_mangle]
pub extern "C" fn uses_host() -> f64 { unsafe { host_clock() } }
`)
		}, "imports", []string{"imports function env.host_clock, which the pwagen loader does not provide", "#[link(wasm_import_module)] (Rust)"}},
		{"a WASI call the shim lacks", func(t *testing.T, src string) {
			appendTo(t, filepath.Join(src, "model.rs"), `
#[no_mangle]
pub extern "C" fn reads_a_file() -> i32 { std::fs::read("x").map(|v| v.len() as i32).unwrap_or(-1) }
`)
		}, "imports", []string{"imports wasi_snapshot_preview1.path_open, which the pwagen loader's WASI shim does not implement"}},
		{"a missing export", func(t *testing.T, src string) {
			p := filepath.Join(src, "abi.rs")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), "fn pwagen_error_len", "fn not_pwagen_error_len", 1)), 0o644)
		}, "exports", []string{"does not export pwagen_error_len, which the pwagen loader calls", "keep src/abi.rs"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wasm := rustModule(t, func(src string) { tt.edit(t, src) })
			r, err := Module(context.Background(), "model.wasm", wasm, Options{
				Targets: defaultTargets, MemoryBudget: 64 << 20,
				Weights: filepath.Join("..", "templates", "project", "rust", "weights", "iris.bin"),
			})
			if err != nil {
				t.Fatal(err)
			}
			if tt.check == "" {
				if !r.OK {
					t.Fatalf("problems: %+v", r.Problems)
				}
				return
			}
			wantProblem(t, r, tt.check, tt.want...)
		})
	}
}

// TestCModuleFromDocs: the C model of docs/toolchains.md, built with the
// clang command given there, passes every check.
func TestCModuleFromDocs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "toolchains.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```c\n")
	code, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/toolchains.md has no ```c block")
	}
	if _, err := exec.LookPath("clang-14"); err != nil {
		t.Skip("no clang-14; on Debian: apt-get install clang-14 lld wasi-libc libclang-rt-14-dev-wasm32")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "model.c"), []byte(code), 0o644)
	cmd := exec.Command("clang-14", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-mexec-model=reactor", "-Wl,--strip-all", "-o", "model.wasm", "model.c")
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		if strings.Contains(string(msg), "libclang_rt.builtins-wasm32") || strings.Contains(string(msg), "stdlib.h") {
			t.Skipf("clang-14 without the wasm32 libraries (apt-get install wasi-libc libclang-rt-14-dev-wasm32): %s", msg)
		}
		t.Fatalf("clang: %v\n%s", err, msg)
	}
	wasm, err := os.ReadFile(filepath.Join(dir, "model.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	weights := filepath.Join(dir, "w.bin")
	os.WriteFile(weights, make([]byte, 60), 0o644)
	r, err := Module(context.Background(), "model.wasm", wasm, Options{Targets: defaultTargets, MemoryBudget: 64 << 20, Weights: weights})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("problems: %+v", r.Problems)
	}
	t.Logf("C model: %d bytes", len(wasm))
}
