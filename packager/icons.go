package packager

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"strconv"

	"github.com/pwagen/pwagen/internal/fsx"
	"golang.org/x/image/draw"
)

// Icon is one icon of the web app manifest.
type Icon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose,omitempty"`
}

// MaxIconSide is the largest icon side pwagen decodes, in pixels: at 16
// bits per channel a 4096x4096 PNG decodes to 128 MiB.
const MaxIconSide = 4096

// makeIcons resizes the source icon to the sizes installers ask for: 192
// and 512 px, and a maskable 512 px one whose picture sits in the central
// safe zone on the background colour.
func makeIcons(ctx context.Context, b *Build) error {
	p := b.Config.Rel(b.Config.App.Icon)
	data, err := fsx.ReadFile(p, fsx.IconLimit, "icon")
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: app.icon: %s does not exist; give a square PNG of at least 512 px", b.Config.File, p)
	}
	if err != nil {
		return fmt.Errorf("app.icon: %w", err)
	}
	// Check the declared size before decoding: a few bytes of PNG may
	// declare gigapixels (a decompression bomb).
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: not a PNG image (%v); give a square PNG of at least 512 px", p, err)
	}
	if cfg.Width > MaxIconSide || cfg.Height > MaxIconSide {
		return fmt.Errorf("%s: the PNG declares %dx%d px (%d pixels), over pwagen's limit of %dx%d px for an icon; pwagen decodes it whole to make 192 and 512 px icons, so give a square PNG between 512 and %d px",
			p, cfg.Width, cfg.Height, int64(cfg.Width)*int64(cfg.Height), MaxIconSide, MaxIconSide, MaxIconSide)
	}
	src, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: not a PNG image (%v); give a square PNG of at least 512 px", p, err)
	}
	r := src.Bounds()
	if r.Dx() != r.Dy() || r.Dx() < 512 {
		return fmt.Errorf("%s: %dx%d px; the icon must be square and at least 512x512 px, so installers get sharp 512 px icons", p, r.Dx(), r.Dy())
	}
	bg, err := parseHex(b.Config.App.BackgroundColor)
	if err != nil {
		return err
	}
	for _, ic := range []struct {
		name     string
		size     int
		maskable bool
	}{{"icon-192.png", 192, false}, {"icon-512.png", 512, false}, {"maskable-512.png", 512, true}} {
		dst := image.NewNRGBA(image.Rect(0, 0, ic.size, ic.size))
		inner := dst.Bounds()
		if ic.maskable {
			// Masks may cut everything outside the central circle of 80%.
			draw.Draw(dst, dst.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
			m := ic.size / 10
			inner = image.Rect(m, m, ic.size-m, ic.size-m)
		}
		draw.CatmullRom.Scale(dst, inner, src, r, draw.Over, nil)
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, dst); err != nil {
			return err
		}
		name := "icons/" + hashed(ic.name, buf.Bytes())
		b.add(&File{Name: name, Data: buf.Bytes(), Hashed: true})
		icon := Icon{Src: name, Sizes: strconv.Itoa(ic.size) + "x" + strconv.Itoa(ic.size), Type: "image/png", Purpose: "any"}
		if ic.maskable {
			icon.Purpose = "maskable"
		}
		b.icons = append(b.icons, icon)
	}
	return nil
}

func parseHex(s string) (color.NRGBA, error) {
	if len(s) == 4 {
		s = string([]byte{'#', s[1], s[1], s[2], s[2], s[3], s[3]})
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if len(s) != 7 || err != nil {
		return color.NRGBA{}, fmt.Errorf("%q is not a colour", s)
	}
	return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}, nil
}
