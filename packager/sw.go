package packager

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/swgen"
)

// versionPlaceholder stands for the version in the loader's bundle until
// the bundle, the rest of the package with it, gives the version.
const versionPlaceholder = "pwagen-version-?"

// loaderVersion names the package by every file in it so far and by the
// loader itself, bundled with versionPlaceholder; it returns the loader
// with the version in the placeholder's place. The service worker, the
// next stage, names its cache after the same version: a change to any file
// of the package, the loader included, is a new version.
func loaderVersion(b *Build, loader []byte) ([]byte, string, error) {
	quoted := []byte(`"` + versionPlaceholder + `"`)
	if n := bytes.Count(loader, quoted); n != 1 {
		return nil, "", fmt.Errorf("the loader's bundle holds the version placeholder %d times, want 1 (a pwagen bug; please report it)", n)
	}
	h := sha256.New()
	for _, n := range b.sortedNames() {
		f := b.Files[n]
		if n == b.loaderName() || n == "sw.js" {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, f.Size())
		if f.Src == nil {
			h.Write(f.Data)
		} else { // a weight shard: its name is its hash
			h.Write([]byte(n))
		}
	}
	fmt.Fprintf(h, "%s\x00%d\x00", b.loaderName(), len(loader))
	h.Write(loader)
	v := hex.EncodeToString(h.Sum(nil))[:len(versionPlaceholder)]
	return bytes.Replace(loader, quoted, []byte(`"`+v+`"`), 1), v, nil
}

// serviceWorker writes sw.js: the app shell is precached, the .wasm cached
// on first use, and the weights left to the loader's IndexedDB store.
func serviceWorker(ctx context.Context, b *Build) error {
	c := swgen.Config{Version: b.version, Isolate: b.Config.Deploy.Isolation == hosts.IsolationServiceWorker, SHA256: map[string]string{}}
	c.Precache = append(c.Precache, swgen.Entry{URL: "./", Revision: b.revision(b.Files["index.html"].Data)})
	for _, n := range b.sortedNames() {
		f := b.Files[n]
		switch {
		case n == "index.html" || strings.HasPrefix(n, "weights/"):
		case path.Ext(n) == ".wasm":
			c.Lazy = append(c.Lazy, n)
			c.SHA256[n] = b.sha256Hex(f.Data)[:swSumDigits]
		case f.Hashed:
			c.Precache = append(c.Precache, swgen.Entry{URL: n})
			c.SHA256[n] = b.sha256Hex(f.Data)[:swSumDigits]
		default:
			c.Precache = append(c.Precache, swgen.Entry{URL: n, Revision: b.revision(f.Data)})
		}
	}
	var buf bytes.Buffer
	if err := swgen.Generate(&buf, c); err != nil {
		return err
	}
	targets := b.Config.Browser.Targets
	js, err := b.cachedJS("sw", func() ([]byte, error) { return minifySW(buf.Bytes(), targets) }, buf.Bytes(), []byte(strings.Join(targets, "\x00")))
	if err != nil {
		return err
	}
	b.add(&File{Name: "sw.js", Data: js})
	return nil
}

// minifySW minifies the service worker inside a function, so that esbuild
// may rename its top-level names too (a classic script's are globals).
func minifySW(src []byte, targets []string) ([]byte, error) {
	res := api.Transform(string(src), api.TransformOptions{
		Loader: api.LoaderJS, Format: api.FormatIIFE, Engines: engines(targets), Sourcefile: "sw.js",
		MinifyWhitespace: true, MinifyIdentifiers: true, MinifySyntax: true, LegalComments: api.LegalCommentsNone,
	})
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("minifying sw.js (a pwagen bug; please report it): %w", esbuildError("", res.Errors))
	}
	return []byte(strings.TrimSpace(string(res.Code)) + "\n"), nil
}

// swSumDigits is how much of a file's SHA-256 the service worker checks:
// 64 bits, which no accidental damage matches, in 16 bytes of sw.js per file
// (the loader checks the whole SHA-256 of the .wasm it compiles).
const swSumDigits = 16

// sha256Hex is the SHA-256 of data in hex, as the service worker and the
// loader check it.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// revision names a file's content in the service worker's precache list.
func (b *Build) revision(data []byte) string {
	sum := b.sha256(data)
	return hex.EncodeToString(sum[:6])
}
