package packager

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/golden"
	"github.com/pwagen/pwagen/validate"
)

// dtsCases are the contracts index.d.ts is tested on, with a TypeScript
// consumer that must compile against it: right calls, and calls marked
// @ts-expect-error that must not compile.
var dtsCases = []struct {
	name     string
	contract validate.ContractReport
	consumer string
}{
	{"v1", validate.ContractReport{Version: "v1", Inputs: []validate.Tensor{{Name: "input", DType: "float32", Shape: []int{784}}}},
		`const y: Float32Array = await m.predict(new Float32Array(784));
await m.predict([1, 2, 3]);
await m.predict({ input: new Float32Array(784) });
// @ts-expect-error v1 takes float32 values only
await m.predict(new BigInt64Array(2));
`},
	{"typed_one", validate.ContractReport{Version: "typed",
		Inputs:  []validate.Tensor{{Name: "pixels", DType: "float32", Shape: []int{1, 1, 28, 28}}},
		Outputs: []validate.Tensor{{Name: "logits", DType: "float32", Shape: []int{1, 10}}}},
		`const y: Float32Array = await m.predict(new Float32Array(784));
const z: Float32Array = await m.predict({ pixels: [0.5] });
const zs: Float32Array[] = await m.predictBatch([new Float32Array(784), { pixels: [0.5] }]);
const n: number = m.info.workers + m.info.pool.peakBytes;
// @ts-expect-error an input the model does not have
await m.predict({ image: new Float32Array(784) });
// @ts-expect-error predictBatch takes an array of inputs
await m.predictBatch(new Float32Array(784));
`},
	{"typed_many", validate.ContractReport{Version: "typed",
		Inputs: []validate.Tensor{
			{Name: "input_ids", DType: "int64", Shape: []int{1, 16}},
			{Name: "attention.mask", DType: "bool", Shape: []int{1, 16}},
			{Name: "lengths", DType: "int32", Shape: []int{1}},
			{Name: "bytes", DType: "uint8", Shape: []int{4}},
		},
		Outputs: []validate.Tensor{
			{Name: "logits", DType: "float32", Shape: []int{1, 7}},
			{Name: "top", DType: "int64", Shape: []int{1}},
			{Name: "*/ tricky", DType: "bool", Shape: []int{2, 3}},
		}},
		`const { logits, top } = await m.predict({ input_ids: BigInt64Array.from([1n]), "attention.mask": [true, false], lengths: new Int32Array(1), bytes: new Uint8Array(4) });
const l: Float32Array = logits;
const t: BigInt64Array = top;
const y = await m.predict({ input_ids: [1, 2], "attention.mask": new Uint8Array(16), lengths: [16], bytes: [1, 2, 3, 4] });
const b: Uint8Array = y["*/ tricky"];
// @ts-expect-error a missing input
await m.predict({ input_ids: [1] });
// @ts-expect-error one array for a model of several inputs
await m.predict(new Float32Array(16));
`},
}

func TestDTS(t *testing.T) {
	for _, tt := range dtsCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DTS("demo", &tt.contract)
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, got)
		})
	}
	if _, err := DTS("demo", &validate.ContractReport{Version: "typed"}); err == nil || !strings.Contains(err.Error(), "contract is unknown") {
		t.Errorf("a contract without inputs: got %v", err)
	}
}

// TestDTSCompiles checks index.d.ts with the TypeScript compiler (strict):
// each consumer's right calls compile, and its wrong ones are errors. tsc
// is a test-time npm tool: PWAGEN_TSC, tsc on PATH, or typescript@5.9.3
// installed by npm into the user's cache folder once. Without npm the test
// skips, unless CI=true.
func TestDTSCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the TypeScript compiler")
	}
	tsc := findTSC(t)
	// One compiler run over every case (tsc starts slowly): case/index.d.ts
	// beside case/consumer.ts.
	dir := t.TempDir()
	args := []string{"--noEmit", "--strict", "--target", "es2022", "--module", "es2022", "--moduleResolution", "bundler", "--lib", "es2022,dom"}
	for _, tt := range dtsCases {
		sub := filepath.Join(dir, tt.name)
		os.MkdirAll(sub, 0o755)
		dts, err := DTS("demo", &tt.contract)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(sub, "index.d.ts"), dts, 0o644)
		os.WriteFile(filepath.Join(sub, "index.js"), []byte("export async function loadModel() {}\n"), 0o644)
		src := "import { loadModel, type Model, type ModelInfo } from './index.js';\n" +
			"const m: Model = await loadModel({ base: new URL('https://cdn.example.com/demo/'), onProgress: ({ phase, loaded, total }) => {}, storage: 'memory', workers: 2 });\n" +
			"const info: ModelInfo = m.info;\n" +
			"// @ts-expect-error an unknown storage\nawait loadModel({ storage: 'disk' });\n" +
			tt.consumer + "m.dispose();\nexport {};\n"
		os.WriteFile(filepath.Join(sub, "consumer.ts"), []byte(src), 0o644)
		args = append(args, tt.name+"/consumer.ts")
	}
	cmd := exec.Command(tsc, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tsc: %v\n%s", err, out)
	}
}

// findTSC finds or installs the TypeScript compiler.
func findTSC(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PWAGEN_TSC"); p != "" {
		return p
	}
	if p, err := exec.LookPath("tsc"); err == nil {
		return p
	}
	skip := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s and CI=true: install Node.js and npm (apt-get install -y npm), or set PWAGEN_TSC", why)
		}
		t.Skipf("%s; install npm (apt-get install -y npm) to check index.d.ts with tsc (CI=true makes this a failure)", why)
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		skip("npm not found")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "pwagen-test", "typescript-5.9.3")
	tsc := filepath.Join(dir, "node_modules", ".bin", "tsc")
	if _, err := os.Stat(tsc); err == nil {
		return tsc
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(npm, "install", "--no-audit", "--no-fund", "--prefix", dir, "typescript@5.9.3").CombinedOutput()
	if err != nil {
		skip("npm install typescript@5.9.3 failed: " + err.Error() + "\n" + string(out))
	}
	return tsc
}
