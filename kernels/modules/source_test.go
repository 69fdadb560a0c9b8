package modules_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/pwagen/pwagen/internal/ci"
)

// TestWasmMatchesSource rebuilds each checked-in .wasm from its .wat with
// wabt's wat2wasm (Debian package wabt) and compares the bytes. After
// editing a .wat, run `go generate ./kernels/modules`.
func TestWasmMatchesSource(t *testing.T) {
	tool, err := exec.LookPath("wat2wasm")
	if err != nil {
		ci.Missing(t, "wat2wasm not found; apt-get install -y wabt")
	}
	for _, name := range []string{"forwarder", "scalar", "simd", "threads"} {
		out := filepath.Join(t.TempDir(), name+".wasm")
		args := []string{name + ".wat", "-o", out}
		if name == "threads" {
			args = append(args, "--enable-threads")
		}
		if msg, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
			t.Fatalf("wat2wasm %s.wat: %v\n%s", name, err, msg)
		}
		want, _ := os.ReadFile(out)
		got, err := os.ReadFile(name + ".wasm")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s.wasm is not what %s.wat compiles to; run go generate ./kernels/modules and commit both", name, name)
		}
	}
}

// TestSharedTextSameInBothVariants: the softmax and exp text, and the
// primitives' shared part, of simd.wat are copies of scalar.wat's.
func TestSharedTextSameInBothVariants(t *testing.T) {
	part := func(file, name string) string {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		i, j := strings.Index(s, ";; "+name+"-BEGIN"), strings.Index(s, ";; "+name+"-END")
		if i < 0 || j < i {
			t.Fatalf("%s: no %s-BEGIN ... %s-END", file, name, name)
		}
		return s[i:j]
	}
	for _, name := range []string{"SOFTMAX", "PRIMS-SHARED"} {
		if part("scalar.wat", name) != part("simd.wat", name) {
			t.Errorf("the %s part differs between scalar.wat and simd.wat; copy it over", name)
		}
	}
}

// TestVariantFeatures: the SIMD module needs SIMD and nothing else; the
// scalar module compiles as WebAssembly 1.0 (MVP), so it runs everywhere.
// Neither has a data section, a memory of its own or a stack pointer.
func TestVariantFeatures(t *testing.T) {
	ctx := t.Context()
	for _, tt := range []struct {
		v    modules.Variant
		with api.CoreFeatures
	}{{modules.Scalar, api.CoreFeaturesV1}, {modules.SIMD, api.CoreFeaturesV1 | api.CoreFeatureSIMD}} {
		w, _ := modules.Wasm(tt.v)
		if tt.v == modules.SIMD {
			rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV1))
			if _, err := rt.CompileModule(ctx, w); err == nil || !strings.Contains(err.Error(), "simd") {
				t.Errorf("simd compiled without SIMD (err %v)", err)
			}
			rt.Close(ctx)
		}
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(tt.with))
		cm, err := rt.CompileModule(ctx, w)
		if err != nil {
			t.Fatalf("%s: %v", tt.v, err)
		}
		var mems []string
		for _, im := range cm.ImportedMemories() {
			mod, name, _ := im.Import()
			max, hasMax := im.Max()
			mems = append(mems, mod+"."+name)
			if hasMax || im.Min() != 0 {
				t.Errorf("%s imports memory min %d max %d (has %v); want (memory 0) with no maximum", tt.v, im.Min(), max, hasMax)
			}
		}
		if len(mems) != 1 || mems[0] != "model.memory" || len(cm.ExportedMemories()) != 0 {
			t.Errorf("%s: memories imported %v, exported %d; want model.memory only", tt.v, mems, len(cm.ExportedMemories()))
		}
		if hasSection(w, 11) || hasSection(w, 6) {
			t.Errorf("%s has a data or global section; kernels must not touch the model's memory outside their arguments", tt.v)
		}
		checkSignatures(t, string(tt.v), cm)
		if n := len(cm.ExportedFunctions()); n != len(modules.Funcs) {
			t.Errorf("%s exports %d functions, modules.Funcs has %d", tt.v, n, len(modules.Funcs))
		}
		rt.Close(ctx)
	}
}

// TestThreadsFeatures: the threaded module needs SIMD and threads,
// imports the model's memory as shared with the largest maximum (any
// shared memory the packager makes fits it), has no data or globals, and
// exports modules.Funcs plus its three threads_ functions.
func TestThreadsFeatures(t *testing.T) {
	ctx := t.Context()
	w, _ := modules.Wasm(modules.SIMDThreads)
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2))
	if _, err := rt.CompileModule(ctx, w); err == nil || !strings.Contains(err.Error(), "threads") {
		t.Errorf("threads compiled without the threads feature (err %v)", err)
	}
	rt.Close(ctx)
	rt = threadsRuntime(ctx)
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range cm.ImportedMemories() {
		max, hasMax := im.Max()
		if !hasMax || max != modules.MaxPages || im.Min() != 0 {
			t.Errorf("threads imports memory min %d max %d (has %v); want (memory 0 65536 shared)", im.Min(), max, hasMax)
		}
	}
	if hasSection(w, 11) || hasSection(w, 6) {
		t.Error("threads has a data or global section")
	}
	extra := 0
	for name := range cm.ExportedFunctions() {
		if strings.HasPrefix(name, "threads_") {
			extra++
		}
	}
	if n := len(cm.ExportedFunctions()); n != len(modules.Funcs)+3 || extra != 3 {
		t.Errorf("threads exports %d functions (%d threads_), want modules.Funcs (%d) and 3 threads_", n, extra, len(modules.Funcs))
	}
}

// TestForwarderSignatures: the forwarder exports exactly modules.Funcs.
func TestForwarderSignatures(t *testing.T) {
	rt := wazero.NewRuntime(t.Context())
	defer rt.Close(t.Context())
	cm, err := rt.CompileModule(t.Context(), modules.Forwarder())
	if err != nil {
		t.Fatal(err)
	}
	checkSignatures(t, "forwarder", cm)
	if n := len(cm.ExportedFunctions()); n != len(modules.Funcs) {
		t.Errorf("forwarder exports %d functions, modules.Funcs has %d", n, len(modules.Funcs))
	}
}

func checkSignatures(t *testing.T, what string, cm wazero.CompiledModule) {
	t.Helper()
	names := func(ts []api.ValueType) []string {
		var s []string
		for _, v := range ts {
			s = append(s, api.ValueTypeName(v))
		}
		return s
	}
	for name, def := range cm.ExportedFunctions() {
		f, ok := modules.Lookup(name)
		if !ok {
			t.Errorf("%s exports %s, not in modules.Funcs", what, name)
			continue
		}
		if got, want := fmt.Sprint(names(def.ParamTypes()), names(def.ResultTypes())), fmt.Sprint(f.Params, f.Results); got != want {
			t.Errorf("%s: %s is %s, modules.Funcs says %s", what, name, got, want)
		}
	}
}

// hasSection walks the module's sections looking for id.
func hasSection(w []byte, id byte) bool {
	for i := 8; i < len(w); {
		sid := w[i]
		i++
		size, n := 0, 0
		for shift := 0; ; shift += 7 {
			b := w[i+n]
			n++
			size |= int(b&0x7f) << shift
			if b < 0x80 {
				break
			}
		}
		if sid == id {
			return true
		}
		i += n + size
	}
	return false
}
