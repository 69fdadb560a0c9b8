package packager

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
)

// jsCacheVersion changes whenever what a cached bundle depends on, beyond
// the pwagen executable and the parts its caller names, changes.
const jsCacheVersion = "js-1"

// jsCacheLimit bounds a bundle read back from the cache (the loader is
// about 40 KiB).
const jsCacheLimit = 4 << 20

// executableStamp identifies the running pwagen executable (its path and
// stamp.go's stamp): the esbuild that bundles and the loader's sources
// (templates.Loader) are compiled into it, so a new or rebuilt pwagen never
// takes the bundles of another. "" when unknown: nothing is cached.
var executableStamp = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	st, ok := stampOf(fi)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s\x00%+v", exe, st)
})

// cachedJS is the output of make, a bundle or minification by esbuild of
// pwagen's own sources (the loader, the service worker), from pwagen's
// cache folder (blobcache.go) when this executable made it before from
// the same parts: esbuild takes some 25 ms on the loader, which changes
// only with the package's runtime config. kind names the bundle.
func (b *Build) cachedJS(kind string, make func() ([]byte, error), parts ...[]byte) ([]byte, error) {
	exe := executableStamp()
	c := newBlobCache(b.CacheDir, "pwagen-js")
	if exe == "" || c.dir == "" {
		return make()
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", jsCacheVersion, exe, kind)
	for _, p := range parts {
		fmt.Fprintf(h, "%d\x00", len(p))
		h.Write(p)
	}
	key := hex.EncodeToString(h.Sum(nil)) + ".js"
	if out, ok := c.get(key, jsCacheLimit); ok {
		return out, nil
	}
	out, err := make()
	if err != nil {
		return nil, err
	}
	c.put(key, out)
	return out, nil
}
