package main

import (
	"math"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
)

// augment writes into dst the image src (bytes 0..255) moved by a random
// small affine transform: rotation up to ±12°, scale 0.85 to 1.15 and
// shift up to ±2.5 px, sampled bilinearly. People draw less carefully than
// MNIST's writers; this makes the model tolerate it.
func augment(dst []float32, src []uint8, r *rng) {
	const c = (digitnet.Side - 1) / 2.0
	rot := r.uniform(-12, 12) * math.Pi / 180
	scale := r.uniform(0.85, 1.15)
	tx, ty := r.uniform(-2.5, 2.5), r.uniform(-2.5, 2.5)
	// Inverse map: from an output pixel to where it comes from in src.
	cos, sin := math.Cos(rot)/scale, math.Sin(rot)/scale
	for y := range digitnet.Side {
		for x := range digitnet.Side {
			dx, dy := float64(x)-c-tx, float64(y)-c-ty
			sx := cos*dx + sin*dy + c
			sy := -sin*dx + cos*dy + c
			dst[y*digitnet.Side+x] = float32(bilinear(src, sx, sy) / 255)
		}
	}
}

func bilinear(src []uint8, x, y float64) float64 {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= digitnet.Side || y >= digitnet.Side {
			return 0
		}
		return float64(src[y*digitnet.Side+x])
	}
	ix, iy := int(x0), int(y0)
	top := at(ix, iy)*(1-fx) + at(ix+1, iy)*fx
	bot := at(ix, iy+1)*(1-fx) + at(ix+1, iy+1)*fx
	return top*(1-fy) + bot*fy
}
