package config

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const good = `[app]
name = "Iris classifier"
short_name = "Iris"
theme_color = "#2f6f4e"

[model]
package = "./model"
weights = "weights/iris.bin"
shard_size = "1MiB"

[budget]
memory = "32MiB"
`

func TestParseGood(t *testing.T) {
	c, err := Parse("/p/pwagen.toml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.ShardSize != 1<<20 || c.MemoryBudget != 32<<20 || c.DownloadBudget != 10<<20 {
		t.Errorf("sizes: shard %d memory %d download %d", c.ShardSize, c.MemoryBudget, c.DownloadBudget)
	}
	if c.App.Web != "web" || c.Deploy.Update != "prompt" || len(c.Browser.Targets) != 4 || !c.Model.Kernels {
		t.Errorf("defaults not applied: %+v", c)
	}
	if got := c.Rel("weights/iris.bin"); got != filepath.FromSlash("/p/weights/iris.bin") {
		t.Errorf("Rel = %s", got)
	}
}

// TestDeployPrecompress: precompression is on unless the config says
// false.
func TestDeployPrecompress(t *testing.T) {
	for _, tt := range []struct {
		line string
		want bool
	}{{"", true}, {"\n[deploy]\nprecompress = false\n", false}, {"\n[deploy]\nprecompress = true\n", true}} {
		c, err := Parse("pwagen.toml", []byte(good+tt.line))
		if err != nil {
			t.Fatalf("%q: %v", tt.line, err)
		}
		if c.Deploy.Precompress != tt.want {
			t.Errorf("%q: Deploy.Precompress = %v, want %v", tt.line, c.Deploy.Precompress, tt.want)
		}
	}
}

func TestModelKernels(t *testing.T) {
	for _, tt := range []struct {
		line string
		want bool
	}{
		{"", true},
		{"kernels = true", true},
		{"kernels = false", false},
	} {
		c, err := Parse("pwagen.toml", []byte(strings.Replace(good, `shard_size = "1MiB"`, `shard_size = "1MiB"`+"\n"+tt.line, 1)))
		if err != nil {
			t.Fatalf("%q: %v", tt.line, err)
		}
		if c.Model.Kernels != tt.want {
			t.Errorf("%q: Model.Kernels = %v, want %v", tt.line, c.Model.Kernels, tt.want)
		}
	}
	_, err := Parse("pwagen.toml", []byte(strings.Replace(good, `shard_size = "1MiB"`, `shard_size = "1MiB"`+"\nkernels = \"no\"", 1)))
	if err == nil || !strings.Contains(err.Error(), "pwagen.toml:10") || !strings.Contains(err.Error(), "model.kernels") {
		t.Errorf(`kernels = "no": got %v, want an error at pwagen.toml:10 naming model.kernels`, err)
	}
	if Defaults.Model.Kernels != true {
		t.Error("Defaults.Model.Kernels is false; a project leaving out the key must get the kernels")
	}
}

// TestModelForeign: [model] wasm (with or without build) takes the model
// from another toolchain; without it the model is the Go package.
func TestModelForeign(t *testing.T) {
	for _, tt := range []struct {
		edit        string
		wasm        string
		build       []string
		wantForeign bool
	}{
		{`package = "./model"`, "", nil, false},
		{`wasm = "model.wasm"`, "model.wasm", nil, true},
		{"wasm = \"target/wasm32-wasi/release/model.wasm\"\nbuild = [\"cargo\", \"build\", \"--release\", \"--target\", \"wasm32-wasi\"]",
			"target/wasm32-wasi/release/model.wasm", []string{"cargo", "build", "--release", "--target", "wasm32-wasi"}, true},
	} {
		c, err := Parse("pwagen.toml", []byte(strings.Replace(good, `package = "./model"`, tt.edit, 1)))
		if err != nil {
			t.Fatalf("%s: %v", tt.edit, err)
		}
		if c.Model.Wasm != tt.wasm || !slices.Equal(c.Model.Build, tt.build) || c.Model.Foreign() != tt.wantForeign {
			t.Errorf("%s: wasm %q build %q foreign %v, want %q %q %v", tt.edit, c.Model.Wasm, c.Model.Build, c.Model.Foreign(), tt.wasm, tt.build, tt.wantForeign)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name, edit string
		want       []string
	}{
		{"unknown key with suggestion", "[browsers]\ntarget = [\"x\"]\n", []string{"pwagen.toml:16:1", `unknown key "browsers.target"`, `did you mean "browsers.targets"`}},
		{"key in the wrong table", "[deploy]\nmemory = \"1MiB\"\n", []string{"pwagen.toml:16:1", `unknown key "deploy.memory"`, `did you mean "budget.memory"`}},
		{"unknown table", "[zzz]\nqqqqqqqq = 1\n", []string{"pwagen.toml:15", `unknown key "zzz"`, "known keys are"}},
		{"wrong type", "[deploy]\nupdate = 3\n", []string{"pwagen.toml:16", "deploy.update: cannot decode TOML integer into a value of type string"}},
		{"syntax", "[deploy\n", []string{"pwagen.toml:15:8", "expected ']'"}},
		{"empty table is fine", "[deploy]\n", nil},
		{"bad target", "[browsers]\ntargets = [\"chrome\"]\n", []string{"pwagen.toml:16", `"chrome" is not a browser target`, "chrome100"}},
		{"absurd target version", "[browsers]\ntargets = [\"chrome99999999999\"]\n", []string{"pwagen.toml:16", "browsers.targets", `"chrome99999999999": version 99999999999 is over 999`}},
		{"absurd target minor version", "[browsers]\ntargets = [\"safari16.40000\"]\n", []string{"pwagen.toml:16", "version 40000 is over 999"}},
		// opera passed config and failed validation after the compile: one
		// parser (internal/browser) refuses it here, with the line.
		{"browser validate does not know", "[browsers]\ntargets = [\"opera90\"]\n", []string{"pwagen.toml:16", "browsers.targets", `"opera90": pwagen does not know the WebAssembly support of "opera"`, "chrome, edge, firefox, safari, ios"}},
		{"four-part version", "[browsers]\ntargets = [\"chrome1.2.3.4\"]\n", []string{"pwagen.toml:16", "browsers.targets", "not up to three numbers"}},
		{"bad isolation", "[deploy]\nisolation = \"coop\"\n", []string{"pwagen.toml:16", "deploy.isolation", "service-worker"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("pwagen.toml", []byte(good+"\n\n"+tt.edit))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	for _, tt := range []struct{ old, new, want string }{
		{`shard_size = "1MiB"`, `shard_size = "lots"`, `pwagen.toml:9: model.shard_size: "lots" is not a size`},
		{`shard_size = "1MiB"`, `shard_size = "1KiB"`, "outside 64KiB..256MiB"},
		{`memory = "32MiB"`, `memory = "5GiB"`, "pwagen.toml:12: budget.memory: 5GiB is over 4GiB"},
		{`theme_color = "#2f6f4e"`, `theme_color = "green"`, `pwagen.toml:4: app.theme_color: "green" is not a colour`},
		{`short_name = "Iris"`, `short_name = "Iris classifier app"`, "keep it to 12 or fewer"},
		{`name = "Iris classifier"`, `name = ""`, "pwagen.toml:2: app.name: the app needs a name"},
		{`package = "./model"`, `package = "-toolexec=/path/evil.sh"`, `pwagen.toml:7: model.package: "-toolexec=/path/evil.sh" starts with "-", which go build would read as a flag`},
		{`package = "./model"`, `package = "example.com/evil"`, `pwagen.toml:7: model.package: "example.com/evil" is not a folder path`},
		{`package = "./model"`, `package = "./..."`, "is a pattern"},
		{`package = "./model"`, `build = ["cargo", "build"]`, `pwagen.toml:7: model.build: names a command but not the module it writes; add wasm =`},
		{`package = "./model"`, "wasm = \"m.wasm\"\nbuild = [\"\", \"build\"]", `pwagen.toml:8: model.build: the command is empty`},
		{`package = "./model"`, `wasm = "target/model.so"`, `pwagen.toml:7: model.wasm: "target/model.so" does not end in .wasm`},
		{`package = "./model"`, "package = \"./model\"\nwasm = \"m.wasm\"", `pwagen.toml:7: model.package: is set with model.wasm`},
	} {
		t.Run(tt.new, func(t *testing.T) {
			_, err := Parse("pwagen.toml", []byte(strings.Replace(good, tt.old, tt.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParseBOM(t *testing.T) {
	_, err := Parse("pwagen.toml", append([]byte("\xef\xbb\xbf"), good...))
	if err == nil || !strings.Contains(err.Error(), "pwagen.toml:1:1: the file starts with a UTF-8 byte order mark (BOM)") || !strings.Contains(err.Error(), "without BOM") {
		t.Fatalf("got %v, want a hint to remove the BOM", err)
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "pwagen new") {
		t.Fatalf("got %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), []byte(good), 0o644)
	if _, err := Load(dir); err != nil {
		t.Fatal(err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]uint64{"4MiB": 4 << 20, "512 KiB": 512 << 10, "1000": 1000, "1.5GiB": 3 << 29, "2MB": 2e6} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1MiB", "4 TiB", "9999999999GiB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) succeeded", in)
		}
	}
}

// FuzzParse: whatever the file holds, Parse returns a config or an error,
// never panics, and never accepts what a checked config must not hold. The
// seeds in testdata/fuzz/FuzzParse hold issue 12's cases. CI runs
// go test ./config -run='^$' -fuzz=FuzzParse -fuzztime=10s
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("[app]\nname = 1\n"))
	f.Add([]byte("[model]\nweights = \"w\"\nshard_size = \"1e9GiB\""))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("pwagen.toml", data)
		if err != nil {
			if strings.Contains(err.Error(), " a of type") {
				t.Fatalf("ungrammatical error: %v", err)
			}
			return
		}
		if c.App.Name == "" || c.ShardSize == 0 {
			t.Fatalf("accepted a config without a name or shard size: %+v", c)
		}
		if checkPackage(c.Model.Package) != "" {
			t.Fatalf("accepted package %q", c.Model.Package)
		}
		for _, tg := range c.Browser.Targets {
			if len(tg) > 24 {
				t.Fatalf("accepted target %q", tg)
			}
		}
	})
}

func TestQuantizeKeys(t *testing.T) {
	for _, tt := range []struct {
		text, err string
		mode      string
		agree     float64
	}{
		{"quantize = \"int8\"\n[budget]\nquantized_agreement = 0.98\n", "", "int8", 0.98},
		{"quantize = \"fp16\"\n", "", "fp16", 0},
		{"quantize = \"int4\"\n", `model.quantize: "int4" is not a quantization`, "", 0},
		{"[budget]\nquantized_agreement = 99\n", "budget.quantized_agreement: 99 is not a share from 0 to 1", "", 0},
	} {
		c, err := Parse("pwagen.toml", []byte("[app]\nname = \"x\"\n[model]\nweights = \"weights/model.bin\"\n"+tt.text))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.text, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.text, err)
			continue
		}
		if c.Model.Quantize != tt.mode || c.Budget.QuantizedAgreement != tt.agree {
			t.Errorf("%q: quantize %q agreement %v", tt.text, c.Model.Quantize, c.Budget.QuantizedAgreement)
		}
	}
}

// TestSizeUnits: "64 MB" is 64,000,000 bytes, as documented; a unit in the
// wrong case is refused with both spellings it may have meant; every unit
// is listed in the comment that heads each template's pwagen.toml.
func TestSizeUnits(t *testing.T) {
	if got, err := ParseSize("64 MB"); err != nil || got != 64e6 {
		t.Errorf(`ParseSize("64 MB") = %d, %v; want 64000000`, got, err)
	}
	for in, want := range map[string]string{
		"64mb":   `"64mb" is not a size: units are case-sensitive; write "64MiB" (powers of 1024) or "64MB" (of 1000)`,
		"4 kib":  `write "4KiB" (powers of 1024) or "4KB"`,
		"1.5Gb":  `write "1.5GiB"`,
		"lots":   `"lots" is not a size; write a number with a unit (B, KiB, MiB, GiB, or KB, MB, GB)`,
		"64 MBs": `"64 MBs" is not a size; write a number with a unit`,
	} {
		_, err := ParseSize(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSize(%q): %v; want %q", in, err, want)
		}
	}
	tmpls, _ := filepath.Glob("../templates/*/*/pwagen.toml.tmpl")
	more, _ := filepath.Glob("../templates/*/pwagen.toml.tmpl")
	tmpls = append(tmpls, more...)
	if len(tmpls) < 3 {
		t.Fatalf("found %d pwagen.toml templates", len(tmpls))
	}
	for _, p := range tmpls {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(string(data), "\n[")
		for u := range units {
			if u != "" && !regexp.MustCompile(`\b`+u+`\b`).MatchString(head) {
				t.Errorf("%s: the opening comment does not list the size unit %s", p, u)
			}
		}
	}
}

// TestModelBackend: backend takes auto, wasm or go; with auto or wasm, a
// model/model.wasm (which pwagen import writes) becomes the module package
// takes, as [model] wasm would; auto without it builds the Go package and
// wasm without it is refused with what to run.
func TestModelBackend(t *testing.T) {
	for _, tt := range []struct {
		backend  string
		present  bool
		wasm     string
		err      string
		parseErr string
	}{
		{"", true, "", "", ""},
		{`backend = "go"`, true, "", "", ""},
		{`backend = "auto"`, true, "model/model.wasm", "", ""},
		{`backend = "auto"`, false, "", "", ""},
		{`backend = "wasm"`, true, "model/model.wasm", "", ""},
		{`backend = "wasm"`, false, "", "pwagen.toml:21: model.backend: \"wasm\", but model/model.wasm does not exist; run `pwagen import MODEL.onnx` to write it, or set backend = \"go\"", ""},
		{`backend = "rust"`, false, "", "", `model.backend: "rust" is not a back end; use "auto"`},
	} {
		dir := t.TempDir()
		if tt.present {
			os.MkdirAll(filepath.Join(dir, "model"), 0o755)
			os.WriteFile(filepath.Join(dir, "model", "model.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644)
		}
		text := strings.Replace(good, `shard_size = "1MiB"`, "shard_size = \"1MiB\"\n"+tt.backend, 1)
		c, err := Parse(filepath.Join(dir, "pwagen.toml"), []byte(text))
		if tt.parseErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.parseErr) {
				t.Errorf("%s: error %v, want %q", tt.backend, err, tt.parseErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.backend, err)
		}
		err = c.resolveBackend()
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err[len("pwagen.toml:21: "):]) {
				t.Errorf("%s: error %v, want %q", tt.backend, err, tt.err)
			}
			continue
		}
		if err != nil || c.Model.Wasm != tt.wasm || c.Model.Foreign() != (tt.wasm != "") {
			t.Errorf("%s (model.wasm present %v): wasm %q, err %v; want %q", tt.backend, tt.present, c.Model.Wasm, err, tt.wasm)
		}
	}
	// kernels = false: auto builds Go, wasm is refused.
	for _, b := range []string{"auto", "wasm"} {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "model"), 0o755)
		os.WriteFile(filepath.Join(dir, "model", "model.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644)
		c, err := Parse(filepath.Join(dir, "pwagen.toml"), []byte(strings.Replace(good, `shard_size = "1MiB"`, "shard_size = \"1MiB\"\nkernels = false\nbackend = \""+b+"\"", 1)))
		if err != nil {
			t.Fatal(err)
		}
		err = c.resolveBackend()
		if c.Model.Foreign() || (b == "wasm") != (err != nil) {
			t.Errorf("kernels = false, backend %s: foreign %v, err %v", b, c.Model.Foreign(), err)
		}
	}
	// backend with wasm: two ways to name the module.
	_, err := Parse("pwagen.toml", []byte(strings.Replace(good, `package = "./model"`, "wasm = \"m.wasm\"\nbackend = \"auto\"", 1)))
	if err == nil || !strings.Contains(err.Error(), "model.backend: is set with model.wasm") {
		t.Errorf("backend with wasm: %v", err)
	}
}
