package packager

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/internal/golden"
)

// iconRun makes the icons of c with the cache in dir ("off" for none) and
// returns them by name without their hash.
func iconRun(t *testing.T, c *Build) map[string][]byte {
	t.Helper()
	if err := makeIcons(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	for _, ic := range c.icons {
		got[ic.Sizes+" "+ic.Purpose] = c.Files[ic.Src].Data
	}
	return got
}

// TestIconsDeterministic: the icons of the default template have the same
// bytes on every run, with the cache off, cold or warm; the SHA-256s are
// pinned (amd64, where the bench runs) so that a change of filter or level
// shows in review, along with a bump of iconCacheVersion.
func TestIconsDeterministic(t *testing.T) {
	c := newProject(t, nil)
	cache := filepath.Join(t.TempDir(), "wazero")
	var runs []map[string][]byte
	for _, dir := range []string{"off", cache, cache} {
		b := NewBuild(c, "")
		b.CacheDir = dir
		runs = append(runs, iconRun(t, b))
	}
	for i, r := range runs[1:] {
		for k, v := range runs[0] {
			if !bytes.Equal(r[k], v) {
				t.Errorf("run %d: icon %s differs from the first run's", i+2, k)
			}
		}
	}
	var sums strings.Builder
	for _, k := range []string{"192x192 any", "512x512 any", "512x512 maskable"} {
		fmt.Fprintf(&sums, "%s %x\n", k, sha256.Sum256(runs[0][k]))
	}
	if runtime.GOARCH == "amd64" {
		golden.Assert(t, []byte(sums.String()))
	}
}

// TestIconCacheUsed: a second run takes the icons from the cache (an entry
// planted there is what comes out), and a damaged entry is a miss that
// makes the icon again.
func TestIconCacheUsed(t *testing.T) {
	c := newProject(t, nil)
	cache := filepath.Join(t.TempDir(), "wazero")
	b := NewBuild(c, "")
	b.CacheDir = cache
	fresh := iconRun(t, b)
	entries, _ := filepath.Glob(filepath.Join(cache, "pwagen-icons", "*.png"))
	if len(entries) != 3 {
		t.Fatalf("%d cache entries, want 3", len(entries))
	}
	data, _ := os.ReadFile(c.Rel(c.App.Icon))
	bg, _ := parseHex(c.App.BackgroundColor)
	ic := newIconCache(cache, data, bg)
	planted := fresh["192x192 any"][:len(fresh["192x192 any"])-1] // any bytes will do
	ic.putIcon(iconSpecs[0], planted)
	b = NewBuild(c, "")
	b.CacheDir = cache
	if got := iconRun(t, b)["192x192 any"]; !bytes.Equal(got, planted) {
		t.Fatal("the second run did not take the 192 px icon from the cache")
	}
	// Damage the entry: flip a byte of the PNG after the checksum.
	p := ic.path(ic.key(iconSpecs[0]))
	raw, _ := os.ReadFile(p)
	raw[len(raw)-1] ^= 0xff
	os.WriteFile(p, raw, 0o644)
	b = NewBuild(c, "")
	b.CacheDir = cache
	if got := iconRun(t, b)["192x192 any"]; !bytes.Equal(got, fresh["192x192 any"]) {
		t.Fatal("a damaged cache entry was used instead of resizing again")
	}
}

// TestIconSources: every PNG colour type the decoder returns, odd sides and
// transparency give icons of the right sizes, and a transparent source
// keeps its transparency in the plain icons and gets the background in
// the maskable one.
func TestIconSources(t *testing.T) {
	mk := func(side int, m func(r image.Rectangle) draw2) []byte {
		img := m(image.Rect(0, 0, side, side))
		for y := range side {
			for x := range side {
				img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 128, uint8(255 * ((x / 64) % 2))})
			}
		}
		var b bytes.Buffer
		png.Encode(&b, img)
		return b.Bytes()
	}
	for _, tt := range []struct {
		name string
		png  []byte
	}{
		{"nrgba-1024", mk(1024, func(r image.Rectangle) draw2 { return image.NewNRGBA(r) })},
		{"nrgba64-1025", mk(1025, func(r image.Rectangle) draw2 { return image.NewNRGBA64(r) })},
		{"gray-600", mk(600, func(r image.Rectangle) draw2 { return image.NewGray(r) })},
		{"rgba-2048", mk(2048, func(r image.Rectangle) draw2 { return image.NewRGBA(r) })},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newProject(t, map[string]string{"web/icon.png": string(tt.png)})
			b := NewBuild(c, "")
			b.CacheDir = "off"
			for k, data := range iconRun(t, b) {
				img, err := png.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("%s: %v", k, err)
				}
				side := img.Bounds().Dx()
				if want := k[:strings.Index(k, "x")]; fmt.Sprint(side) != want || img.Bounds().Dy() != side {
					t.Errorf("%s: %v", k, img.Bounds())
				}
				_, _, _, a := img.At(side/2, side/2).RGBA()
				if strings.HasSuffix(k, "maskable") && a != 0xffff {
					t.Errorf("%s: centre alpha %#x, want opaque", k, a)
				}
			}
		})
	}
}

type draw2 interface {
	image.Image
	Set(x, y int, c color.Color)
}

// BenchmarkIcons is the first resize of a new icon (no cache), the figure
// behind iconLevel and the choice of filter.
func BenchmarkIcons(b *testing.B) {
	c := newProject(b, nil)
	for b.Loop() {
		bb := NewBuild(c, "")
		bb.CacheDir = "off"
		if err := makeIcons(context.Background(), bb); err != nil {
			b.Fatal(err)
		}
	}
}
