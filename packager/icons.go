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

// iconSpec is one icon pwagen makes from the source.
type iconSpec struct {
	name     string
	size     int
	maskable bool
}

var iconSpecs = []iconSpec{{"icon-192.png", 192, false}, {"icon-512.png", 512, false}, {"maskable-512.png", 512, true}}

// iconLevel is the PNG compression of the resized icons. Measured on the
// default template's 1024 px icon (the three icons together): BestSpeed
// 28 ms and 48 KiB, DefaultCompression 70 ms and 46 KiB,
// BestCompression 1.2 s and 44 KiB. Icons are downloaded at install, not
// on the first visit, and the cache (iconcache.go) makes the cost a
// first-run one; BestSpeed keeps that first run fast too.
const iconLevel = png.BestSpeed

// makeIcons resizes the source icon to the sizes installers ask for: 192
// and 512 px, and a maskable 512 px one whose picture sits in the central
// safe zone on the background colour. Resized icons are cached by the
// source's content hash (iconcache.go): an unchanged icon is not decoded.
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
	if cfg.Width != cfg.Height || cfg.Width < 512 {
		return fmt.Errorf("%s: %dx%d px; the icon must be square and at least 512x512 px, so installers get sharp 512 px icons", p, cfg.Width, cfg.Height)
	}
	bg, err := parseHex(b.Config.App.BackgroundColor)
	if err != nil {
		return err
	}
	cache := newIconCache(b.CacheDir, data, bg)
	var src *image.RGBA // decoded on the first cache miss, once
	for _, ic := range iconSpecs {
		out, ok := cache.getIcon(ic)
		if !ok {
			if src == nil {
				if src, err = decodeIcon(data); err != nil {
					return fmt.Errorf("%s: not a PNG image (%v); give a square PNG of at least 512 px", p, err)
				}
				if r := src.Bounds(); r.Dx() != r.Dy() || r.Dx() < 512 {
					return fmt.Errorf("%s: %dx%d px; the icon must be square and at least 512x512 px, so installers get sharp 512 px icons", p, r.Dx(), r.Dy())
				}
			}
			if out, err = renderIcon(src, ic, bg); err != nil {
				return err
			}
			cache.putIcon(ic, out)
		}
		name := "icons/" + b.hashed(ic.name, out)
		b.add(&File{Name: name, Data: out, Hashed: true})
		icon := Icon{Src: name, Sizes: strconv.Itoa(ic.size) + "x" + strconv.Itoa(ic.size), Type: "image/png", Purpose: "any"}
		if ic.maskable {
			icon.Purpose = "maskable"
		}
		b.icons = append(b.icons, icon)
	}
	return nil
}

// decodeIcon decodes a PNG into premultiplied RGBA, the layout
// x/image/draw's fast paths take, and in which resizing a transparent
// icon leaves no dark fringes. Then it halves the picture with a 2x2 box
// filter while it stays at least twice the largest icon: a box halving is
// exact for an even side and costs a few milliseconds, where Catmull-Rom
// over the full source costs ten times more for the same result (54 dB
// PSNR or better against Catmull-Rom from the full 1024 px source).
func decodeIcon(data []byte) (*image.RGBA, error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	src, ok := img.(*image.RGBA)
	if !ok || src.Rect.Min != (image.Point{}) {
		src = image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
		draw.Draw(src, src.Rect, img, img.Bounds().Min, draw.Src)
	}
	for src.Rect.Dx() >= 2*512 && src.Rect.Dy() >= 2*512 {
		src = halve(src)
	}
	return src, nil
}

// halve averages each 2x2 block of s (a trailing odd row or column is
// dropped), with rounding: integer arithmetic, the same bytes everywhere.
func halve(s *image.RGBA) *image.RGBA {
	w, h := s.Rect.Dx()/2, s.Rect.Dy()/2
	d := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		r0 := s.Pix[2*y*s.Stride:]
		r1 := s.Pix[(2*y+1)*s.Stride:]
		o := d.Pix[y*d.Stride : y*d.Stride+4*w]
		for i := range o {
			j := i&^3*2 + i&3
			o[i] = uint8((uint(r0[j]) + uint(r0[j+4]) + uint(r1[j]) + uint(r1[j+4]) + 2) >> 2)
		}
	}
	return d
}

// renderIcon draws one icon from src, with Catmull-Rom (measured against
// ApproxBiLinear and BiLinear after the box halving: 40 ms for the three
// icons against 39 and 65 ms, at 54 dB and more against the full-source
// Catmull-Rom where the bilinear filters reach 43 to 47 dB at 192 px),
// and encodes it as a PNG.
func renderIcon(src *image.RGBA, ic iconSpec, bg color.NRGBA) ([]byte, error) {
	dst := image.NewRGBA(image.Rect(0, 0, ic.size, ic.size))
	inner := dst.Bounds()
	op := draw.Src
	if ic.maskable {
		// Masks may cut everything outside the central circle of 80%.
		draw.Draw(dst, dst.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
		m := ic.size / 10
		inner = image.Rect(m, m, ic.size-m, ic.size-m)
		op = draw.Over
	}
	if inner.Size() == src.Rect.Size() && op == draw.Src {
		copy(dst.Pix, src.Pix)
	} else {
		draw.CatmullRom.Scale(dst, inner, src, src.Rect, op, nil)
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: iconLevel}
	if err := enc.Encode(&buf, dst); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
