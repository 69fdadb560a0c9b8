package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
)

// iconPNG draws the app's 512×512 icon: a white hand-drawn "7" on the theme
// colour, with a maskable safe zone (the digit stays in the middle 60%).
// Drawn, not trained, so it is the same on every run.
func iconPNG() []byte {
	const size = 512
	bg := color.NRGBA{0x3b, 0x4c, 0xca, 0xff}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	// The stroke of a "7": top bar, then a slightly curved diagonal.
	var pts [][2]float64
	for i := 0; i <= 20; i++ {
		t := float64(i) / 20
		pts = append(pts, [2]float64{180 + 160*t, 170 - 6*math.Sin(math.Pi*t)})
	}
	for i := 1; i <= 40; i++ {
		t := float64(i) / 40
		pts = append(pts, [2]float64{340 - 110*t - 20*math.Sin(math.Pi*t), 170 + 180*t})
	}
	const half = 19.0 // half the stroke width
	for y := range size {
		for x := range size {
			px, py := float64(x)+0.5, float64(y)+0.5
			d := math.Inf(1)
			for i := 1; i < len(pts); i++ {
				d = min(d, segDist(px, py, pts[i-1], pts[i]))
			}
			a := math.Max(0, math.Min(1, half+0.5-d)) // one pixel of anti-aliasing
			mix := func(c uint8) uint8 { return uint8(math.Round(float64(c)*(1-a) + 255*a)) }
			img.SetNRGBA(x, y, color.NRGBA{mix(bg.R), mix(bg.G), mix(bg.B), 0xff})
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		panic(err) // writing to a bytes.Buffer cannot fail
	}
	return buf.Bytes()
}

// segDist is the distance from (px, py) to the segment a–b.
func segDist(px, py float64, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := ((px-a[0])*dx + (py-a[1])*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(px-a[0]-t*dx, py-a[1]-t*dy)
}
