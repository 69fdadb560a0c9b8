package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
)

// The source icon: a stylised iris flower on the theme colour. Everything
// drawn stays within 37% of the size from the centre, inside the 40% circle
// that maskable icons keep, and the background fills the whole square.
const (
	iconSize = 1024
	flowerDY = 45 // the flower's centre sits this far below the icon's, to balance it
)

var (
	themeColour = color.NRGBA{0x2f, 0x6f, 0x4e, 0xff} // pwagen.toml theme_color
	fallColour  = color.NRGBA{0xe4, 0xdc, 0xff, 0xff}
	stdColour   = color.NRGBA{0x8e, 0x6f, 0xd6, 0xff}
	eyeColour   = color.NRGBA{0xf6, 0xc4, 0x3c, 0xff}
)

// petal is an ellipse whose long axis points away from the icon's centre.
type petal struct {
	angle, dist, a, b float64 // degrees (0 = right, clockwise), pixels
	colour            color.NRGBA
}

// shapes are painted in order; the last one that covers a point wins.
var shapes = []petal{
	{-90, 175, 175, 100, fallColour},
	{30, 175, 175, 100, fallColour},
	{150, 175, 175, 100, fallColour},
	{90, 115, 135, 58, stdColour},
	{-30, 115, 135, 58, stdColour},
	{210, 115, 135, 58, stdColour},
	{0, 0, 62, 62, eyeColour},
}

func (p petal) covers(x, y float64) bool {
	s, c := math.Sincos(p.angle * math.Pi / 180)
	dx, dy := x-p.dist*c, y-p.dist*s
	u, v := dx*c+dy*s, -dx*s+dy*c
	return (u/p.a)*(u/p.a)+(v/p.b)*(v/p.b) <= 1
}

// drawIcon renders the icon with 4×4 supersampling and encodes it as PNG.
func drawIcon() ([]byte, error) {
	const ss = 4
	img := image.NewNRGBA(image.Rect(0, 0, iconSize, iconSize))
	for py := range iconSize {
		for px := range iconSize {
			var r, g, b int
			for sy := range ss {
				for sx := range ss {
					x := float64(px) + (float64(sx)+0.5)/ss - iconSize/2
					y := float64(py) + (float64(sy)+0.5)/ss - iconSize/2 - flowerDY
					col := themeColour
					for _, p := range shapes {
						if p.covers(x, y) {
							col = p.colour
						}
					}
					r, g, b = r+int(col.R), g+int(col.G), b+int(col.B)
				}
			}
			const n = ss * ss
			img.SetNRGBA(px, py, color.NRGBA{uint8((r + n/2) / n), uint8((g + n/2) / n), uint8((b + n/2) / n), 0xff})
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
