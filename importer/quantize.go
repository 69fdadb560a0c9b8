package importer

import (
	"fmt"
	"math"
	"strings"

	"github.com/pwagen/pwagen/kernels"
)

// Quantization at import: a plan's Conv, Gemm and MatMul calls whose
// weight operand is a constant of at least QuantMinValues values are
// rewritten to read it as int8 (one float32 scale per output channel,
// symmetric: scale = max|w|/127, q = round(w/scale)) or as fp16. Biases
// and small tensors stay float32. The rewritten plan
// has the same calls in the same order, so the float and quantized runs
// can be compared layer by layer (Gate).

// QuantMinValues is the size under which a weight stays float32: below
// it, the table entry and the scales outweigh the bytes saved. Weights
// under QuantSmall values are quantized only while the gate passes with
// them: the importer keeps the worst of them float32 until it does
// (KeepFloat).
const (
	QuantMinValues = 128
	QuantSmall     = 1024
)

// Quantization modes.
const (
	QuantNone = "none"
	QuantInt8 = "int8"
	QuantFP16 = "fp16"
)

// CheckQuantMode returns an error naming the modes for anything else.
func CheckQuantMode(s string) error {
	switch s {
	case QuantNone, QuantInt8, QuantFP16:
		return nil
	}
	return fmt.Errorf("quantize %q: want int8, fp16 or none", s)
}

// QuantOptions tune Quantize.
type QuantOptions struct {
	// DamageLayer, when set, multiplies the int8 scales of the node of that
	// name by DamageFactor: a test hook that proves the gate catches a bad
	// quantization.
	DamageLayer  string
	DamageFactor float32
	// KeepFloat are layers whose weights stay float32.
	KeepFloat map[*Node]bool
}

// Quantize returns a plan of the same graph whose large constant weights
// of Conv, Gemm and MatMul are int8 or fp16. The float plan is unchanged.
func Quantize(pl *Plan, mode string, o QuantOptions) (*Plan, error) {
	if err := CheckQuantMode(mode); err != nil {
		return nil, err
	}
	if mode == QuantNone {
		return pl, nil
	}
	q := &quantizer{mode: mode, done: map[qkey]qweight{}, typed: map[*Value]any{}, o: o}
	calls := make([]Call, len(pl.Calls))
	for i, c := range pl.Calls {
		calls[i] = q.rewrite(c)
	}
	out, err := place(pl.Graph, calls)
	if err != nil {
		return nil, err
	}
	out.quant = q.typed
	return out, nil
}

type qkey struct {
	v     *Value
	trans bool
}

type qweight struct{ w, scale *Value }

type quantizer struct {
	mode  string
	done  map[qkey]qweight
	typed map[*Value]any
	o     QuantOptions
}

// rewrite returns c reading its weights quantized, or c.
func (q *quantizer) rewrite(c Call) Call {
	if c.Node != nil && q.o.KeepFloat[c.Node] {
		return c
	}
	a := c.Args
	switch c.FuncName() {
	case "kernels.Conv":
		p := a[5].(kernels.ConvParams)
		w := a[2].(*Value).root()
		if dw := p.Group == p.InC && p.Group > 1; dw && w.Len()/p.InC > kernels.DepthwiseTile || !q.eligible(w) {
			return c // a depthwise kernel too large for ConvQ8's tile
		}
		qw, ok := q.weight(c.Node, w, p.OutC, false)
		if !ok {
			return c
		}
		if q.mode == QuantInt8 {
			// Integer dot products (kernels/quant_dot.go), with the scratch
			// for the quantized activations (or ConvQ8's float32 tile).
			var sc any = a[4]
			if n := kernels.ConvQ8DotScratch(p); n > 0 {
				sc = Scratch{N: n}
			}
			return Call{Fn: kernels.ConvQ8Dot, Args: []any{a[0], a[1], qw.w, qw.scale, a[3], sc, p}, Node: c.Node}
		}
		return Call{Fn: kernels.ConvF16, Args: []any{a[0], a[1], qw.w, a[3], a[4], p}, Node: c.Node}
	case "kernels.GemmEx":
		p := a[4].(kernels.GemmParams)
		w, ok := a[2].(*Value)
		if !ok || p.TransA || !q.eligible(w.root()) {
			return c
		}
		qw, ok := q.weight(c.Node, w.root(), p.N, !p.TransB)
		if !ok {
			return c
		}
		p.TransB = true
		return q.gemm(c, a[0], a[1], qw, a[3], p)
	case "kernels.MatMul":
		p := a[3].(kernels.MatMulParams)
		w := a[2].(*Value).root()
		nb, na := 1, 1
		for i, d := range p.Batch {
			nb *= d
			na *= p.ABatch[i]
			if p.BBatch[i] != 1 {
				return c
			}
		}
		if na != nb || !q.eligible(w) {
			return c
		}
		qw, ok := q.weight(c.Node, w, p.N, true)
		if !ok {
			return c
		}
		gp := kernels.GemmParams{M: nb * p.M, N: p.N, K: p.K, TransB: true, Alpha: 1}
		return q.gemm(c, a[0], a[1], qw, nil, gp)
	}
	return c
}

func (q *quantizer) gemm(c Call, y, a any, qw qweight, cv any, p kernels.GemmParams) Call {
	if q.mode == QuantInt8 {
		return Call{Fn: kernels.GemmExQ8Dot, Args: []any{y, a, qw.w, qw.scale, cv, p}, Node: c.Node}
	}
	return Call{Fn: kernels.GemmExF16, Args: []any{y, a, qw.w, cv, p}, Node: c.Node}
}

func (q *quantizer) eligible(w *Value) bool {
	return w.Const != nil && w.Const.DType == Float32 && w.Len() >= QuantMinValues && len(w.Const.F) >= w.Len()
}

// weight quantizes w as rows output channels; trans means w is K×N and
// is stored transposed (N×K) so that each output channel is a row. ok is
// false when a value is not finite, or out of fp16's range: such a
// tensor stays float32.
func (q *quantizer) weight(n *Node, w *Value, rows int, trans bool) (qweight, bool) {
	key := qkey{w, trans}
	if r, ok := q.done[key]; ok {
		return r, true
	}
	total := w.Len()
	if rows <= 0 || total%rows != 0 {
		return qweight{}, false
	}
	cols := total / rows
	f := w.Const.F[:total]
	if trans {
		t := make([]float32, total)
		for k := range cols {
			for j := range rows {
				t[j*cols+k] = f[k*rows+j]
			}
		}
		f = t
	}
	for _, v := range f {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || q.mode == QuantFP16 && math.Abs(float64(v)) > 65504 {
			return qweight{}, false
		}
	}
	shape := []int{rows, cols}
	qv := &Value{Name: w.Name, DType: Float32, Shape: shape, Const: &Tensor{DType: Float32, Shape: shape}}
	r := qweight{w: qv}
	switch q.mode {
	case QuantInt8:
		data, sc := quantInt8(f, rows, cols)
		if q.o.DamageLayer != "" && n != nil && n.Name == q.o.DamageLayer {
			sc.base *= q.o.DamageFactor
		}
		scale := make([]float32, rows)
		kernels.DecodeScales(scale, sc.base, sc.codes)
		q.typed[qv] = data
		r.scale = &Value{Name: w.Name + ".scale", DType: Float32, Shape: []int{rows}, Const: &Tensor{DType: Float32, Shape: []int{rows}, F: scale}}
		q.typed[r.scale] = sc
	case QuantFP16:
		h := make([]uint16, total)
		for i, v := range f {
			h[i] = F32ToF16(v)
		}
		q.typed[qv] = h
	}
	q.done[key] = r
	return r, true
}

// scales8 is an int8 tensor's row scales as stored (kernels.DecodeScales):
// base, the largest, and one code per row.
type scales8 struct {
	base  float32
	codes []byte
}

// quantInt8 quantizes each row of f symmetrically. Row i's scale is the
// smallest on scales8's grid that is at least max|w|/127, so that every
// weight rounds into [-127, 127]: up to 4.4% coarser than max|w|/127.
func quantInt8(f []float32, rows, cols int) ([]int8, scales8) {
	data := make([]int8, len(f))
	sc := scales8{codes: make([]byte, rows)}
	amax := make([]float32, rows)
	for i := range rows {
		for _, v := range f[i*cols : (i+1)*cols] {
			amax[i] = max(amax[i], float32(math.Abs(float64(v))))
		}
		sc.base = max(sc.base, amax[i]/127)
	}
	for i := range rows {
		row := f[i*cols : (i+1)*cols]
		m := amax[i]
		if m == 0 {
			sc.codes[i] = kernels.ScaleZero // all zero: q = 0, scale 0
			continue
		}
		c := 0
		for c+1 < kernels.ScaleZero && float64(kernels.DecodeScale(sc.base, byte(c+1)))*127 >= float64(m) {
			c++
		}
		sc.codes[i] = byte(c)
		s := kernels.DecodeScale(sc.base, byte(c))
		for j, v := range row {
			x := math.RoundToEven(float64(v) / float64(s))
			data[i*cols+j] = int8(max(-127, min(127, x)))
		}
	}
	return data, sc
}

// F32ToF16 rounds a float32 to the nearest fp16 (ties to even); values
// beyond fp16's range become infinities (the importer keeps such tensors
// float32).
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23&0xff) - 127
	mant := b & 0x7fffff
	switch {
	case exp == 128: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp > 15:
		return sign | 0x7c00
	case exp >= -14: // normal
		h := uint32(exp+15)<<10 | mant>>13
		rest := mant & 0x1fff
		if rest > 0x1000 || rest == 0x1000 && h&1 == 1 {
			h++ // may carry into the exponent: still right (up to Inf)
		}
		return sign | uint16(h)
	case exp >= -25: // subnormal
		m := mant | 0x800000
		shift := uint(-exp - 14 + 13)
		h := m >> shift
		rest := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rest > half || rest == half && h&1 == 1 {
			h++
		}
		return sign | uint16(h)
	}
	return sign
}

// QuantSummary describes the quantized weights of a plan: how many
// tensors and their float32 and stored sizes in bytes.
func (pl *Plan) QuantSummary() (tensors, before, after int) {
	for _, w := range pl.Weights {
		switch d := pl.quant[w].(type) {
		case []int8:
			tensors++
			before += 4 * len(d)
			after += len(d)
		case []uint16:
			tensors++
			before += 4 * len(d)
			after += 2 * len(d)
		}
	}
	return
}

// quantLabel names a call's layer for reports: the node's op and name.
func quantLabel(c Call) string {
	if c.Node == nil {
		return "output copy"
	}
	name := c.Node.Name
	if name == "" && len(c.Node.Out) > 0 && c.Node.Out[0] != nil {
		name = c.Node.Out[0].Name
	}
	return fmt.Sprintf("%s %q", c.Node.Op, strings.TrimSpace(name))
}

// isScales8: the kernels take such a tensor decoded, its Const.F.
func isScales8(q any) bool {
	_, ok := q.(scales8)
	return ok
}
