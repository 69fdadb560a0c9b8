package packager

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"text/template"

	"github.com/pwagen/pwagen/templates"
)

// The stable names of a library (pwagen package --lib, docs/lib.md).
const (
	// LibEntry is the library's entry: the loader, with the package's
	// configuration baked in.
	LibEntry = "index.js"
	// LibSW is the piece of service worker a library ships. pwagen replaces
	// a library folder only if it holds this file.
	LibSW = "pwagen-sw.js"
)

// libPipeline is every stage of `pwagen package --lib`: the model, its
// weights and the loader as an ES module package, with no page, no
// manifest and no service worker of its own.
var libPipeline = []stage{
	stageFunc{"check output", checkOut},            // refuse an OUT that holds sources or user files
	stageFunc{"compile model", compileModel},       // GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared
	stageFunc{"shard weights", shardWeights},       // SHA-256 per shard, streamed
	stageFunc{"start validation", startValidation}, // validate.Module, beside the next stages
	stageFunc{"model files", addModelFiles},        // the .wasm and the kernel modules, hashed
	stageFunc{"validate model", validateModel},     // the validator's report: features, ABI, memory; the contract
	stageFunc{"loader", bundleLoader},              // index.js with the runtime config and measured memory baked in
	stageFunc{"memory figure", bakePeak},           // the final shell against the download budget
	stageFunc{"library files", libFiles},           // package.json, index.d.ts, pwagen-sw.js, README.md
	stageFunc{"host configs", hostConfigs},         // CORS and CORP for every file
}

// RunLib runs libPipeline, then writes the library atomically.
func RunLib(ctx context.Context, b *Build) error {
	b.Lib = true
	return run(ctx, b, libPipeline)
}

// loaderName is the loader's file name: pwagen.js, or index.js in a library.
func (b *Build) loaderName() string {
	if b.Lib {
		return LibEntry
	}
	return LoaderName
}

// DefaultLibURL is where a published library is served from by default:
// jsDelivr's copy of the npm package.
func (b *Build) DefaultLibURL() string {
	return "https://cdn.jsdelivr.net/npm/" + b.Config.Lib.Name + "@" + b.Config.Lib.Version + "/"
}

// libURL is the folder URL the snippet names, ending in "/".
func (b *Build) libURL() string {
	u := b.LibURL
	if u == "" {
		u = b.DefaultLibURL()
	}
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

// SRI is the Subresource Integrity value of data: sha384, base64.
func SRI(data []byte) string {
	sum := sha512.Sum384(data)
	return "sha384-" + base64.StdEncoding.EncodeToString(sum[:])
}

// Snippet is the HTML that loads the library from its URL: the entry,
// checked by its integrity, then a module that imports it (the same URL,
// so the browser reuses the checked module).
func (b *Build) Snippet() string {
	entry := b.libURL() + LibEntry
	return fmt.Sprintf(`<script type="module" src="%s" integrity="%s" crossorigin="anonymous"></script>
<script type="module">
  import { loadModel } from '%s';
  const model = await loadModel();
  // const y = await model.predict(...); see %sREADME.md
</script>
`, entry, SRI(b.Files[LibEntry].Data), entry, b.libURL())
}

type packageJSON struct {
	Name        string            `json:"name"`
	Version     string            `json:"version"`
	Description string            `json:"description"`
	Type        string            `json:"type"`
	Main        string            `json:"main"`
	Types       string            `json:"types"`
	Exports     map[string]any    `json:"exports"`
	Files       []string          `json:"files"`
	Pwagen      map[string]string `json:"pwagen"`
}

// entryExports are the conditions of the package's entry, in the order
// resolvers try them: "types" must come first.
type entryExports struct {
	Types   string `json:"types"`
	Default string `json:"default"`
}

// libFiles writes package.json, index.d.ts, pwagen-sw.js and README.md.
func libFiles(ctx context.Context, b *Build) error {
	c := b.Config
	dts, err := DTS(c.Lib.Name, b.Report.Contract)
	if err != nil {
		return err
	}
	b.add(&File{Name: "index.d.ts", Data: dts, Package: true})

	sums := map[string]string{}
	files := []string{LibEntry, "index.d.ts", LibSW, "README.md"}
	weights := false
	for _, n := range b.sortedNames() {
		switch {
		case strings.HasPrefix(n, "weights/"):
			weights = true
		case path.Ext(n) == ".wasm":
			sums[n] = b.sha256Hex(b.Files[n].Data)
			files = append(files, n)
		}
	}
	if weights {
		files = append(files, "weights/")
	}
	sw, err := renderLib("pwagen-sw.js.tmpl", map[string]any{"Name": c.Lib.Name, "Version": c.Lib.Version, "Entry": LibEntry, "Sums": sums, "Build": b.version})
	if err != nil {
		return err
	}
	b.add(&File{Name: LibSW, Data: sw, Package: true})

	desc := c.App.Description
	if desc == "" {
		desc = c.App.Name
	}
	pj, err := marshalJSON(packageJSON{
		Name: c.Lib.Name, Version: c.Lib.Version,
		Description: desc,
		Type:        "module", Main: "./" + LibEntry, Types: "./index.d.ts",
		Exports: map[string]any{
			".":              entryExports{Types: "./index.d.ts", Default: "./" + LibEntry},
			"./" + LibSW:     "./" + LibSW,
			"./package.json": "./package.json",
			"./*":            "./*",
		},
		Files:  files,
		Pwagen: map[string]string{"entry": LibEntry, "serviceWorker": LibSW},
	})
	if err != nil {
		return err
	}
	b.add(&File{Name: "package.json", Data: pj, Package: true})

	readme, err := renderLib("README.md.tmpl", map[string]any{
		"Name": c.Lib.Name, "Version": c.Lib.Version, "App": c.App.Name, "Snippet": strings.TrimRight(b.Snippet(), "\n"),
		"URL": b.libURL(), "Contract": b.Report.Contract, "Predict": predictExample(b),
	})
	if err != nil {
		return err
	}
	b.add(&File{Name: "README.md", Data: readme, Package: true})
	return nil
}

// predictExample is a call of predict with this model's inputs.
func predictExample(b *Build) string {
	c := b.Report.Contract
	if c.Version != "typed" {
		n := 0
		if len(c.Inputs) > 0 && len(c.Inputs[0].Shape) > 0 {
			n = c.Inputs[0].Shape[0]
		}
		return fmt.Sprintf("const y = await model.predict(new Float32Array(%d)); // a Float32Array of every output value", n)
	}
	var parts []string
	for _, t := range c.Inputs {
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		parts = append(parts, fmt.Sprintf("%s: new %s(%d)", tsKey(t.Name), tsOutput[t.DType], n))
	}
	return "const y = await model.predict({ " + strings.Join(parts, ", ") + " });"
}

func renderLib(name string, data any) ([]byte, error) {
	t, err := template.New(name).Funcs(template.FuncMap{"json": func(v any) (string, error) {
		j, err := json.Marshal(v)
		return string(j), err
	}}).ParseFS(templates.Lib, "lib/"+name)
	if err != nil {
		return nil, fmt.Errorf("%s (a pwagen bug): %w", name, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("%s (a pwagen bug): %w", name, err)
	}
	return buf.Bytes(), nil
}

// marshalJSON is indented JSON without HTML escaping, ending in a newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return buf.Bytes(), err
}

// swUnlessLib writes sw.js again, except in a library, which has none.
func (b *Build) swUnlessLib(ctx context.Context) error {
	if b.Lib {
		return nil
	}
	return serviceWorker(ctx, b)
}

// LibURLOrDefault is the folder URL the snippet loads the library from.
func (b *Build) LibURLOrDefault() string { return b.libURL() }
