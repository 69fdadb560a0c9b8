package validate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/pwagen/pwagen/internal/fsx"
	"github.com/tetratelabs/wazero/api"
)

// facts are what validate learns from a module's bytes alone: the feature
// detection (several wazero compiles) and the gzip size. They are kept in
// the cache folder under the module's SHA-256, so that validating an
// unchanged module again skips that work as well as compilation.
type facts struct {
	Features []Feature        `json:"features"`
	Flags    api.CoreFeatures `json:"flags"`
	WasmGzip uint64           `json:"wasm_gzip"`
}

// factsVersion changes whenever what facts hold, or how they are found,
// changes; old entries are then ignored.
const factsVersion = "pwagen-validate-facts-1-wazero-1.12.0"

func (v *check) factsPath() string {
	dir := v.cacheDir()
	if dir == "" {
		return ""
	}
	h := sha256.New()
	h.Write([]byte(factsVersion))
	h.Write(v.wasm)
	return filepath.Join(dir, "pwagen-facts", hex.EncodeToString(h.Sum(nil))+".json")
}

// cacheLimit bounds what is read back from the cache: entries are small JSON.
const cacheLimit = 1 << 20

func (v *check) loadFacts() (facts, bool) {
	p := v.factsPath()
	if p == "" {
		return facts{}, false
	}
	b, err := fsx.ReadFile(p, cacheLimit, "cache")
	if err != nil {
		return facts{}, false
	}
	var f facts
	if json.Unmarshal(b, &f) != nil || f.Features == nil {
		return facts{}, false
	}
	return f, true
}

func (v *check) saveFacts(f facts) {
	p := v.factsPath()
	if p == "" {
		return
	}
	b, err := json.Marshal(f)
	if err != nil || os.MkdirAll(filepath.Dir(p), 0o755) != nil {
		return
	}
	tmp := p + ".tmp"
	if os.WriteFile(tmp, b, 0o644) == nil {
		os.Rename(tmp, p) // atomic: a concurrent reader sees all or nothing
	}
}

// cacheDir is the folder of the caches, or "" when caching is off.
func (v *check) cacheDir() string {
	switch v.o.CacheDir {
	case "off":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(base, "pwagen", "wazero")
	}
	return v.o.CacheDir
}
