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
// q8 kernels read as the Go back end's decoded scales. An int8 3×3
// depthwise convolution (strides 1, 2, no dilation) runs the integer
// kernels q8dwact and q8dwconv per image, as kernels.ConvQ8Dot does
// (dwQ8Dot). Other quantized depthwise convolutions, and an image those
// cannot quantize, widen the weights of a few channels at a time into a
// tile of kernels.DepthwiseTile float32 and run the float depthwise kernel
// on those channels, as kernels.ConvQ8 and ConvF16 do: the same products,
// the same calls, the same bits. A non-depthwise
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
	if err := w.dwQuantCheck(p); err != nil {
		return err
	}
	if Len(p.Out) == 0 {
		return nil
	}
	done, geoms := false, map[int]uint32{}
	for n := range p.N {
		done = w.dwQuantImage(dst, src, wt, scale, b, p, n, geoms)
	}
	if !done {
		return w.act(w.addr(dst), w.addr(dst), dst.Len(), p.Act)
	}
	return nil
}

func (w *wgen) dwQuantCheck(p kernels.ConvParams) error {
	if p.OutC != p.InC {
		return w.unsupported("a quantized depthwise convolution with a channel multiplier runs as Go code in the Go back end")
	}
	if ks := Len(p.Kernel); ks > kernels.DepthwiseTile {
		return w.unsupported("a quantized depthwise kernel of %d weights, over the %d ConvQ8 widens at a time", ks, kernels.DepthwiseTile)
	}
	return nil
}

// dwQuantImage is dwQuant's image n, without the activation when the
// float kernel cannot apply it (it returns whether it did); geoms holds
// the geom blocks placed so far, by channels per tile.
func (w *wgen) dwQuantImage(dst, src, wt, scale, b *Value, p kernels.ConvParams, n int, geoms map[int]uint32) (done bool) {
	is, os, ks := Len(p.In), Len(p.Out), Len(p.Kernel)
	w.needTile = true
	cc := kernels.DepthwiseTile / ks // channels per tile
	for c0 := 0; c0 < p.InC; c0 += cc {
		k := min(cc, p.InC-c0)
		sub := p
		sub.InC, sub.OutC, sub.Group = k, k, k
		g, d := kernels.DepthwiseGeom(sub)
		done = d
		at, ok := geoms[k]
		if !ok {
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
	return done
}

// dwQ8Dot is kernels.ConvQ8Dot's depthwise case: per image, q8dwact of
// the input into the plan's scratch, then q8dwconv, or dwQuant's float
// path for that image when the scale is 0.
func (w *wgen) dwQ8Dot(dst, src, wt, scale, b *Value, scratch uint32, p kernels.ConvParams) error {
	if err := w.dwQuantCheck(p); err != nil {
		return err
	}
	is, os := Len(p.In), Len(p.Out)
	if os == 0 {
		return nil
	}
	g, done := kernels.Q8DwGeom(p)
	at := w.geom(g)
	var bias uint32
	if b != nil {
		bias = w.addr(b)
	}
	geoms := map[int]uint32{}
	for n := range p.N {
		dn, sn := w.addr(dst)+uint32(4*n*p.OutC*os), w.addr(src)+uint32(4*n*p.InC*is)
		var err error
		w.needSA = true
		w.prim("q8dwact", scratch, sn, at)
		w.body.Tee(saLocal).F32(0).Op(0x5c).If() // f32.ne
		w.prim("q8dwconv", dn, scratch, w.addr(wt), w.addr(scale), local(saLocal), bias, at)
		if !done {
			err = w.act(dn, dn, p.OutC*os, p.Act)
		}
		w.body.Op(wasmbin.OpElse)
		if !w.dwQuantImage(dst, src, wt, scale, b, p, n, geoms) && err == nil {
			err = w.act(dn, dn, p.OutC*os, p.Act)
		}
		w.body.End()
		if err != nil {
			return err
		}
	}
	return nil
}

// saLocal is predict's f32 local for q8act's activation scale (declared
// only when a call uses it, w.needSA).
const saLocal = 1

// local is a local of predict as a prim argument.
type local uint32

// memF32 is the float32 at an address as a prim argument.
type memF32 uint32

// q8Dot calls q8act on the k×n matrix at x into xq, then dot (the
// integer dot-product kernel, given the scale in saLocal) if the scale
// is not 0, else float (the float32 q8 kernel): kernels' `if sa :=
// q8act(…); sa != 0 { q8dot…; } else { q8gemv/q8gemm }`.
func (w *wgen) q8Dot(xq, x uint32, k, n int, dot, float func()) {
	w.needSA = true
	w.prim("q8act", xq, x, k, n)
	w.body.Tee(saLocal).F32(0).Op(0x5c).If() // f32.ne
	dot()
	w.body.Op(wasmbin.OpElse)
	float()
	w.body.End()
}

// gemmQ8Dot is kernels.GemmExQ8Dot: per row of A, q8act into the
// module's activation buffer, then q8dotgemv, or q8gemv when the scale
// is 0 or K > kernels.Q8DotMaxK.
func (w *wgen) gemmQ8Dot(y, a, wt, scale, c *Value, p kernels.GemmParams) error {
	if !p.TransB {
		return w.unsupported("GemmExQ8Dot without transB (a bug in pwagen's quantizer)")
	}
	k, n := p.K, p.N
	if k <= kernels.Q8DotMaxK {
		w.q8BufLen = max(w.q8BufLen, (k+1)/2)
	}
	return w.gemmRows(y, a, nil, c, p, func(yr, ar, bias uint32) {
		gemv := func() { w.prim("q8gemv", yr, w.addr(wt), w.addr(scale), ar, bias, n, k) }
		if k > kernels.Q8DotMaxK {
			gemv()
			return
		}
		w.q8Dot(w.q8Buf, ar, k, 1, func() {
			w.prim("q8dotgemv", yr, w.addr(wt), w.addr(scale), w.q8Buf, local(saLocal), bias, n, k)
		}, gemv)
	})
}

// convQ8Dot is kernels.ConvQ8Dot: a depthwise convolution is dwQ8Dot's
// (dwQuant's where ConvQ8Dot runs ConvQ8);
// otherwise, per image and group, q8act of the im2col matrix (or the
// input, pointwise) into the plan's scratch after ConvScratch(p) values,
// then q8dotgemm, or q8gemm when the scale is 0. Where ConvQ8Dot runs
// ConvQ8 (kernels.ConvQ8DotUsesDot: fewer than 8 output channels a group,
// or K > Q8DotMaxK), q8gemm, or, when the group's weights fit the tile,
// kernels' q8gemmTile: the weights widened (not scaled) into the tile,
// the float32 gemm kernel, then each row through act's ActScale (scale,
// bias or −0), the same bits as q8gemm; where all the weights fit the
// tile (kernels.ConvQ8UsesTile), convQ8Small.
func (w *wgen) convQ8Dot(i int, c Call) error {
	a := c.Args
	dst, src, wt, scale, b, p := val(a[0]), val(a[1]), val(a[2]), val(a[3]), val(a[4]), a[6].(kernels.ConvParams)
	var scratch uint32
	if _, ok := a[5].(Scratch); ok {
		scratch = w.arena + uint32(4*w.pl.scratch[i])
	}
	if p.Group == p.InC && p.Group > 1 {
		if kernels.ConvQ8DotUsesDot(p) {
			return w.dwQ8Dot(dst, src, wt, scale, b, scratch, p)
		}
		return w.dwQuant(dst, src, wt, scale, b, p)
	}
	kk := p.InC / p.Group * Len(p.Kernel)
	ocg, os := p.OutC/p.Group, Len(p.Out)
	dot := kernels.ConvQ8DotUsesDot(p)
	if !dot && kernels.ConvQ8UsesTile(p) {
		return w.convQ8Small(dst, src, wt, scale, b, scratch, p)
	}
	q := scratch + uint32(4*kernels.ConvScratch(p))
	var ones uint32 // ocg scales of 1: widenq8 then widens exactly
	tile := !dot && ocg*kk <= kernels.DepthwiseTile && kk > 0 && os > 0
	if tile {
		w.needTile = true
		b1 := make([]byte, 4*ocg)
		for r := range ocg {
			binary.LittleEndian.PutUint32(b1[4*r:], math.Float32bits(1))
		}
		ones = w.bytes(b1)
	}
	return w.convWith(dst, src, nil, b, scratch, p, func(dg uint32, g int, col, bg uint32) {
		wg, sg := w.addr(wt)+uint32(g*ocg*kk), w.addr(scale)+uint32(4*g*ocg)
		gemm := func() { w.prim("q8gemm", dg, wg, sg, col, bg, ocg, kk, os) }
		if tile {
			w.body.I32(int32(w.tile)).I32(int32(wg)).I32(int32(ones)).I32(int32(ocg)).I32(int32(kk))
			w.callHelper("widenq8")
			w.prim("gemm", dg, w.tile, col, uint32(0), ocg, kk, os)
			for r := range ocg {
				row := dg + uint32(4*r*os)
				var beta any = float32(math.Copysign(0, -1))
				if bg != 0 {
					beta = memF32(bg + uint32(4*r))
				}
				w.prim("act", row, row, os, int(kernels.ActScale), memF32(sg+uint32(4*r)), beta)
			}
			return
		}
		if !dot {
			gemm()
			return
		}
		w.q8Dot(q, col, kk, os, func() {
			w.prim("q8dotgemm", dg, wg, sg, q, local(saLocal), bg, ocg, kk, os)
		}, gemm)
	})
}

// convQ8Small is kernels.ConvQ8 where all the weights fit the tile
// (kernels.ConvQ8UsesTile; lenet's first convolution): widenq8
// dequantizes them into the tile, float32(q)·scale rounded once, then the
// float32 convolution runs on it, its gemm adding the bias: Conv with the
// dequantized weights, as the Go function. Its cost is float32's; the
// q8gemmTile path's ActScale pass over the output made lenet's first
// convolution 1.2–1.5× float32's in Chromium, and q8gemm 1.3–1.6×.
func (w *wgen) convQ8Small(dst, src, wt, scale, b *Value, scratch uint32, p kernels.ConvParams) error {
	if Len(p.Out) == 0 {
		return nil
	}
	kk := p.InC / p.Group * Len(p.Kernel)
	ocg := p.OutC / p.Group
	w.needTile = true
	w.body.I32(int32(w.tile)).I32(int32(w.addr(wt))).I32(int32(w.addr(scale))).I32(int32(p.OutC)).I32(int32(kk))
	w.callHelper("widenq8")
	return w.convWith(dst, src, nil, b, scratch, p, func(dg uint32, g int, col, bg uint32) {
		w.prim("gemm", dg, w.tile+uint32(4*g*ocg*kk), col, bg, ocg, kk, Len(p.Out))
	})
}
