package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
	"github.com/pwagen/pwagen/internal/npy"
)

// typedTensor is one entry of model.info.inputs or outputs.
type typedTensor struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

// typedArray is a typed array as the page reports it.
type typedArray struct {
	Type   string    `json:"type"`
	Values []float64 `json:"values"`
}

// typedResult is what the typed API test pages return.
type typedResult struct {
	Contract  string                `json:"contract"`
	Inputs    []typedTensor         `json:"inputs"`
	Outputs   []typedTensor         `json:"outputs"`
	Results   map[string]typedValue `json:"results"`   // by the kind of input given
	Errors    map[string]string     `json:"errors"`    // by the kind of bad input: the rejection's message
	Transport string                `json:"transport"` // info.transport
}

// typedValue is one predict's result: one typed array, or several by name.
type typedValue struct {
	Object bool                  `json:"object"`
	Arrays map[string]typedArray `json:"arrays"` // "" for a lone typed array
}

// String says what a result is, without its values.
func (v typedValue) String() string {
	var parts []string
	for name, a := range v.Arrays {
		parts = append(parts, fmt.Sprintf("%q: %s of %d", name, a.Type, len(a.Values)))
	}
	sort.Strings(parts)
	if v.Object {
		return "an object {" + strings.Join(parts, ", ") + "}"
	}
	return strings.Join(parts, ", ")
}

// typedJS defines, in the page, the helpers the typed tests' scripts use.
const typedJS = `
const plain = (r) => ArrayBuffer.isView(r)
	? { object: false, arrays: { '': { type: r.constructor.name, values: Array.from(r, Number) } } }
	: { object: true, arrays: Object.fromEntries(Object.entries(r).map(([k, v]) => [k, { type: v.constructor.name, values: Array.from(v, Number) }])) };
const rejects = async (m, x) => { try { await m.predict(x); return 'resolved'; } catch (e) { return e.message; } };
const infoOf = (m) => ({ contract: m.info.contract, inputs: m.info.inputs, outputs: m.info.outputs });
`

func readNpy(t *testing.T, path string) *npy.Array {
	t.Helper()
	a, err := npy.ReadFile(path, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// typedPageWith imports the torch export name, packages it with the
// project's [deploy] isolation set, serves it and evaluates script (an
// async function body given m, the loaded model) in Chromium.
func typedPageWith(t *testing.T, name, isolation, script string) typedResult {
	t.Helper()
	torch, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "onnx", "torch"))
	dir := filepath.Join(t.TempDir(), name)
	pwagen(t, "new", "--from", filepath.Join(torch, name+"-opset17.onnx"), dir)
	if isolation != "none" {
		toml := filepath.Join(dir, "pwagen.toml")
		b, err := os.ReadFile(toml)
		if err != nil {
			t.Fatal(err)
		}
		set := strings.Replace(string(b), `isolation = "none"`, fmt.Sprintf("isolation = %q", isolation), 1)
		if set == string(b) {
			t.Fatalf(`%s has no isolation = "none" to change`, toml)
		}
		if err := os.WriteFile(toml, []byte(set), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pwagen(t, "package", "--quiet", dir)
	url, _ := startPreview(t, filepath.Join(dir, "dist"))
	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	return browsertest.Eval[typedResult](t, ctx, `import('./pwagen.js').then(async ({ loadModel }) => {`+typedJS+`
		const m = await loadModel({ serviceWorker: false });
		const out = { ...infoOf(m), transport: m.info.transport, results: {}, errors: {} };
		`+script+`
		return out;
	})`)
}

func checkInfo(t *testing.T, got []typedTensor, want string) {
	t.Helper()
	b, _ := json.Marshal(got)
	if string(b) != want {
		t.Errorf("model.info lists %s, want %s", b, want)
	}
}

// checkRejected checks that each kind of bad input rejected with a message
// holding every wanted part (what was expected).
func checkRejected(t *testing.T, got map[string]string, want map[string][]string) {
	t.Helper()
	for kind, parts := range want {
		msg, ok := got[kind]
		if !ok {
			t.Errorf("%s: not tried", kind)
			continue
		}
		if msg == "resolved" {
			t.Errorf("%s: predict resolved; want a rejection", kind)
			continue
		}
		for _, p := range parts {
			if !strings.Contains(msg, p) {
				t.Errorf("%s: rejected with %q, which does not say %q", kind, msg, p)
			}
		}
	}
}

// TestTypedLoaderInChromium drives the loader's typed API (docs/contract.md)
// on a real torch transformer with int64 token ids and a mask and two
// outputs: BigInt64Array and Int32Array ids both give torch's outputs
// within 1e-4 of their scale, as an object by name; model.info lists the
// inputs and outputs; every kind of bad input rejects, naming what was
// expected. On a plain page and on a cross-origin isolated one.
func TestTypedLoaderInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("packages a model and starts Chromium")
	}
	torch := filepath.Join("..", "..", "testdata", "onnx", "torch")
	ids, _ := readNpy(t, filepath.Join(torch, "transformer_embed_gelu.input_ids.npy")).Int64()
	mask, _ := readNpy(t, filepath.Join(torch, "transformer_embed_gelu.mask.npy")).Int64()
	wantOut := readNpy(t, filepath.Join(torch, "transformer_embed_gelu-opset17.output.npy")).Float32()
	wantHidden := readNpy(t, filepath.Join(torch, "transformer_embed_gelu-opset17.hidden.npy")).Float32()
	for _, iso := range []struct{ isolation, transport string }{{"none", "postMessage"}, {"headers", "shared-memory"}} {
		t.Run(iso.transport, func(t *testing.T) { typedEmbedGelu(t, iso.isolation, iso.transport, ids, mask, wantOut, wantHidden) })
	}
}

// typedEmbedGelu is TestTypedLoaderInChromium on a page served with
// isolation: on an isolated one the int64 inputs are written straight
// into the worker's shared channel.
func typedEmbedGelu(t *testing.T, isolation, transport string, ids, mask []int64, wantOut, wantHidden []float32) {
	r := typedPageWith(t, "transformer_embed_gelu", isolation, `
		const ids = `+jsonOf(ids)+`, mask = `+jsonOf(mask)+`;
		const big = (a) => BigInt64Array.from(a, BigInt);
		out.results.bigint = plain(await m.predict({ input_ids: big(ids), mask: big(mask) }));
		out.results.int32 = plain(await m.predict({ input_ids: Int32Array.from(ids), mask: Int32Array.from(mask) }));
		out.results.array = plain(await m.predict({ input_ids: ids, mask }));
		out.errors.unknown = await rejects(m, { input_ids: big(ids), mask: big(mask), token_type_ids: big(ids) });
		out.errors.missing = await rejects(m, { input_ids: big(ids) });
		out.errors.fraction = await rejects(m, { input_ids: new Float32Array(32).fill(0.5), mask: big(mask) });
		out.errors.length = await rejects(m, { input_ids: big(ids.slice(1)), mask: big(mask) });
		out.errors.one = await rejects(m, big(ids));
		out.errors.string = await rejects(m, { input_ids: big(ids), mask: 'all' });
		out.errors.range = await rejects(m, { input_ids: big(ids), mask: Array(32).fill(2 ** 64) });
		out.results.after = plain(await m.predict({ input_ids: big(ids), mask: big(mask) })); // the model still works
		const batch = await m.predictBatch([{ input_ids: big(ids), mask: big(mask) }, { input_ids: Int32Array.from(ids), mask: Int32Array.from(mask) }, { input_ids: ids, mask }]);
		batch.forEach((r, i) => { out.results['batch' + i] = plain(r); });
		out.errors.batch = await m.predictBatch([{ input_ids: big(ids), mask: big(mask) }, { input_ids: big(ids) }]).then(() => 'resolved', (e) => e.message);
	`)
	if r.Transport != transport {
		t.Errorf("info.transport = %q with isolation = %q, want %q", r.Transport, isolation, transport)
	}
	if r.Contract != "typed" {
		t.Errorf("info.contract %q, want typed", r.Contract)
	}
	checkInfo(t, r.Inputs, `[{"name":"input_ids","dtype":"int64","shape":[2,16]},{"name":"mask","dtype":"int64","shape":[2,16]}]`)
	checkInfo(t, r.Outputs, `[{"name":"output","dtype":"float32","shape":[2,5]},{"name":"hidden","dtype":"float32","shape":[2,16,32]}]`)
	for _, kind := range []string{"bigint", "int32", "array", "after", "batch0", "batch1", "batch2"} {
		res, ok := r.Results[kind]
		if !ok || !res.Object {
			t.Fatalf("%s ids: predict resolved to %s; want an object of typed arrays by name", kind, res)
		}
		for name, want := range map[string][]float32{"output": wantOut, "hidden": wantHidden} {
			got := res.Arrays[name]
			if got.Type != "Float32Array" {
				t.Errorf("%s ids: output %s is a %q, want a Float32Array", kind, name, got.Type)
			}
			checkClose(t, kind+" ids, "+name, got.Values, want)
		}
	}
	checkRejected(t, r.Errors, map[string][]string{
		"unknown":  {`"token_type_ids"`, `"input_ids" (int64, shape [2, 16], 32 values)`, `"mask" (int64, shape [2, 16], 32 values)`},
		"missing":  {`missing the input "mask" (int64, shape [2, 16], 32 values)`},
		"fraction": {`"input_ids" (int64, shape [2, 16], 32 values)`, "value 0 is 0.5, not an integer", "BigInt64Array"},
		"length":   {`"input_ids" (int64, shape [2, 16], 32 values)`, "31 values", "takes 32"},
		"one":      {"2 inputs", "input_ids: …, mask: …"},
		"string":   {`"mask" (int64, shape [2, 16], 32 values)`, "string"},
		"range":    {`"mask"`, "outside int64's range"},
		"batch":    {"predictBatch's input 1 of 2", `missing the input "mask"`},
	})
}

// TestTypedLoaderFloatAndBool runs a torch transformer with a float input
// and a bool mask, and one output: predict resolves to a Float32Array, a
// mask given as a Uint8Array or as an Array of booleans gives torch's
// output, and a BigInt64Array for the float input rejects. The project is
// packaged with isolation = "headers": the loader answers through its
// shared-memory channel, single calls and batches.
func TestTypedLoaderFloatAndBool(t *testing.T) {
	if testing.Short() {
		t.Skip("packages a model and starts Chromium")
	}
	torch := filepath.Join("..", "..", "testdata", "onnx", "torch")
	x := readNpy(t, filepath.Join(torch, "transformer_relu_mask.input.npy")).Float32()
	mask, _ := readNpy(t, filepath.Join(torch, "transformer_relu_mask.mask.npy")).Int64()
	want := readNpy(t, filepath.Join(torch, "transformer_relu_mask-opset17.output.npy")).Float32()
	r := typedPageWith(t, "transformer_relu_mask", "headers", `
		const x = new Float32Array(`+jsonOf(x)+`), mask = `+jsonOf(mask)+`;
		out.results.uint8 = plain(await m.predict({ input: x, mask: Uint8Array.from(mask) }));
		out.results.booleans = plain(await m.predict({ input: Float64Array.from(x), mask: mask.map((v) => v === 1) }));
		const both = await m.predictBatch([{ input: x, mask: Uint8Array.from(mask) }, { input: x, mask: mask.map((v) => v === 1) }]);
		out.results.batch0 = plain(both[0]);
		out.results.batch1 = plain(both[1]);
		out.errors.bigint = await rejects(m, { input: new BigInt64Array(x.length), mask: Uint8Array.from(mask) });
		out.errors.notbool = await rejects(m, { input: x, mask: Uint8Array.from(mask, () => 2) });
	`)
	checkInfo(t, r.Inputs, `[{"name":"input","dtype":"float32","shape":[2,16,32]},{"name":"mask","dtype":"bool","shape":[2,16]}]`)
	checkInfo(t, r.Outputs, `[{"name":"output","dtype":"float32","shape":[2,16,32]}]`)
	if r.Transport != "shared-memory" {
		t.Errorf("isolation = \"headers\": info.transport = %q, want shared-memory", r.Transport)
	}
	for _, kind := range []string{"uint8", "booleans", "batch0", "batch1"} {
		res := r.Results[kind]
		got, ok := res.Arrays[""]
		if res.Object || !ok || got.Type != "Float32Array" {
			t.Fatalf("%s mask: predict resolved to %s; want one Float32Array (the model has one output)", kind, res)
		}
		checkClose(t, kind+" mask", got.Values, want)
	}
	checkRejected(t, r.Errors, map[string][]string{
		"bigint":  {`"input" (float32, shape [2, 16, 32], 1024 values)`, "BigInt64Array", "Float32Array"},
		"notbool": {`"mask" (bool, shape [2, 16], 32 values)`, "value 0 is 2"},
	})
}

// TestV1LoaderInfo checks that a hand-written model (the default template's
// iris project, ABI v1) still predicts on a Float32Array and that its info
// says what the loader knows: one float32 input of 4 values, outputs null.
func TestV1LoaderInfo(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a model and drives Chromium")
	}
	dir := filepath.Join(t.TempDir(), "iris-app")
	pwagen(t, "new", dir)
	pwagen(t, "package", "--quiet", dir)
	want, _ := nativeIris(t, dir, []string{"5.1", "3.5", "1.4", "0.2"})
	url, _ := startPreview(t, filepath.Join(dir, "dist"))
	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate(url))
	type v1Result struct {
		Contract string          `json:"contract"`
		Inputs   []typedTensor   `json:"inputs"`
		Outputs  json.RawMessage `json:"outputs"`
		Out      typedValue      `json:"out"`
		Named    typedValue      `json:"named"`
		Wrong    string          `json:"wrong"`
	}
	r := browsertest.Eval[v1Result](t, ctx, `import('./pwagen.js').then(async ({ loadModel }) => {`+typedJS+`
		const m = await loadModel({ serviceWorker: false });
		return { ...infoOf(m),
			out: plain(await m.predict(new Float32Array([5.1, 3.5, 1.4, 0.2]))),
			named: plain(await m.predict({ input: [5.1, 3.5, 1.4, 0.2] })),
			wrong: await rejects(m, { input_ids: [1, 2, 3, 4] }) };
	})`)
	if r.Contract != "v1" || string(r.Outputs) != "null" {
		t.Errorf("info.contract %q, outputs %s; want v1 and null (a v1 model declares no outputs)", r.Contract, r.Outputs)
	}
	checkInfo(t, r.Inputs, `[{"name":"input","dtype":"float32","shape":[4]}]`)
	for what, res := range map[string]typedValue{"Float32Array": r.Out, "{input}": r.Named} {
		got := res.Arrays[""]
		if res.Object || got.Type != "Float32Array" || len(got.Values) != len(want) {
			t.Fatalf("%s: predict resolved to %s; want a Float32Array of %d values", what, res, len(want))
		}
		for i := range want {
			if d := got.Values[i] - want[i]; d > 1e-6 || d < -1e-6 {
				t.Errorf("%s: value %d is %g, native Go says %g", what, i, got.Values[i], want[i])
			}
		}
	}
	if !strings.Contains(r.Wrong, `"input" (float32, 4 values)`) || !strings.Contains(r.Wrong, `"input_ids"`) {
		t.Errorf("a wrong name on a v1 model rejected with %q; want it to name the input it takes", r.Wrong)
	}
}
