//go:build ignore

// makeicon draws the icon of projects made from a model, a neutral picture of a small
// neural network (three layers of nodes and their links) on a blue-grey
// square, into importproject/web/icon.png. Run it with `go generate
// ./templates`; the output is the same bytes each run.
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

const size = 1024

type pt struct{ x, y float64 }

// The nodes of each layer, in 0..1 coordinates; the picture stays inside
// the central 60% that a maskable icon keeps.
var layers = [][]pt{
	{{0.3, 0.35}, {0.3, 0.5}, {0.3, 0.65}},
	{{0.5, 0.3}, {0.5, 0.43}, {0.5, 0.57}, {0.5, 0.7}},
	{{0.7, 0.42}, {0.7, 0.58}},
}

// segDist is the distance from p to the segment ab.
func segDist(p, a, b pt) float64 {
	dx, dy := b.x-a.x, b.y-a.y
	t := ((p.x-a.x)*dx + (p.y-a.y)*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(p.x-a.x-t*dx, p.y-a.y-t*dy)
}

// cover is how much of a pixel a shape covers whose edge is d pixels away
// (negative: inside), for smooth edges without supersampling.
func cover(d float64) float64 { return math.Max(0, math.Min(1, 0.5-d)) }

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	f := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*t)) }
	return color.NRGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 255}
}

func main() {
	bg := color.NRGBA{0x2f, 0x4f, 0x6f, 255}
	link := color.NRGBA{0xa9, 0xbd, 0xe0, 255}
	node := color.NRGBA{0xff, 0xff, 0xff, 255}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	r := 0.045 * size // node radius, px
	w := 0.008 * size // half the link width, px
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			p := pt{float64(x) + 0.5, float64(y) + 0.5}
			c := bg
			links := math.Inf(1)
			for l := 0; l+1 < len(layers); l++ {
				for _, a := range layers[l] {
					for _, b := range layers[l+1] {
						links = math.Min(links, segDist(p, pt{a.x * size, a.y * size}, pt{b.x * size, b.y * size}))
					}
				}
			}
			c = mix(c, link, cover(links-w))
			nodes := math.Inf(1)
			for _, l := range layers {
				for _, n := range l {
					nodes = math.Min(nodes, math.Hypot(p.x-n.x*size, p.y-n.y*size))
				}
			}
			c = mix(c, node, cover(nodes-r))
			img.SetNRGBA(x, y, c)
		}
	}
	f, err := os.Create("importproject/web/icon.png")
	if err != nil {
		log.Fatal(err)
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
