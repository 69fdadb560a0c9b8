package packager

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image/color"
	"runtime"
)

// iconCacheVersion changes whenever renderIcon's output would: a new
// filter, level or layout must not take icons made by the old one.
const iconCacheVersion = "icons-1"

// iconCacheLimit bounds what is read back from the cache: a 512 px RGBA
// PNG is at most about 1 MiB even stored uncompressed.
const iconCacheLimit = 4 << 20

// iconCache holds resized icons in pwagen's cache folder (blobcache.go),
// by the source's SHA-256, the icon's size and kind, the background
// colour and a version.
type iconCache struct {
	blobCache
	src [32]byte
	bg  color.NRGBA
}

func newIconCache(buildCacheDir string, src []byte, bg color.NRGBA) *iconCache {
	return &iconCache{blobCache: newBlobCache(buildCacheDir, "pwagen-icons"), src: sha256.Sum256(src), bg: bg}
}

func (c *iconCache) key(ic iconSpec) string {
	h := sha256.New()
	// GOARCH: the Go compiler may fuse multiply-adds on some
	// architectures, so Catmull-Rom's bytes are only promised per arch.
	fmt.Fprintf(h, "%s\x00%s\x00%x\x00%d\x00%t\x00%02x%02x%02x", iconCacheVersion, runtime.GOARCH, c.src, ic.size, ic.maskable, c.bg.R, c.bg.G, c.bg.B)
	return hex.EncodeToString(h.Sum(nil)) + ".png"
}

func (c *iconCache) getIcon(ic iconSpec) ([]byte, bool) { return c.get(c.key(ic), iconCacheLimit) }

func (c *iconCache) putIcon(ic iconSpec, data []byte) { c.put(c.key(ic), data) }
