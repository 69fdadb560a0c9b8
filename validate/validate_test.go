package validate

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/browser"
)

var defaultTargets = []string{"chrome100", "edge100", "firefox115", "safari16.4"}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wat(name string) string { return "testdata/wat/" + name + ".wasm" } // slashes: stable in goldens

// validateFile runs Module on a file with a throwaway compilation cache.
func validateFile(t testing.TB, path string, o Options) *Report {
	t.Helper()
	if o.CacheDir == "" {
		o.CacheDir = "off"
	}
	r, err := Module(context.Background(), path, readFile(t, path), o)
	if err != nil {
		t.Fatalf("Module(%s): %v", path, err)
	}
	if r.OK != (len(r.Problems) == 0) {
		t.Errorf("OK = %v with %d problems", r.OK, len(r.Problems))
	}
	return r
}

func problems(r *Report, check string) []string {
	var out []string
	for _, p := range r.Problems {
		if p.Check == check {
			out = append(out, p.Message)
		}
	}
	return out
}

func wantProblem(t *testing.T, r *Report, check string, parts ...string) {
	t.Helper()
	for _, m := range problems(r, check) {
		if containsAll(m, parts...) {
			return
		}
	}
	t.Errorf("no %q problem containing %q; problems: %+v", check, parts, r.Problems)
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func TestFeaturesOfModulesMadeForThePurpose(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []string
	}{
		{wat("none"), []string{}},
		{wat("simd"), []string{"simd"}},
		{wat("threads"), []string{"threads"}},
		{wat("tailcall"), []string{"tail-call"}},
		{wat("unknown_import"), []string{}},
		{wat("abi"), []string{}},
	} {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			r := validateFile(t, tt.file, Options{})
			if !slices.Equal(r.Features, tt.want) {
				t.Errorf("features = %q, want %q", r.Features, tt.want)
			}
		})
	}
}

func TestFeaturesOfGoReactor(t *testing.T) {
	r := validateFile(t, goModel(t, "fits"), Options{})
	// Go 1.26 always emits these three, and never SIMD (wasm-browser-facts.md).
	want := []string{"bulk-memory", "sign-extension", "nontrapping-float-to-int"}
	if !slices.Equal(r.Features, want) {
		t.Errorf("features = %q, want %q", r.Features, want)
	}
}

func TestSIMDAgainstBrowsers(t *testing.T) {
	r := validateFile(t, wat("simd"), Options{Targets: []string{"chrome90", "edge100", "firefox115", "safari16.3", "ios16.4"}})
	wantProblem(t, r, "browsers", "simd needs Chrome 91 or later", "chrome90", "raise the target to chrome91", "variant of the model without simd")
	wantProblem(t, r, "browsers", "simd needs Safari 16.4 or later", "safari16.3")
	if n := len(problems(r, "browsers")); n != 2 {
		t.Errorf("%d browser problems, want 2: %+v", n, r.Problems)
	}
	var missing []string
	for _, tr := range r.Targets {
		if !tr.OK {
			missing = append(missing, tr.Browser+tr.Version+":"+strings.Join(tr.Missing, ","))
		}
	}
	if want := []string{"chrome90:simd", "safari16.3:simd"}; !slices.Equal(missing, want) {
		t.Errorf("targets missing features: %q, want %q", missing, want)
	}
}

func TestThreadsNeedIsolation(t *testing.T) {
	for _, tt := range []struct {
		isolation string
		hosts     []string
		want      []string // parts of the isolation problem; nil = none
	}{
		{"none", nil, []string{"SharedArrayBuffer", "cross-origin isolated", `isolation = "headers"`}},
		{"", []string{"github-pages"}, []string{`"service-worker"`, "github-pages cannot set response headers"}},
		{"headers", []string{"netlify", "github-pages"}, []string{"github-pages cannot set response headers"}},
		{"headers", []string{"netlify"}, nil},
		{"service-worker", []string{"github-pages"}, nil},
	} {
		t.Run(tt.isolation+"/"+strings.Join(tt.hosts, ","), func(t *testing.T) {
			r := validateFile(t, wat("threads"), Options{Targets: defaultTargets, Isolation: tt.isolation, Hosts: tt.hosts})
			if tt.want == nil {
				if p := problems(r, "isolation"); len(p) > 0 {
					t.Errorf("unexpected isolation problems: %q", p)
				}
				return
			}
			wantProblem(t, r, "isolation", tt.want...)
		})
	}
}

func TestUnknownImportIsNamed(t *testing.T) {
	r := validateFile(t, wat("unknown_import"), Options{})
	wantProblem(t, r, "imports", "env.mystery", "does not provide")
	if p := problems(r, "imports"); len(p) != 1 {
		t.Errorf("imports problems = %q; fd_write is provided by the loader", p)
	}
}

func TestExportsMustMatchTheABI(t *testing.T) {
	r := validateFile(t, wat("abi_bad_sig"), Options{})
	wantProblem(t, r, "exports", "exports pwagen_predict as (i32) -> (i32), but the loader calls it as () -> (i32)")
	wantProblem(t, r, "exports", "does not export pwagen_output")
	if r.Memory.PeakBytes != nil {
		t.Error("ran a module with a broken ABI")
	}
	if r := validateFile(t, wat("abi"), Options{Targets: defaultTargets, MemoryBudget: 1 << 20}); !r.OK {
		t.Errorf("abi.wasm: %+v", r.Problems)
	}
}

// A 32-bit memory cannot declare 5 GiB: the most is 65536 pages (4 GiB).
// Such a module is reported (browsers refuse to compile it), not crashed on.
// Declaring 5 GiB for real takes memory64, which wazero cannot compile.
func TestFiveGiBDeclared(t *testing.T) {
	r := validateFile(t, wat("mem5g_wasm32"), Options{Targets: defaultTargets})
	wantProblem(t, r, "memory", "81920 pages (5 GiB)", "above the 65536 pages (4 GiB) a 32-bit memory can address")
	if r.Memory.MaxBytes == nil || *r.Memory.MaxBytes != 5<<30 {
		t.Errorf("max_bytes = %v, want 5 GiB", r.Memory.MaxBytes)
	}

	r = validateFile(t, wat("mem5g_memory64"), Options{Targets: defaultTargets})
	wantProblem(t, r, "memory", "81920 pages (5 GiB), above 4 GiB")
	wantProblem(t, r, "features", "cannot validate: uses memory64 (memory section, memory[0])")
	wantProblem(t, r, "browsers", "memory64 is not supported by any Safari release")
	wantProblem(t, r, "browsers", "memory64 needs Chrome 133")
	if !slices.Equal(r.Features, []string{"memory64"}) {
		t.Errorf("features = %q", r.Features)
	}
}

// gcModule is a module whose type section declares a struct (GC proposal),
// which neither wabt 1.0.32 nor wazero v1.12 handle.
func gcModule() []byte {
	types := []byte{0x01, 0x5f, 0x01, valI32, 0x00} // 1 type: struct { i32 immutable }
	b := []byte("\x00asm\x01\x00\x00\x00")
	b = append(b, 0x01, byte(len(types)))
	return append(b, types...)
}

func TestCannotValidateGC(t *testing.T) {
	r, err := Module(context.Background(), "gc.wasm", gcModule(), Options{Targets: []string{"safari18"}, CacheDir: "off"})
	if err != nil {
		t.Fatal(err)
	}
	wantProblem(t, r, "features", "cannot validate: uses gc (type section, type[0])")
	wantProblem(t, r, "browsers", "gc needs Safari 18.2")
}

func TestMinimumOverBudget(t *testing.T) {
	r := validateFile(t, wat("abi"), Options{MemoryBudget: 100 << 10})
	wantProblem(t, r, "memory", "minimum of 2 pages (128 KiB), over the memory budget of 100 KiB", "by 28 KiB")
	if r.Memory.PeakBytes != nil {
		t.Error("ran a module whose minimum is over the budget")
	}
}

// float32s writes n little-endian float32 values 0.5.
func float32s(n int) []byte {
	b := make([]byte, 4*n)
	for i := range n {
		binary.LittleEndian.PutUint32(b[4*i:], 0x3f000000)
	}
	return b
}

func TestGoReactorFitsBudget(t *testing.T) {
	w := filepath.Join(t.TempDir(), "w.bin")
	if err := os.WriteFile(w, float32s(27), 0o644); err != nil {
		t.Fatal(err)
	}
	r := validateFile(t, goModel(t, "fits"), Options{Targets: defaultTargets, MemoryBudget: 64 << 20, Weights: w, CacheDir: t.TempDir()})
	if !r.OK {
		t.Fatalf("problems: %+v", r.Problems)
	}
	p := r.Memory.PeakBytes
	if p == nil || *p < r.Memory.MinBytes || *p > 64<<20 {
		t.Fatalf("peak = %v, min %d, budget 64 MiB", p, r.Memory.MinBytes)
	}
	if !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, "one predict on 8 zero inputs (3 outputs)") }) {
		t.Errorf("notes = %q", r.Notes)
	}
}

func TestGoReactorPastBudget(t *testing.T) {
	w := filepath.Join(t.TempDir(), "w.bin")
	if err := os.WriteFile(w, []byte("any"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := validateFile(t, goModel(t, "overbudget"), Options{MemoryBudget: 64 << 20, Weights: w})
	wantProblem(t, r, "memory", "ran out of memory in its load weights step (pwagen_load_weights)", "memory budget of 64 MiB (1024 pages)", "cannot allocate 100663296-byte block")
	if len(r.Problems) != 1 {
		t.Errorf("problems: %+v", r.Problems)
	}
	// Without a budget the same model runs: the 96 MiB fit in 4 GiB.
	r = validateFile(t, goModel(t, "overbudget"), Options{Weights: w})
	if !r.OK || r.Memory.PeakBytes == nil || *r.Memory.PeakBytes < 96<<20 {
		t.Errorf("without a budget: ok=%v peak=%v problems=%+v", r.OK, r.Memory.PeakBytes, r.Problems)
	}
}

func TestDownloadBudget(t *testing.T) {
	r := validateFile(t, wat("abi"), Options{DownloadBudget: 1000, ShellBytes: 900})
	wantProblem(t, r, "download", "over the download budget of 1000 B", "app shell 900 B")
	if r := validateFile(t, wat("abi"), Options{DownloadBudget: 2000, ShellBytes: 900}); !r.OK {
		t.Errorf("problems: %+v", r.Problems)
	}
}

func TestNotWasmIsAnError(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "the file is empty"},
		{"text", []byte("<!doctype html>\n<p>hello"), "not a WebAssembly module: it does not start with the bytes \\0asm (it looks like a text file)"},
		{"gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0}, "gzip-compressed"},
		{"short header", []byte("\x00asm\x01"), "truncated: 5 bytes"},
		{"truncated section", []byte("\x00asm\x01\x00\x00\x00\x01\x7f\x01"), "truncated: the type section claims 127 bytes but the file ends 1 bytes later"},
		{"component", []byte("\x00asm\x0d\x00\x01\x00"), "a WebAssembly component"},
		{"bad opcode", append([]byte("\x00asm\x01\x00\x00\x00"), 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x05, 0x01, 0x03, 0x00, 0xff, 0x0b), "wazero cannot compile it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Module(context.Background(), "x.wasm", tt.in, Options{CacheDir: "off"})
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestBadTarget(t *testing.T) {
	for _, s := range []string{"netscape4", "chrome", "100", "safari16.x"} {
		if _, err := Module(context.Background(), "x.wasm", readFile(t, wat("none")), Options{Targets: []string{s}, CacheDir: "off"}); err == nil {
			t.Errorf("target %q accepted", s)
		}
	}
}

func TestVersionLess(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"16.4", "16.10", true}, {"16.10", "16.4", false}, {"16", "16.0", false}, {"15.9", "16", true}, {"100", "91", false},
	} {
		if got := browser.Less(tt.a, tt.b); got != tt.want {
			t.Errorf("versionLess(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
	if v := firstVersion("edge", "sign-extension"); v != "79" {
		t.Errorf("edge sign-extension = %q, want 79 (the first Chromium Edge)", v)
	}
	if v := firstVersion("ios", "threads"); v != "14.5" {
		t.Errorf("ios threads = %q, want 14.5", v)
	}
}

// TestCachedRunMatchesFresh validates twice with one cache folder: the second
// run reads the feature detection from the cache and must report the same.
func TestCachedRunMatchesFresh(t *testing.T) {
	dir := t.TempDir()
	o := Options{Targets: []string{"safari15"}, CacheDir: dir}
	first := validateFile(t, wat("simd"), o)
	files, _ := filepath.Glob(filepath.Join(dir, "pwagen-facts", "*.json"))
	if len(files) != 1 {
		t.Fatalf("facts files: %q", files)
	}
	second := validateFile(t, wat("simd"), o)
	var a, b strings.Builder
	first.WriteText(&a)
	second.WriteText(&b)
	if a.String() != b.String() {
		t.Errorf("cached report differs:\n%s\nfresh:\n%s", &b, &a)
	}
	// A damaged entry is ignored, not trusted.
	if err := os.WriteFile(files[0], []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if third := validateFile(t, wat("simd"), o); !slices.Equal(third.Features, []string{"simd"}) {
		t.Errorf("features after a damaged cache entry: %q", third.Features)
	}
}

// TestIsolationAgreesWithHosts: for every host of package hosts, validate
// asks for the service worker exactly when hosts.Write would refuse the
// headers (one table, in package hosts; validate kept a second).
func TestIsolationAgreesWithHosts(t *testing.T) {
	for _, h := range hosts.Names() {
		r := validateFile(t, wat("threads"), Options{Targets: defaultTargets, Isolation: hosts.IsolationHeaders, Hosts: []string{h}})
		_, _, err := hosts.Write(nil, hosts.Spec{Isolation: hosts.IsolationHeaders, Threads: true}, []string{h})
		if got, want := len(problems(r, "isolation")) > 0, err != nil; got != want {
			t.Errorf("%s: validate finds an isolation problem: %v; hosts.Write refuses: %v (%v)", h, got, want, err)
		}
	}
}
