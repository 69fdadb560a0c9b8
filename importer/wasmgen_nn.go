package importer

import (
	"math"
	"reflect"

	"github.com/pwagen/pwagen/internal/wasmbin"
	"github.com/pwagen/pwagen/kernels"
)

// The calls of a plan as WebAssembly: the dispatch on the kernel function
// each call names, and the convolution, Gemm, activation, pooling and
// reduction tier (mlp, lenet, cifar_cnn, mobilenetv2).

// calls generates predict's body.
func (w *wgen) calls() error {
	for i, c := range w.pl.Calls {
		w.node = c.Node
		if w.node == nil {
			w.node = &Node{Op: "output copy", Name: c.Args[0].(*Value).Name}
		}
		if err := w.call(i, c); err != nil {
			return err
		}
	}
	return nil
}

// val is a call's tensor argument, nil for an absent one.
func val(a any) *Value {
	v, _ := a.(*Value)
	return v
}

func (w *wgen) call(i int, c Call) error {
	a := c.Args
	switch c.FuncName() {
	case "kernels.GemmEx":
		return w.gemm(val(a[0]), val(a[1]), val(a[2]), val(a[3]), a[4].(kernels.GemmParams))
	case "kernels.GemmExQ8":
		wt, scale, p := val(a[2]), val(a[3]), a[5].(kernels.GemmParams)
		return w.gemmRows(val(a[0]), val(a[1]), nil, val(a[4]), p, func(yr, ar, bias uint32) {
			w.prim("q8gemv", yr, w.addr(wt), w.addr(scale), ar, bias, p.N, p.K)
		})
	case "kernels.GemmExQ8Dot":
		return w.gemmQ8Dot(val(a[0]), val(a[1]), val(a[2]), val(a[3]), val(a[4]), a[5].(kernels.GemmParams))
	case "kernels.ConvQ8Dot":
		return w.convQ8Dot(i, c)
	case "kernels.GemmExF16":
		wt, p := val(a[2]), a[4].(kernels.GemmParams)
		return w.gemmRows(val(a[0]), val(a[1]), nil, val(a[3]), p, func(yr, ar, bias uint32) {
			w.prim("f16gemv", yr, w.addr(wt), ar, bias, p.N, p.K)
		})
	case "kernels.ConvQ8", "kernels.ConvF16":
		q8 := c.FuncName() == "kernels.ConvQ8"
		wt := val(a[2])
		var scale *Value
		if q8 {
			scale, a = val(a[3]), append(a[:3:3], a[4:]...)
		}
		var scratch uint32
		if _, ok := a[4].(Scratch); ok {
			scratch = w.arena + uint32(4*w.pl.scratch[i])
		}
		p := a[5].(kernels.ConvParams)
		if p.Group == p.InC && p.Group > 1 {
			return w.dwQuant(val(a[0]), val(a[1]), wt, scale, val(a[3]), p)
		}
		if q8 && kernels.ConvQ8UsesTile(p) {
			return w.convQ8Small(val(a[0]), val(a[1]), wt, scale, val(a[3]), scratch, p)
		}
		kk := p.InC / p.Group * Len(p.Kernel)
		ocg := p.OutC / p.Group
		return w.convWith(val(a[0]), val(a[1]), nil, val(a[3]), scratch, p, func(dg uint32, g int, col, bg uint32) {
			if q8 {
				w.prim("q8gemm", dg, w.addr(wt)+uint32(g*ocg*kk), w.addr(scale)+uint32(4*g*ocg), col, bg, ocg, kk, Len(p.Out))
			} else {
				w.prim("f16gemm", dg, w.addr(wt)+uint32(2*g*ocg*kk), col, bg, ocg, kk, Len(p.Out))
			}
		})
	case "kernels.Conv":
		var scratch uint32
		if s, ok := a[4].(Scratch); ok {
			scratch = w.arena + uint32(4*w.pl.scratch[i])
			_ = s
		}
		return w.conv(val(a[0]), val(a[1]), val(a[2]), val(a[3]), scratch, a[5].(kernels.ConvParams))
	case "kernels.MaxPool", "kernels.AveragePool":
		p := a[2].(kernels.PoolParams)
		for _, d := range p.Dilation {
			if d != 1 {
				return w.unsupported("a dilated pool runs as Go code in the Go back end")
			}
		}
		if val(a[0]).Len() == 0 {
			return nil
		}
		w.prim("pool", w.addr(val(a[0])), w.addr(val(a[1])), w.geom(kernels.PoolGeom(p, c.FuncName() == "kernels.MaxPool")))
		return nil
	case "kernels.GlobalPool":
		n, ch, spatial, isMax := a[2].(int), a[3].(int), a[4].(int), a[5].(bool)
		w.rows(val(a[0]), val(a[1]), n*ch, spatial, isMax, true)
		return nil
	case "kernels.Reduce":
		return w.reduce(val(a[0]), val(a[1]), a[2].(kernels.ReduceOp), a[3].([]int), a[4].([]int))
	case "kernels.Activate":
		dst, x := val(a[0]), val(a[1])
		return w.act(w.addr(dst), w.addr(x), dst.Len(), a[2].(kernels.Act))
	case "kernels.Binary":
		return w.binary(val(a[0]), val(a[1]), val(a[2]), a[3].(kernels.BinOp), a[4].([]int), a[5].([]int), a[6].([]int))
	case "kernels.Transpose":
		return w.transpose(val(a[0]), val(a[1]), a[2].([]int), a[3].([]int))
	case "kernels.Slice":
		return w.slice(val(a[0]), val(a[1]), a[2].([]int), a[3].([]int), a[4].([]int), a[5].([]int))
	case "kernels.Concat":
		return w.concat(val(a[0]), a[1].([]*Value), a[2].(int), a[3].([]int))
	case "kernels.Pad":
		return w.pad(val(a[0]), val(a[1]), a[2].([]int), a[3].([]int), a[4].([]int), a[5].(kernels.PadMode), a[6].(float32))
	case "kernels.MatMul":
		return w.matmul(val(a[0]), val(a[1]), val(a[2]), a[3].(kernels.MatMulParams))
	case "kernels.Expand":
		return w.expand(val(a[0]), val(a[1]), a[2].([]int), a[3].([]int))
	case "kernels.Where":
		return w.where(val(a[0]), val(a[1]), val(a[2]), val(a[3]), a[4].([]int), a[5].([]int), a[6].([]int), a[7].([]int))
	case "kernels.Compare":
		return w.compare(val(a[0]), val(a[1]), val(a[2]), a[3].(kernels.CmpOp), a[4].([]int), a[5].([]int), a[6].([]int))
	case "kernels.GatherF":
		return w.gatherF(val(a[0]), val(a[1]), val(a[2]), a[3].(int), a[4].(int), a[5].(int))
	case "kernels.LayerNorm":
		dst, x, scale, bias := val(a[0]), val(a[1]), val(a[2]), val(a[3])
		rows, cols, eps := a[4].(int), a[5].(int), a[6].(float32)
		var b uint32
		if bias != nil {
			b = w.addr(bias)
		}
		if rows > 0 {
			w.prim("layernorm", w.addr(dst), w.addr(x), w.addr(scale), b, rows, cols, eps)
		}
		return nil
	case "kernels.SoftmaxAxis":
		outer, axis, inner, log := a[2].(int), a[3].(int), a[4].(int), a[5].(bool)
		if inner != 1 || log {
			if outer*inner > maxUnroll {
				return w.unsupported("a softmax of %d rows, over the %d the wasm back end unrolls", outer*inner, maxUnroll)
			}
			if outer*axis*inner == 0 {
				return nil
			}
			w.declare("exp64")
			w.declare("log64")
			l := 0
			if log {
				l = 1
			}
			for o := range outer {
				for in := range inner {
					off := uint32(4 * (o*axis*inner + in))
					w.body.I32(int32(w.addr(val(a[0])) + off)).I32(int32(w.addr(val(a[1])) + off)).I32(int32(axis)).I32(int32(4 * inner)).I32(int32(l))
					w.callHelper("softmaxs")
				}
			}
			return nil
		}
		if outer*axis > 0 {
			w.prim("softmax_rows", w.addr(val(a[0])), w.addr(val(a[1])), outer, axis)
		}
		return nil
	}
	return w.unsupported("%s has no WebAssembly lowering yet", c.FuncName())
}

func binName(op kernels.BinOp) string {
	return enumNames[reflect.TypeOf(op)][int64(op)]
}

// act applies an activation as activateRange does in a wasip1 build.
func (w *wgen) act(dst, x uint32, n int, a kernels.Act) error {
	if n == 0 {
		return nil
	}
	switch {
	case a.Op == kernels.ActNone:
		if dst != x {
			w.body.I32(int32(dst)).I32(int32(x)).I32(int32(4 * n)).MemoryCopy()
		}
	case kernels.ExactInKernel(a.Op):
		w.prim("act", dst, x, n, int(a.Op), a.Alpha, a.Beta)
	case a.Op == kernels.ActTanh || a.Op == kernels.ActExp || a.Op == kernels.ActLog || a.Op == kernels.ActSigmoid || a.Op == kernels.ActErf:
		// Go's float64 math, as the Go module runs it (wasmgen_math.go).
		w.declare("exp64")
		if a.Op == kernels.ActErf {
			w.declare("erf64")
		}
		if a.Op == kernels.ActTanh {
			w.declare("tanh64")
		}
		if a.Op == kernels.ActLog {
			w.declare("log64")
		}
		w.body.I32(int32(dst)).I32(int32(x)).I32(int32(n))
		w.callHelper("actmath" + string(rune('a'+a.Op)))
	case a.Op == kernels.ActSoftplus:
		w.declare("exp64") // before the helpers that call them
		w.declare("log1p64")
		w.body.I32(int32(dst)).I32(int32(x)).I32(int32(n))
		w.callHelper("softplus")
	case a.Op == kernels.ActElu || a.Op == kernels.ActSelu:
		w.declare("expm1n64") // before the loop that calls it
		w.body.I32(int32(dst)).I32(int32(x)).I32(int32(n)).F32(a.Alpha).F32(a.Beta)
		w.callHelper("actelu" + string(rune('a'+a.Op)))
	case actElementOps[a.Op]:
		// One exact operation per value (wasmgen_act.go).
		w.body.I32(int32(dst)).I32(int32(x)).I32(int32(n))
		w.callHelper("actelem" + string(rune('a'+a.Op)))
	case a.Op == kernels.ActGelu || a.Op == kernels.ActGeluTanh:
		tanh := 0
		if a.Op == kernels.ActGeluTanh {
			tanh = 1
		}
		w.prim("gelu", dst, x, n, tanh)
	default:
		return w.unsupported("activation %s runs as Go code (float64 math) in the Go back end", enumNames[reflect.TypeOf(a.Op)][int64(a.Op)])
	}
	return nil
}

func (w *wgen) gemm(y, a, b, c *Value, p kernels.GemmParams) error {
	return w.gemmRows(y, a, b, c, p, func(yr, ar, bias uint32) {
		w.prim("gemv", yr, w.addr(b), ar, bias, p.N, p.K)
	})
}

// gemmRows is GemmEx (and gemmRows of GemmExQ8, GemmExF16, with TransB
// set): row runs one row of A against the weights.
func (w *wgen) gemmRows(y, a, b, c *Value, p kernels.GemmParams, row func(yr, ar, bias uint32)) error {
	m, n, k := p.M, p.N, p.K
	if m == 0 || n == 0 {
		return nil
	}
	if k == 0 || p.Alpha != 1 || p.TransA {
		return w.unsupported("Gemm with K = 0, alpha != 1 or transA runs as Go code in the Go back end")
	}
	if p.Beta == 0 {
		c = nil
	}
	plain := p.Beta == 1
	var bias uint32
	if !p.TransB {
		if c != nil && plain && p.CRows == m && p.CCols == 1 {
			bias, c = w.addr(c), nil
		}
		w.prim("gemm", w.addr(y), w.addr(a), w.addr(b), bias, m, k, n)
	} else {
		if c != nil && plain && p.CRows == 1 && p.CCols == n {
			bias, c = w.addr(c), nil
		}
		for i := range m {
			row(w.addr(y)+uint32(4*i*n), w.addr(a)+uint32(4*i*k), bias)
		}
	}
	if c != nil {
		// gemmEpilogue with beta 1: row[j] += c, one float32 add.
		if !plain || m > maxUnroll {
			return w.unsupported("Gemm's C of %d×%d with beta %g runs as Go code in the Go back end", p.CRows, p.CCols, p.Beta)
		}
		for i := range m {
			row := w.addr(y) + uint32(4*i*n)
			cr := w.addr(c)
			if p.CRows > 1 {
				cr += uint32(4 * i * p.CCols)
			}
			if p.CCols > 1 {
				w.prim("add", row, row, cr, n)
			} else {
				w.binLoop(kernels.BinAdd, "vs", row, row, cr, n)
			}
		}
	}
	return w.act(w.addr(y), w.addr(y), m*n, p.Act)
}

func (w *wgen) conv(dst, src, wt, b *Value, scratch uint32, p kernels.ConvParams) error {
	ks := Len(p.Kernel)
	kk := p.InC / p.Group * ks
	ocg := p.OutC / p.Group
	return w.convWith(dst, src, wt, b, scratch, p, func(dg uint32, g int, col, bg uint32) {
		w.prim("gemm", dg, w.addr(wt)+uint32(4*g*ocg*kk), col, bg, ocg, kk, Len(p.Out))
	})
}

// convWith is Conv (depthwise allowed) and convW of ConvQ8 and ConvF16:
// mul multiplies group g's weights by its im2col matrix col. dw holds
// the float32 weights of a depthwise convolution (the quantized ones are
// dwQuant's).
func (w *wgen) convWith(dst, src, dw, b *Value, scratch uint32, p kernels.ConvParams, mul func(dg uint32, g int, col, bg uint32)) error {
	prod := func(s []int) int {
		n := 1
		for _, d := range s {
			n *= d
		}
		return n
	}
	is, os, ks := prod(p.In), prod(p.Out), prod(p.Kernel)
	var bias uint32
	if b != nil {
		bias = w.addr(b)
	}
	if p.Group == p.InC && p.Group > 1 {
		if dw == nil {
			return w.unsupported("a quantized depthwise convolution (the importer keeps those float32)")
		}
		if p.OutC != p.InC {
			return w.unsupported("a depthwise convolution with a channel multiplier runs as Go code in the Go back end")
		}
		g, done := kernels.DepthwiseGeom(p)
		if os == 0 {
			return nil
		}
		at := w.geom(g)
		per, perOut := p.InC*is, p.InC*os
		for n := range p.N {
			w.prim("dwconv", w.addr(dst)+uint32(4*n*perOut), w.addr(src)+uint32(4*n*per), w.addr(dw), bias, at)
		}
		if !done {
			return w.act(w.addr(dst), w.addr(dst), dst.Len(), p.Act)
		}
		return nil
	}
	icg, ocg := p.InC/p.Group, p.OutC/p.Group
	kk := icg * ks
	pointwise := ks == 1 && is == os
	for i := range p.Stride {
		pointwise = pointwise && p.Stride[i] == 1 && p.Pad[i] == 0 && p.In[i] == p.Out[i]
	}
	var geomAt uint32
	if !pointwise && kk*os > 0 {
		geomAt = w.geom(kernels.Im2colGeom(p))
	}
	for n := range p.N {
		sn := w.addr(src) + uint32(4*n*p.InC*is)
		dn := w.addr(dst) + uint32(4*n*p.OutC*os)
		for g := range p.Group {
			sg := sn + uint32(4*g*icg*is)
			dg := dn + uint32(4*g*ocg*os)
			var bg uint32
			if b != nil {
				bg = bias + uint32(4*g*ocg)
			}
			col := sg
			if !pointwise {
				col = scratch
				if kk*os > 0 {
					w.prim("im2col_conv", col, sg, geomAt)
				}
			}
			mul(dg, g, col, bg)
		}
		if err := w.act(dn, dn, p.OutC*os, p.Act); err != nil {
			return err
		}
	}
	return nil
}

// reduce handles ReduceSum and ReduceMean over trailing axes: each output
// is the float64 sum of a contiguous run, as Reduce's common case.
func (w *wgen) reduce(dst, x *Value, op kernels.ReduceOp, shape, axes []int) error {
	var mode int // rowsum's: 0 sum, 1 mean, 2 max, 3 min, …
	switch op {
	case kernels.ReduceSum:
	case kernels.ReduceMean:
		mode = 1
	case kernels.ReduceMax:
		mode = 2
	case kernels.ReduceMin:
		mode = 3
	case kernels.ReduceProd:
		mode = 4
	case kernels.ReduceL1:
		mode = 5
	case kernels.ReduceL2:
		mode = 6
	case kernels.ReduceSumSquare:
		mode = 7
	case kernels.ReduceLogSum:
		mode = 8
		w.declare("log64") // before rowsumlog, which calls it
	default:
		return w.unsupported("%s runs as Go code in the Go back end", enumNames[reflect.TypeOf(op)][int64(op)])
	}
	red := make([]bool, len(shape))
	for _, a := range axes {
		red[a] = true
	}
	if len(axes) == 0 {
		for i := range red {
			red[i] = true
		}
	}
	// Reduce's merged axes, innermost first: kept (ks, kd) and reduced
	// (rs, rd).
	var ks, kd, rs, rd []int
	stride, prev := 1, -1
	for i := len(shape) - 1; i >= 0; i-- {
		d := shape[i]
		if d == 1 {
			continue
		}
		kind := 0
		if red[i] {
			kind = 1
		}
		switch {
		case kind == prev && kind == 0:
			kd[len(kd)-1] *= d
		case kind == prev:
			rd[len(rd)-1] *= d
		case kind == 0:
			ks, kd = append(ks, stride), append(kd, d)
		default:
			rs, rd = append(rs, stride), append(rd, d)
		}
		prev = kind
		stride *= d
	}
	kept := 1
	for _, d := range kd {
		kept *= d
	}
	if kept == 0 || dst.Len() == 0 {
		return nil
	}
	count := Len(shape) / kept
	if count == 0 {
		return w.unsupported("an empty reduction runs as Go code in the Go back end")
	}
	if len(rd) > 1 {
		return w.unsupported("a reduction over axes %v of %s, not adjacent, runs as Go code in the Go back end", axes, shapeString(shape))
	}
	es := 1
	if len(rs) == 1 {
		es = rs[0]
	}
	if len(kd) == 0 { // everything reduced
		w.rowsum(w.addr(dst), w.addr(x), 1, count, mode, 0, es)
		return nil
	}
	// The innermost kept axis is the helper's rows; the outer ones unroll.
	outer := kept / kd[0]
	if outer > maxUnroll {
		return w.unsupported("a reduction of %d blocks, over the %d the wasm back end unrolls", outer, maxUnroll)
	}
	idx := make([]int, len(kd))
	for o := 0; o < outer; o++ {
		base := 0
		for k := 1; k < len(kd); k++ {
			base += idx[k] * ks[k]
		}
		w.rowsum(w.addr(dst)+uint32(4*o*kd[0]), w.addr(x)+uint32(4*base), kd[0], count, mode, ks[0], es)
		for k := 1; k < len(kd); k++ {
			idx[k]++
			if idx[k] < kd[k] {
				break
			}
			idx[k] = 0
		}
	}
	return nil
}

// rowsum emits dst[r] = the float64 sum (mode 0; divided by count, mode
// 1), max (2) or min (3) of the count values at src + r·rowStep +
// j·elemStep (strides in values), rounded once to float32: Reduce's and
// GlobalPool's arithmetic.
func (w *wgen) rowsum(dst, src uint32, rows, count int, mode int, rowStep, elemStep int) {
	w.body.I32(int32(dst)).I32(int32(src)).I32(int32(rows)).I32(int32(count)).I32(int32(mode)).I32(int32(4 * rowStep)).I32(int32(4 * elemStep))
	if mode == 8 {
		w.callHelper("rowsumlog")
		return
	}
	w.callHelper("rowsum")
}

// rows emits dst[r] = max, or float64 sum (divided by count when mean), of
// src[r·count : (r+1)·count], for r < rows: GlobalPool's and Reduce's loop.
func (w *wgen) rows(dst, src *Value, rows, count int, isMax, mean bool) {
	if !isMax {
		m := 0
		if mean {
			m = 1
		}
		w.rowsum(w.addr(dst), w.addr(src), rows, count, m, count, 1)
		return
	}
	name := "rowsum"
	if isMax {
		name = "rowmax"
	}
	idx, ok := w.helpers[name]
	if !ok {
		w.helperOrder = append(w.helperOrder, name)
		w.helpers[name] = 0 // the dry run's; GenerateWasm defines it
	}
	w.body.I32(int32(w.addr(dst))).I32(int32(w.addr(src))).I32(int32(rows)).I32(int32(count))
	if !isMax {
		m := 0
		if mean {
			m = 1
		}
		w.body.I32(int32(m))
	}
	w.body.Call(idx)
}

// helper defines rowsum(dst, src, rows, count, mean) or rowmax(dst, src,
// rows, count). Their indices follow the imports, which the dry run fixed.
func (w *wgen) helper(name string, isMax bool) uint32 {
	const (
		dst, src, rows, count = 0, 1, 2, 3
	)
	var c wasmbin.Code
	if isMax {
		// locals: 4 i (i32), 5 m (f32), 6 end (i32)
		c.Block().Loop().
			Get(rows).Op(wasmbin.OpI32Eqz).BrIf(1).
			Get(src).Get(count).I32(4).Op(wasmbin.OpI32Mul).Op(wasmbin.OpI32Add).Set(6).
			Get(src).F32Load(0).Set(5).
			Get(src).I32(4).Op(wasmbin.OpI32Add).Set(4).
			Block().Loop().
			Get(4).Get(6).Op(0x4f).BrIf(1). // i32.ge_u
			Get(5).Get(4).F32Load(0).Op(wasmbin.OpF32Max).Set(5).
			Get(4).I32(4).Op(wasmbin.OpI32Add).Set(4).
			Br(0).End().End().
			Get(dst).Get(5).F32Store(0).
			Get(dst).I32(4).Op(wasmbin.OpI32Add).Set(dst).
			Get(6).Set(src).
			Get(rows).I32(1).Op(wasmbin.OpI32Sub).Set(rows).
			Br(0).End().End()
		return w.m.Func(wasmbin.FuncType{Params: []byte{ii, ii, ii, ii}}, []byte{ii, ff, ii}, c.B)
	}
	// rowsum: params 4 mode, 5 rowStep, 6 elemStep (bytes); locals 7 p
	// (i32), 8 j (i32), 9 acc (f64), 10 v (f64). Modes: 0 sum, 1 mean,
	// 2 max, 3 min, 4 prod, 5 L1, 6 L2, 7 sum of squares, 8 log-sum (in
	// rowsumlog, which calls log64 at the end).
	is := func(m int32) *wasmbin.Code { return c.Get(4).I32(m).Op(wasmbin.OpI32Eq).If() }
	c.Block().Loop().
		Get(rows).Op(wasmbin.OpI32Eqz).BrIf(1).
		Get(src).Set(7).Get(count).Set(8).
		F64(0).Set(9)
	is(2).F64(math.Inf(-1)).Set(9).End()
	is(3).F64(math.Inf(1)).Set(9).End()
	is(4).F64(1).Set(9).End()
	// One loop per way of folding a value in, the mode tested once per
	// row rather than per value (wazero and V8 keep the tests in the
	// loop: cifar_cnn's global pool, 4,096 values, took ~20 µs of its
	// ~150 under wazero); the same f64 operations in the same order.
	fold := func(ops func(*wasmbin.Code)) {
		c.Block().Loop().
			Get(8).Op(wasmbin.OpI32Eqz).BrIf(1).
			Get(9).Get(7).F32Load(0).Op(wasmbin.OpF64Promo)
		ops(&c)
		c.Set(9).
			Get(7).Get(6).Op(wasmbin.OpI32Add).Set(7).
			Get(8).I32(1).Op(wasmbin.OpI32Sub).Set(8).
			Br(0).End().End()
	}
	add := func(c *wasmbin.Code) { c.Op(wasmbin.OpF64Add) }
	c.Get(4).I32(2).Op(wasmbin.OpI32LtU).Get(4).I32(8).Op(wasmbin.OpI32Eq).Op(0x72).If()
	fold(add)
	c.End()
	is(2)
	fold(func(c *wasmbin.Code) { c.Op(0xa5) }) // f64.max
	c.End()
	is(3)
	fold(func(c *wasmbin.Code) { c.Op(0xa4) }) // f64.min
	c.End()
	is(4)
	fold(func(c *wasmbin.Code) { c.Op(f64Mul) })
	c.End()
	is(5)
	fold(func(c *wasmbin.Code) { c.Op(f64Abs).Op(wasmbin.OpF64Add) })
	c.End()
	c.Get(4).I32(6).Op(wasmbin.OpI32Eq).Get(4).I32(7).Op(wasmbin.OpI32Eq).Op(0x72).If()
	fold(func(c *wasmbin.Code) { c.Set(10).Get(10).Get(10).Op(f64Mul).Op(wasmbin.OpF64Add) })
	c.End()
	is(1).Get(9).Get(count).Op(0xb8).Op(wasmbin.OpF64Div).Set(9).End() // f64.convert_i32_u
	is(6).Get(9).Op(f64Sqrt).Set(9).End()
	if name == "rowsumlog" {
		is(8).Get(9).Call(w.helpers["log64"]).Set(9).End()
	}
	c.Get(dst).Get(9).Op(wasmbin.OpF32Demote).F32Store(0).
		Get(dst).I32(4).Op(wasmbin.OpI32Add).Set(dst).
		Get(src).Get(5).Op(wasmbin.OpI32Add).Set(src).
		Get(rows).I32(1).Op(wasmbin.OpI32Sub).Set(rows).
		Br(0).End().End()
	return w.m.Func(wasmbin.FuncType{Params: []byte{ii, ii, ii, ii, ii, ii, ii}}, []byte{ii, ii, wasmbin.F64, wasmbin.F64}, c.B)
}
