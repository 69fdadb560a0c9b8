package packager

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"

	"github.com/pwagen/pwagen/internal/fsx"
)

// blobCache holds files pwagen made and may make again (resized icons,
// precompressed files) in a folder of pwagen's cache, as the validator
// holds its measured runs (validate/runcache.go): the caller names each
// entry by a hash of what it depends on, a version included; each entry is
// the SHA-256 of its bytes then the bytes, so a damaged entry is a miss,
// never wrong output; reads are bounded; writes go to a temporary file
// renamed into place. Failing to read or write only costs the work again.
type blobCache struct {
	dir string // "" when caching is off
}

// cacheDir is the folder of pwagen's caches for a Build.CacheDir: "" is
// the user's cache folder, "off" is none (as validate.Options.CacheDir).
func cacheDir(dir string) string {
	switch dir {
	case "off":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(base, "pwagen", "wazero")
	}
	return dir
}

func newBlobCache(buildCacheDir, sub string) blobCache {
	dir := cacheDir(buildCacheDir)
	if dir == "" {
		return blobCache{}
	}
	return blobCache{dir: filepath.Join(dir, sub)}
}

func (c blobCache) path(key string) string { return filepath.Join(c.dir, key) }

// get returns the entry key, if it is there, whole and at most limit bytes.
func (c blobCache) get(key string, limit int64) ([]byte, bool) {
	if c.dir == "" {
		return nil, false
	}
	b, err := fsx.ReadFile(c.path(key), limit+sha256.Size, "cache")
	if err != nil || len(b) < sha256.Size {
		return nil, false
	}
	sum, data := b[:sha256.Size], b[sha256.Size:]
	if got := sha256.Sum256(data); !bytes.Equal(got[:], sum) {
		return nil, false
	}
	return data, true
}

// put stores data as the entry key.
func (c blobCache) put(key string, data []byte) {
	if c.dir == "" || os.MkdirAll(c.dir, 0o755) != nil {
		return
	}
	f, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return
	}
	sum := sha256.Sum256(data)
	_, err = f.Write(sum[:])
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err != nil || cerr != nil {
		os.Remove(f.Name())
		return
	}
	if os.Rename(f.Name(), c.path(key)) != nil {
		os.Remove(f.Name())
	}
}
