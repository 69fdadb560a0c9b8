package importer

import (
	"encoding/binary"
	"math"

	"github.com/pwagen/pwagen/internal/wasmbin"
	"github.com/pwagen/pwagen/kernels"
)

// Quantized weights in the wasm back end. int8 tensors keep their
// one-byte row scales in the weights file (kernels.DecodeScales):
// pwagen_load_weights decodes them once into float32 buffers, which the
// q8 kernels read as the Go back end's decoded scales. A quantized
// depthwise convolution widens the weights of a few channels at a time
// into a tile of kernels.DepthwiseTile float32 and runs the float
// depthwise kernel on those channels, as kernels.ConvQ8 and ConvF16 do:
// the same products, the same calls, the same bits. A non-depthwise
// ConvQ8 always calls the q8gemm kernel: kernels' q8gemmTile (widen a few
// rows, float32 Gemm, one ActScale call per row) gives the same bits, and
// the Go module takes it from 512 outputs per channel, but generated here
// it made cifar_cnn's int8 model 2.4× slower than float32 in Chromium
// instead of 1.1× (A/B in one browser, load 34).

const (
	f32Mul      = 0x94
	f32FromI32  = 0xb2 // f32.convert_i32_s
	f32Reinterp = 0xbe
	i32Reinterp = 0xbc
	i32And      = 0x71
	i32Or       = 0x72
	i32Shl      = 0x74
	i32ShrU     = 0x76
	opSelect    = 0x1b
)

// scaleStepsBytes is kernels.DecodeScales' table of 2^(−k/16), k < 16, as
// float32 bits: DecodeScale(1, k) is the entry itself (times 2^0).
func scaleStepsBytes() []byte {
	b := make([]byte, 64)
	for k := range 16 {
		binary.LittleEndian.PutUint32(b[4*k:], math.Float32bits(kernels.DecodeScale(1, byte(k))))
	}
	return b
}

// scales8Body is kernels.DecodeScales: params dst 0, src 1 (the stored
// tensor: float32 base, then one code per row), rows 2, steps 3 (the
// table); locals base 4 (f32), c 5. Each scale is
// float32(base·steps[c&15]) · 2^(127−(c>>4)−127), or +0 for ScaleZero.
func scales8Body() []byte {
	var c wasmbin.Code
	c.Get(1).F32Load(0).Set(4).
		Get(1).I32(4).Op(wasmbin.OpI32Add).Set(1).
		Block().Loop().
		Get(2).Op(wasmbin.OpI32Eqz).BrIf(1).
		Get(1).I32Load8U(0).Set(5).
		Get(0).
		Get(4).Get(5).I32(15).Op(i32And).I32(4).Op(wasmbin.OpI32Mul).Get(3).Op(wasmbin.OpI32Add).F32Load(0).Op(f32Mul).
		I32(127).Get(5).I32(4).Op(i32ShrU).Op(wasmbin.OpI32Sub).I32(23).Op(i32Shl).Op(f32Reinterp).Op(f32Mul).
		F32(0).
		Get(5).I32(kernels.ScaleZero).Op(wasmbin.OpI32Ne).
		Op(opSelect).F32Store(0).
		Get(0).I32(4).Op(wasmbin.OpI32Add).Set(0).
		Get(1).I32(1).Op(wasmbin.OpI32Add).Set(1).
		Get(2).I32(1).Op(wasmbin.OpI32Sub).Set(2).
		Br(0).End().End()
	return c.B
}

// widenQ8Body is ConvQ8's depthwise widening: params dst 0, w 1 (int8),
// scale 2, channels 3, ks 4; locals end 5, s 6 (f32). For each channel,
// dst[j] = float32(float32(w[j]) · scale), j < ks.
func widenQ8Body() []byte {
	var c wasmbin.Code
	c.Block().Loop().
		Get(3).Op(wasmbin.OpI32Eqz).BrIf(1).
		Get(2).F32Load(0).Set(6).
		Get(1).Get(4).Op(wasmbin.OpI32Add).Set(5).
		Block().Loop().
		Get(1).Get(5).Op(0x4f).BrIf(1). // i32.ge_u
		Get(0).Get(1).I32Load8S(0).Op(f32FromI32).Get(6).Op(f32Mul).F32Store(0).
		Get(0).I32(4).Op(wasmbin.OpI32Add).Set(0).
		Get(1).I32(1).Op(wasmbin.OpI32Add).Set(1).
		Br(0).End().End().
		Get(2).I32(4).Op(wasmbin.OpI32Add).Set(2).
		Get(3).I32(1).Op(wasmbin.OpI32Sub).Set(3).
		Br(0).End().End()
	return c.B
}

// widenF16Body is kernels.F16ToF32 over n values: params dst 0, w 1
// (fp16), n 2; local h 3. f = bits((h&0x7fff)<<13)·2^112, then h's sign.
func widenF16Body() []byte {
	var c wasmbin.Code
	c.Block().Loop().
		Get(2).Op(wasmbin.OpI32Eqz).BrIf(1).
		Get(1).I32Load16U(0).Set(3).
		Get(0).
		Get(3).I32(0x7fff).Op(i32And).I32(13).Op(i32Shl).Op(f32Reinterp).F32(0x1p112).Op(f32Mul).Op(i32Reinterp).
		Get(3).I32(0x8000).Op(i32And).I32(16).Op(i32Shl).Op(i32Or).
		I32Store(0).
		Get(0).I32(4).Op(wasmbin.OpI32Add).Set(0).
		Get(1).I32(2).Op(wasmbin.OpI32Add).Set(1).
		Get(2).I32(1).Op(wasmbin.OpI32Sub).Set(2).
		Br(0).End().End()
	return c.B
}

// dwQuant is a depthwise ConvQ8 (scale != nil) or ConvF16 as convDW runs
// it with the kernels: per image, per tile of channels, widen their
// weights, then the float depthwise kernel on those channels alone.
func (w *wgen) dwQuant(dst, src, wt, scale, b *Value, p kernels.ConvParams) error {
	if p.OutC != p.InC {
		return w.unsupported("a quantized depthwise convolution with a channel multiplier runs as Go code in the Go back end")
	}
	prod := func(s []int) int {
		n := 1
		for _, d := range s {
			n *= d
		}
		return n
	}
	is, os, ks := prod(p.In), prod(p.Out), prod(p.Kernel)
	if ks > kernels.DepthwiseTile {
		return w.unsupported("a quantized depthwise kernel of %d weights, over the %d ConvQ8 widens at a time", ks, kernels.DepthwiseTile)
	}
	if os == 0 {
		return nil
	}
	w.needTile = true
	cc := kernels.DepthwiseTile / ks // channels per tile
	geoms := map[int]uint32{}
	done := false
	for n := range p.N {
		for c0 := 0; c0 < p.InC; c0 += cc {
			k := min(cc, p.InC-c0)
			at, ok := geoms[k]
			if !ok {
				sub := p
				sub.InC, sub.OutC, sub.Group = k, k, k
				var g kernels.PrimGeom
				g, done = kernels.DepthwiseGeom(sub)
				at = w.geom(g)
				geoms[k] = at
			}
			if scale != nil {
				w.body.I32(int32(w.tile)).I32(int32(w.addr(wt) + uint32(c0*ks))).I32(int32(w.addr(scale) + uint32(4*c0))).I32(int32(k)).I32(int32(ks))
				w.callHelper("widenq8")
			} else {
				w.body.I32(int32(w.tile)).I32(int32(w.addr(wt) + uint32(2*c0*ks))).I32(int32(k * ks))
				w.callHelper("widenf16")
			}
			var bias uint32
			if b != nil {
				bias = w.addr(b) + uint32(4*c0)
			}
			w.prim("dwconv", w.addr(dst)+uint32(4*(n*p.OutC+c0)*os), w.addr(src)+uint32(4*(n*p.InC+c0)*is), w.tile, bias, at)
		}
	}
	if !done {
		return w.act(w.addr(dst), w.addr(dst), dst.Len(), p.Act)
	}
	return nil
}
