package validate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const goodSignature = `{"inputs":[{"name":"input_ids","dtype":"int64","shape":[2,3]},{"name":"mask","dtype":"bool","shape":[2,3]}],"outputs":[{"name":"logits","dtype":"float32","shape":[2,2]},{"name":"ids","dtype":"int64","shape":[1]}]}`

// TestParseSignature: the signature parser takes the contract's JSON and
// refuses everything else, hostile input included, with a message that
// says what is wrong.
func TestParseSignature(t *testing.T) {
	tensor := func(name, dtype, shape string) string {
		return `{"name":` + name + `,"dtype":` + dtype + `,"shape":` + shape + `}`
	}
	sig := func(in, out string) string { return `{"inputs":[` + in + `],"outputs":[` + out + `]}` }
	x := tensor(`"x"`, `"float32"`, `[4]`)
	many := strings.Repeat(x+",", 1024) + tensor(`"y"`, `"float32"`, `[1]`)
	for _, tt := range []struct {
		name, in, want string // want: "" parses, else a part of the error
	}{
		{"good", goodSignature, ""},
		{"scalar and empty shapes", sig(tensor(`"s"`, `"float32"`, `[]`), tensor(`"z"`, `"uint8"`, `[0,5]`)), ""},
		{"every dtype", sig(tensor(`"a"`, `"float32"`, `[1]`)+","+tensor(`"b"`, `"int32"`, `[1]`)+","+tensor(`"c"`, `"int64"`, `[1]`)+","+tensor(`"d"`, `"uint8"`, `[1]`)+","+tensor(`"e"`, `"bool"`, `[1]`), ""), ""},
		{"extra fields", `{"inputs":[` + x + `],"outputs":[],"version":2}`, ""},
		{"spaces after", goodSignature + "   \n", ""},
		{"empty", ``, "ends after 0 bytes"},
		{"not JSON", `inputs: x`, "not a JSON object"},
		{"cut short", goodSignature[:40], "before the JSON is complete"},
		{"trailing data", goodSignature + `{}`, "data after its JSON object"},
		{"null", `null`, `no "inputs" list`},
		{"a list", `[1,2]`, "not a JSON object"},
		{"no inputs key", `{"outputs":[]}`, `no "inputs" list`},
		{"no outputs key", `{"inputs":[` + x + `]}`, `no "outputs" list`},
		{"inputs not a list", `{"inputs":{"x":1},"outputs":[]}`, "not a JSON object"},
		{"no inputs", sig("", x), "lists no inputs"},
		{"tensor not an object", sig(`7`, ""), "inputs[0] is not a tensor"},
		{"no name", sig(tensor(`""`, `"float32"`, `[1]`), ""), "inputs[0] has no name"},
		{"name a number", sig(tensor(`5`, `"float32"`, `[1]`), ""), "inputs[0] is not a tensor"},
		{"long name", sig(tensor(`"`+strings.Repeat("n", 300)+`"`, `"float32"`, `[1]`), ""), "name of 300 bytes, over the limit of 256"},
		{"two inputs of a name", sig(x+","+x, ""), `names two inputs "x"`},
		{"unknown dtype", sig(tensor(`"x"`, `"float16"`, `[1]`), ""), `gives input "x" the dtype "float16"; the contract's dtypes are float32, int32, int64, uint8 and bool`},
		{"dtype case", sig(tensor(`"x"`, `"Float32"`, `[1]`), ""), `the dtype "Float32"`},
		{"dtype missing", sig(`{"name":"x","shape":[1]}`, ""), `the dtype ""`},
		{"output dtype", sig(x, tensor(`"y"`, `"string"`, `[1]`)), `gives output "y" the dtype "string"`},
		{"no shape", sig(`{"name":"x","dtype":"int64"}`, ""), `gives input "x" no shape`},
		{"shape null", sig(tensor(`"x"`, `"int64"`, `null`), ""), `gives input "x" no shape`},
		{"negative dimension", sig(tensor(`"x"`, `"int64"`, `[2,-1]`), ""), "negative dimension; shapes are static"},
		{"fractional dimension", sig(tensor(`"x"`, `"int64"`, `[1.5]`), ""), "inputs[0] is not a tensor"},
		{"dimension a string", sig(tensor(`"x"`, `"int64"`, `["batch"]`), ""), "inputs[0] is not a tensor"},
		{"dimension 1e30", sig(tensor(`"x"`, `"int64"`, `[1e30]`), ""), "inputs[0] is not a tensor"},
		{"dimension 2^63", sig(tensor(`"x"`, `"int64"`, `[9223372036854775808]`), ""), "inputs[0] is not a tensor"},
		{"over 4 GiB", sig(tensor(`"x"`, `"float32"`, `[65536,65536]`), ""), `inputs take more than 4 GiB at input "x"`},
		{"overflowing product", sig(tensor(`"x"`, `"int64"`, `[4294967296,4294967296,4294967296]`), ""), "more than 4 GiB"},
		{"over 4 GiB in sum", sig(tensor(`"a"`, `"uint8"`, `[3221225472]`)+","+tensor(`"b"`, `"uint8"`, `[3221225472]`), ""), `at input "b"`},
		{"rank 17", sig(tensor(`"x"`, `"uint8"`, `[`+strings.TrimSuffix(strings.Repeat("1,", 17), ",")+`]`), ""), "17 dimensions, over the limit of 16"},
		{"too many tensors", sig(many, ""), "lists 1025 inputs, over the limit of 1024"},
		{"over 1 MiB", sig(x, "") + strings.Repeat(" ", maxSignature), "over the limit of 1048576"},
		{"invalid UTF-8", sig(tensor("\"x\xff\"", `"float32"`, `[1]`), ""), "not valid UTF-8"},
		{"deep nesting", strings.Repeat("[", 100000), "not a JSON object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseSignature([]byte(tt.in))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tt.want == "":
				if s == nil || len(s.Inputs) == 0 {
					t.Fatalf("parsed %+v", s)
				}
			case err == nil:
				t.Fatalf("parsed %+v, want an error saying %q", s, tt.want)
			case !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestLayoutIsTheContracts(t *testing.T) {
	s, err := parseSignature([]byte(goodSignature))
	if err != nil {
		t.Fatal(err)
	}
	// input_ids: 6 int64 = 48 bytes; mask at 48: 6 bytes, aligned to 56.
	// logits: 4 float32 = 16 bytes; ids at 16: 8 bytes, 24 in all.
	if in, out := layout(s.Inputs), layout(s.Outputs); in != 56 || out != 24 {
		t.Errorf("layout: inputs %d bytes, outputs %d; want 56 and 24", in, out)
	}
}

// typedWasm is testdata/wat/typed.wasm with its 512-byte signature replaced
// by sig (padded with spaces) and the outputs' byte length it returns by
// outLen (0: unchanged, 24).
func typedWasm(t *testing.T, sig string, outLen byte) string {
	t.Helper()
	b := readFile(t, wat("typed"))
	at := bytes.Index(b, []byte(`{"inputs":`))
	if at < 0 || len(sig) > 512 {
		t.Fatalf("signature at %d; new one of %d bytes", at, len(sig))
	}
	copy(b[at:at+512], sig+strings.Repeat(" ", 512-len(sig)))
	if outLen != 0 {
		o := bytes.Index(b, []byte("OUTLEN"))
		b[o+6] = outLen
	}
	p := filepath.Join(t.TempDir(), "typed.wasm")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func weights4K(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "w.bin")
	if err := os.WriteFile(p, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTypedContractReported: validate reads a typed model's signature in
// the measured run, runs one typed predict, and reports the inputs and
// outputs in the text report and in the JSON "contract" object.
func TestTypedContractReported(t *testing.T) {
	r := validateFile(t, wat("typed"), Options{Targets: defaultTargets, Weights: weights4K(t)})
	if !r.OK {
		t.Fatalf("problems: %+v", r.Problems)
	}
	b, _ := json.Marshal(r.Contract)
	if want := `{"version":"typed",` + goodSignature[1:]; string(b) != want {
		t.Errorf("contract %s\nwant     %s", b, want)
	}
	if !slices.ContainsFunc(r.Notes, func(n string) bool {
		return strings.Contains(n, "one typed predict on zero inputs (2 inputs, 2 outputs)")
	}) {
		t.Errorf("notes %q do not say the typed predict ran", r.Notes)
	}
	var text strings.Builder
	r.WriteText(&text)
	for _, l := range []string{"contract  typed (docs/contract.md)", "  input   input_ids  int64    [2, 3]", "  output  ids        int64    [1]"} {
		if !strings.Contains(text.String(), l+"\n") {
			t.Errorf("text report lacks %q:\n%s", l, &text)
		}
	}
}

// TestTypedContractProblems: a bad signature, incomplete typed exports or
// outputs shorter than the signature's layout fail validation (exit 1)
// with a "contract" problem that says what is wrong.
func TestTypedContractProblems(t *testing.T) {
	for _, tt := range []struct {
		name   string
		file   string
		parts  []string
		notRun bool
	}{
		{"not JSON", typedWasm(t, `{"inputs":[{"name":"x",`, 0), []string{"pwagen_signature is not a JSON object", "before the JSON is complete", "pwagen new --from"}, false},
		{"unknown dtype", typedWasm(t, strings.Replace(goodSignature, `"bool"`, `"complex64"`, 1), 0), []string{`gives input "mask" the dtype "complex64"`}, false},
		{"dynamic shape", typedWasm(t, strings.Replace(goodSignature, `[2,3]`, `[-1,3]`, 1), 0), []string{`input "input_ids" the shape [-1 3]`, "static"}, false},
		{"short outputs", typedWasm(t, goodSignature, 8), []string{"pwagen_predict_typed returned 8 bytes of outputs, but the signature's outputs take 24"}, false},
		{"incomplete exports", wat("typed_incomplete"), []string{"exports pwagen_alloc_inputs as () -> (i32), but the typed contract calls it as (i32) -> (i32)"}, true},
		{"missing exports", wat("typed_incomplete"), []string{"exports pwagen_signature but not pwagen_predict_typed, pwagen_outputs"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := validateFile(t, tt.file, Options{Targets: defaultTargets, Weights: weights4K(t)})
			if r.OK {
				t.Fatal("validation passed")
			}
			wantProblem(t, r, "contract", tt.parts...)
			if ran := r.Memory.PeakBytes != nil; ran == tt.notRun {
				t.Errorf("ran %v, want %v", ran, !tt.notRun)
			}
		})
	}
}

// TestV1ContractReported: a model without pwagen_signature is v1; its one
// float32 input's length comes from the measured run, its outputs are not
// declared.
func TestV1ContractReported(t *testing.T) {
	r := validateFile(t, wat("abi"), Options{Targets: defaultTargets, Weights: weights4K(t)})
	b, _ := json.Marshal(r.Contract)
	if want := `{"version":"v1","inputs":[{"name":"input","dtype":"float32","shape":[4]}],"outputs":null}`; string(b) != want {
		t.Errorf("contract %s, want %s", b, want)
	}
	var text strings.Builder
	r.WriteText(&text)
	if !strings.Contains(text.String(), "contract  v1: one float32 input of 4 values, float32 outputs of undeclared shape\n") {
		t.Errorf("text report:\n%s", &text)
	}
}

// TestCachedRunKeepsTheContract: a measured run taken from the cache
// reports the same contract as a fresh one.
func TestCachedRunKeepsTheContract(t *testing.T) {
	o := Options{Targets: defaultTargets, Weights: weights4K(t), CacheDir: t.TempDir(), WeightsKey: "k"}
	first := validateFile(t, wat("typed"), o)
	second := validateFile(t, wat("typed"), o)
	if !slices.ContainsFunc(second.Notes, func(n string) bool { return strings.Contains(n, "from the cache") }) {
		t.Fatalf("second run not from the cache: %q", second.Notes)
	}
	a, _ := json.Marshal(first.Contract)
	b, _ := json.Marshal(second.Contract)
	if string(a) != string(b) {
		t.Errorf("cached contract %s, fresh %s", b, a)
	}
}
