package packager

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"runtime"

	"github.com/pwagen/pwagen/internal/fsx"
)

// iconCacheVersion changes whenever renderIcon's output would: a new
// filter, level or layout must not take icons made by the old one.
const iconCacheVersion = "icons-1"

// iconCacheLimit bounds what is read back from the cache: a 512 px RGBA
// PNG is at most about 1 MiB even stored uncompressed.
const iconCacheLimit = 4 << 20

// iconCache holds resized icons in pwagen's cache folder, as the
// validator holds its measured runs (validate/runcache.go): the key is
// the source's SHA-256, the icon's size and kind, the background colour
// and a version; each entry is the SHA-256 of its PNG then the PNG, so a
// damaged entry is a miss, never a broken icon. Writes go to a temporary
// file renamed into place. Failing to read or write the cache only costs
// a resize.
type iconCache struct {
	dir string // "" when caching is off
	src [32]byte
	bg  color.NRGBA
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

func newIconCache(dir string, src []byte, bg color.NRGBA) *iconCache {
	c := &iconCache{src: sha256.Sum256(src), bg: bg}
	if dir != "" {
		c.dir = filepath.Join(dir, "pwagen-icons")
	}
	return c
}

func (c *iconCache) path(ic iconSpec) string {
	h := sha256.New()
	// GOARCH: the Go compiler may fuse multiply-adds on some
	// architectures, so Catmull-Rom's bytes are only promised per arch.
	fmt.Fprintf(h, "%s\x00%s\x00%x\x00%d\x00%t\x00%02x%02x%02x", iconCacheVersion, runtime.GOARCH, c.src, ic.size, ic.maskable, c.bg.R, c.bg.G, c.bg.B)
	return filepath.Join(c.dir, hex.EncodeToString(h.Sum(nil))+".png")
}

func (c *iconCache) get(ic iconSpec) ([]byte, bool) {
	if c.dir == "" {
		return nil, false
	}
	b, err := fsx.ReadFile(c.path(ic), iconCacheLimit, "cache")
	if err != nil || len(b) < sha256.Size {
		return nil, false
	}
	sum, data := b[:sha256.Size], b[sha256.Size:]
	if got := sha256.Sum256(data); !bytes.Equal(got[:], sum) {
		return nil, false
	}
	return data, true
}

func (c *iconCache) put(ic iconSpec, data []byte) {
	if c.dir == "" || os.MkdirAll(c.dir, 0o755) != nil {
		return
	}
	p := c.path(ic)
	f, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return
	}
	sum := sha256.Sum256(data)
	_, err = f.Write(append(sum[:], data...))
	if cerr := f.Close(); err != nil || cerr != nil {
		os.Remove(f.Name())
		return
	}
	if os.Rename(f.Name(), p) != nil {
		os.Remove(f.Name())
	}
}
