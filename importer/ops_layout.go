package importer

import (
	"fmt"
	"slices"

	"github.com/pwagen/pwagen/kernels"
)

// view registers an operator that only changes the shape: at run time its
// output is the input's storage under another shape.
func view(names []string, minIn int, shape func(n *Node, opset int64) ([]int, error)) {
	register(names, &opDef{
		minIn: minIn,
		infer: func(n *Node, opset int64) error {
			s, err := shape(n, opset)
			if err != nil {
				return err
			}
			if Len(s) != n.In[0].Len() {
				return fmt.Errorf("cannot view %d values (%s) as shape %s", n.In[0].Len(), shapeString(n.In[0].Shape), shapeString(s))
			}
			setOut(n, 0, n.In[0].DType, s)
			return nil
		},
		fold: func(n *Node, _ int64) error {
			c := *n.In[0].Const
			c.Shape = n.Out[0].Shape
			n.Out[0].Const = &c
			return nil
		},
		lower: func(p *planner, n *Node, _ int64) error {
			n.Out[0].Alias = n.In[0]
			return nil
		},
	})
}

func init() {
	view([]string{"Reshape"}, 2, func(n *Node, _ int64) ([]int, error) {
		t, err := constIn(n, 1, "shape")
		if err != nil {
			return nil, err
		}
		want := t.Ints()
		in := n.In[0].Shape
		allowZero := n.Attrs.int("allowzero", 0) == 1
		out := make([]int, len(want))
		infer := -1
		known := 1
		for i, d := range want {
			switch {
			case d == 0 && !allowZero:
				if i >= len(in) {
					return nil, fmt.Errorf("shape %v copies dimension %d, but the input has rank %d", want, i, len(in))
				}
				out[i] = in[i]
			case d == -1:
				if infer >= 0 {
					return nil, fmt.Errorf("shape %v has two -1 dimensions", want)
				}
				infer = i
				continue
			case d < 0:
				return nil, fmt.Errorf("shape %v has dimension %d", want, d)
			default:
				out[i] = d
			}
			known *= out[i]
		}
		if infer >= 0 {
			if known == 0 || n.In[0].Len()%known != 0 {
				return nil, fmt.Errorf("cannot reshape %s to %v", shapeString(in), want)
			}
			out[infer] = n.In[0].Len() / known
		}
		return out, nil
	})
	view([]string{"Flatten"}, 1, func(n *Node, _ int64) ([]int, error) {
		in := n.In[0].Shape
		axis := int(n.Attrs.int("axis", 1))
		if axis < 0 {
			axis += len(in)
		}
		if axis < 0 || axis > len(in) {
			return nil, fmt.Errorf("axis %d is out of range for rank %d", n.Attrs.int("axis", 1), len(in))
		}
		return []int{Len(in[:axis]), Len(in[axis:])}, nil
	})
	view([]string{"Squeeze"}, 1, func(n *Node, opset int64) ([]int, error) {
		in := n.In[0].Shape
		axes, given, err := axesOf(n, opset, 13, len(in))
		if err != nil {
			return nil, err
		}
		var out []int
		for i, d := range in {
			if given {
				if slices.Contains(axes, i) {
					if d != 1 {
						return nil, fmt.Errorf("axis %d has size %d, not 1", i, d)
					}
					continue
				}
			} else if d == 1 {
				continue
			}
			out = append(out, d)
		}
		return out, nil
	})
	view([]string{"Unsqueeze"}, 1, func(n *Node, opset int64) ([]int, error) {
		in := n.In[0].Shape
		raw, given, err := rawAxes(n, opset, 13)
		if err != nil {
			return nil, err
		}
		if !given {
			return nil, fmt.Errorf("has no axes")
		}
		r := len(in) + len(raw)
		axes, err := normAxes(raw, r)
		if err != nil {
			return nil, err
		}
		out := make([]int, 0, r)
		k := 0
		for i := 0; i < r; i++ {
			if slices.Contains(axes, i) {
				out = append(out, 1)
			} else {
				out = append(out, in[k])
				k++
			}
		}
		return out, nil
	})

	register([]string{"Transpose"}, &opDef{
		minIn: 1,
		infer: func(n *Node, _ int64) error {
			in := n.In[0].Shape
			perm, err := transposePerm(n)
			if err != nil {
				return err
			}
			out := make([]int, len(in))
			for i, p := range perm {
				out[i] = in[p]
			}
			setOut(n, 0, n.In[0].DType, out)
			return nil
		},
		fold: func(n *Node, _ int64) error {
			perm, _ := transposePerm(n)
			in := n.In[0].Shape
			is, os := strides(in), strides(n.Out[0].Shape)
			n.Out[0].Const = remap(n.In[0].Const, n.Out[0].Shape, func(i int) int {
				j := 0
				for d, p := range perm {
					j += (i / os[d]) % n.Out[0].Shape[d] * is[p]
				}
				return j
			})
			return nil
		},
		lower: func(p *planner, n *Node, _ int64) error {
			perm, _ := transposePerm(n)
			in, perm := squeezeTranspose(n.In[0].Shape, perm)
			if isIdentity(perm) {
				n.Out[0].Alias = n.In[0]
				return nil
			}
			p.emit(kernels.Transpose, n.Out[0], n.In[0], in, perm)
			return nil
		},
	})

	register([]string{"Concat"}, &opDef{
		minIn: 1,
		infer: func(n *Node, _ int64) error {
			first := n.In[0].Shape
			axis, err := normAxis(int(n.Attrs.int("axis", 0)), len(first))
			if err != nil {
				return err
			}
			out := slices.Clone(first)
			out[axis] = 0
			for _, v := range n.In {
				if v == nil || len(v.Shape) != len(first) {
					return fmt.Errorf("inputs have different ranks")
				}
				for d := range first {
					if d != axis && v.Shape[d] != first[d] {
						return fmt.Errorf("input %s does not match %s outside axis %d", v, shapeString(first), axis)
					}
				}
				if v.DType != n.In[0].DType {
					return fmt.Errorf("inputs are %s and %s", n.In[0].DType, v.DType)
				}
				out[axis] += v.Shape[axis]
			}
			setOut(n, 0, n.In[0].DType, out)
			return nil
		},
		fold: func(n *Node, _ int64) error {
			axis, _ := normAxis(int(n.Attrs.int("axis", 0)), len(n.In[0].Shape))
			out := n.Out[0].Shape
			outer := Len(out[:axis])
			inner := Len(out[axis+1:])
			var parts []*Tensor
			var widths []int
			for _, v := range n.In {
				parts = append(parts, v.Const)
				widths = append(widths, v.Shape[axis]*inner)
			}
			total := out[axis] * inner
			// Concatenate through one flat tensor of all parts.
			flat := &Tensor{DType: n.Out[0].DType}
			var base []int
			off := 0
			for _, t := range parts {
				base = append(base, off)
				off += t.Len()
				flat.F = append(flat.F, t.F...)
				flat.I = append(flat.I, t.I...)
				flat.B = append(flat.B, t.B...)
			}
			n.Out[0].Const = remap(flat, out, func(i int) int {
				o, r := i/max(total, 1), i%max(total, 1)
				for k, w := range widths {
					if r < w {
						return base[k] + o*w + r
					}
					r -= w
				}
				return 0
			})
			_ = outer
			return nil
		},
		lower: func(p *planner, n *Node, _ int64) error {
			axis, _ := normAxis(int(n.Attrs.int("axis", 0)), len(n.In[0].Shape))
			out := n.Out[0].Shape
			inner := Len(out[axis+1:])
			var widths []int
			for _, v := range n.In {
				widths = append(widths, v.Shape[axis]*inner)
			}
			p.emit(kernels.Concat, n.Out[0], slices.Clone(n.In), Len(out[:axis]), widths)
			return nil
		},
	})

	register([]string{"Gather"}, &opDef{
		minIn: 2,
		infer: func(n *Node, _ int64) error {
			data, idx := n.In[0], n.In[1]
			axis, err := normAxis(int(n.Attrs.int("axis", 0)), len(data.Shape))
			if err != nil {
				return err
			}
			if idx.DType != Int64 {
				return fmt.Errorf("indices %s are not integers", idx)
			}
			for _, i := range constInts(idx) {
				if i < -data.Shape[axis] || i >= data.Shape[axis] {
					return fmt.Errorf("index %d is out of range [-%d, %d) of axis %d", i, data.Shape[axis], data.Shape[axis], axis)
				}
			}
			out := append(append(slices.Clone(data.Shape[:axis]), idx.Shape...), data.Shape[axis+1:]...)
			setOut(n, 0, data.DType, out)
			return nil
		},
		fold: func(n *Node, _ int64) error {
			data := n.In[0]
			axis, _ := normAxis(int(n.Attrs.int("axis", 0)), len(data.Shape))
			idx := n.In[1].Const.Ints()
			inner := Len(data.Shape[axis+1:])
			al := data.Shape[axis]
			ni := max(len(idx), 1)
			if len(idx) == 0 {
				ni = 0
			}
			n.Out[0].Const = remap(data.Const, n.Out[0].Shape, func(i int) int {
				in := i % inner
				k := (i / inner) % ni
				o := i / inner / ni
				j := idx[k]
				if j < 0 {
					j += al
				}
				return (o*al+j)*inner + in
			})
			return nil
		},
		lower: func(p *planner, n *Node, _ int64) error {
			data := n.In[0]
			axis, _ := normAxis(int(n.Attrs.int("axis", 0)), len(data.Shape))
			if n.In[1].Const == nil { // token ids at run time: an embedding lookup
				p.emit(kernels.GatherF, n.Out[0], data, n.In[1], Len(data.Shape[:axis]), data.Shape[axis], Len(data.Shape[axis+1:]))
				return nil
			}
			p.emit(kernels.Gather, n.Out[0], data, slices.Clone(n.In[1].Const.I), Len(data.Shape[:axis]), data.Shape[axis], Len(data.Shape[axis+1:]))
			return nil
		},
	})

	register([]string{"Slice"}, &opDef{
		minIn: 1,
		check: func(a Attrs, opset int64) string { return "" },
		infer: func(n *Node, opset int64) error {
			starts, steps, out, err := sliceParams(n, opset)
			if err != nil {
				return err
			}
			_ = starts
			_ = steps
			setOut(n, 0, n.In[0].DType, out)
			return nil
		},
		fold: func(n *Node, opset int64) error {
			starts, steps, out, _ := sliceParams(n, opset)
			is, os := strides(n.In[0].Shape), strides(out)
			n.Out[0].Const = remap(n.In[0].Const, out, func(i int) int {
				j := 0
				for d := range out {
					j += (starts[d] + (i/os[d])%out[d]*steps[d]) * is[d]
				}
				return j
			})
			return nil
		},
		lower: func(p *planner, n *Node, opset int64) error {
			starts, steps, out, _ := sliceParams(n, opset)
			p.emit(kernels.Slice, n.Out[0], n.In[0], slices.Clone(n.In[0].Shape), starts, steps, out)
			return nil
		},
	})

	register([]string{"Split"}, &opDef{
		minIn: 1,
		infer: func(n *Node, opset int64) error {
			parts, axis, err := splitParams(n, opset)
			if err != nil {
				return err
			}
			for i, w := range parts {
				s := slices.Clone(n.In[0].Shape)
				s[axis] = w
				setOut(n, i, n.In[0].DType, s)
			}
			return nil
		},
		fold: func(n *Node, opset int64) error {
			parts, axis, _ := splitParams(n, opset)
			in := n.In[0].Shape
			is := strides(in)
			off := 0
			for i, w := range parts {
				out := n.Out[i].Shape
				os := strides(out)
				start := off
				n.Out[i].Const = remap(n.In[0].Const, out, func(k int) int {
					j := 0
					for d := range out {
						c := (k / os[d]) % out[d]
						if d == axis {
							c += start
						}
						j += c * is[d]
					}
					return j
				})
				off += w
			}
			return nil
		},
		lower: func(p *planner, n *Node, opset int64) error {
			parts, axis, _ := splitParams(n, opset)
			in := n.In[0].Shape
			off := 0
			for i, w := range parts {
				starts := make([]int, len(in))
				steps := make([]int, len(in))
				for d := range steps {
					steps[d] = 1
				}
				starts[axis] = off
				p.emit(kernels.Slice, n.Out[i], n.In[0], slices.Clone(in), starts, steps, slices.Clone(n.Out[i].Shape))
				off += w
			}
			return nil
		},
	})

	register([]string{"Expand", "Tile"}, &opDef{
		minIn: 2,
		infer: func(n *Node, _ int64) error {
			t, err := constIn(n, 1, "shape")
			if err != nil {
				return err
			}
			in := n.In[0].Shape
			var out []int
			if n.Op == "Expand" {
				out, err = broadcast(in, t.Ints())
			} else {
				rep := t.Ints()
				if len(rep) != len(in) {
					return fmt.Errorf("repeats %v do not match rank %d", rep, len(in))
				}
				out = make([]int, len(in))
				for i := range in {
					out[i] = in[i] * rep[i]
				}
			}
			if err != nil {
				return err
			}
			if err := checkShape(out); err != nil {
				return err
			}
			setOut(n, 0, n.In[0].DType, out)
			return nil
		},
		fold: func(n *Node, _ int64) error {
			out := n.Out[0].Shape
			in := padShape(n.In[0].Shape, len(out))
			is, os := strides(in), strides(out)
			n.Out[0].Const = remap(n.In[0].Const, out, func(i int) int {
				j := 0
				for d := range out {
					j += (i / os[d]) % out[d] % in[d] * is[d]
				}
				return j
			})
			return nil
		},
		lower: func(p *planner, n *Node, _ int64) error {
			out := n.Out[0].Shape
			in := padShape(n.In[0].Shape, len(out))
			if n.Op == "Expand" {
				p.emit(kernels.Expand, n.Out[0], n.In[0], slices.Clone(out), in)
				return nil
			}
			// Tile: view x (a×b) as 1×a×1×b and expand to r1×a×r2×b.
			var xs, os []int
			for d := range in {
				xs = append(xs, 1, in[d])
				os = append(os, out[d]/in[d], in[d])
			}
			p.emit(kernels.Expand, n.Out[0], n.In[0], os, xs)
			return nil
		},
	})

	register([]string{"Pad"}, &opDef{
		minIn: 1,
		check: func(a Attrs, _ int64) string {
			switch a.str("mode", "constant") {
			case "constant", "reflect", "edge":
				return ""
			}
			return "mode " + a.str("mode", "")
		},
		infer: func(n *Node, opset int64) error {
			begin, end, _, _, err := padParams(n, opset)
			if err != nil {
				return err
			}
			in := n.In[0].Shape
			out := make([]int, len(in))
			for i := range in {
				out[i] = in[i] + begin[i] + end[i]
				if out[i] < 0 {
					return fmt.Errorf("pads %v %v crop axis %d below 0", begin, end, i)
				}
			}
			setOut(n, 0, n.In[0].DType, out)
			return nil
		},
		lower: func(p *planner, n *Node, opset int64) error {
			begin, end, mode, value, _ := padParams(n, opset)
			p.emit(kernels.Pad, n.Out[0], n.In[0], slices.Clone(n.In[0].Shape), begin, end, mode, value)
			return nil
		},
	})
}

// constInts is a constant value's elements, or none for a run-time one.
func constInts(v *Value) []int {
	if v.Const == nil {
		return nil
	}
	return v.Const.Ints()
}

func isIdentity(perm []int) bool {
	for i, p := range perm {
		if i != p {
			return false
		}
	}
	return true
}

// squeezeTranspose drops size-1 axes, which do not move data.
func squeezeTranspose(shape, perm []int) ([]int, []int) {
	keep := map[int]int{}
	var s []int
	for i, d := range shape {
		if d != 1 {
			keep[i] = len(s)
			s = append(s, d)
		}
	}
	var p []int
	for _, a := range perm {
		if k, ok := keep[a]; ok {
			p = append(p, k)
		}
	}
	if len(s) == 0 {
		return []int{1}, []int{0}
	}
	return s, p
}

func transposePerm(n *Node) ([]int, error) {
	r := len(n.In[0].Shape)
	perm, ok := n.Attrs.ints("perm")
	if !ok {
		perm = make([]int, r)
		for i := range perm {
			perm[i] = r - 1 - i
		}
	}
	if len(perm) != r {
		return nil, fmt.Errorf("perm %v has %d axes, the input %d", perm, len(perm), r)
	}
	seen := make([]bool, r)
	for _, p := range perm {
		if p < 0 || p >= r || seen[p] {
			return nil, fmt.Errorf("perm %v is not a permutation of 0..%d", perm, r-1)
		}
		seen[p] = true
	}
	return perm, nil
}

// rawAxes reads axes from the attribute (opset < since) or the second input.
func rawAxes(n *Node, opset, since int64) ([]int, bool, error) {
	if opset < since || n.Attrs.has("axes") {
		a, ok := n.Attrs.ints("axes")
		return a, ok, nil
	}
	if v := n.in(1); v != nil {
		if v.Const == nil {
			return nil, false, fmt.Errorf("axes %q are computed at run time; pwagen needs them constant", v.Name)
		}
		return v.Const.Ints(), true, nil
	}
	return nil, false, nil
}

func axesOf(n *Node, opset, since int64, rank int) ([]int, bool, error) {
	raw, given, err := rawAxes(n, opset, since)
	if err != nil || !given {
		return nil, given, err
	}
	a, err := normAxes(raw, rank)
	return a, true, err
}

// sliceParams resolves Slice's starts, ends, axes and steps (attributes
// before opset 10, inputs since) to clamped starts and steps per axis and
// the output shape.
func sliceParams(n *Node, opset int64) (starts, steps, out []int, err error) {
	in := n.In[0].Shape
	r := len(in)
	var st, en, ax, sp []int
	if opset < 10 || n.Attrs.has("starts") {
		st, _ = n.Attrs.ints("starts")
		en, _ = n.Attrs.ints("ends")
		ax, _ = n.Attrs.ints("axes")
	} else {
		get := func(i int, what string) ([]int, error) {
			v := n.in(i)
			if v == nil {
				return nil, nil
			}
			t, err := constIn(n, i, what)
			if err != nil {
				return nil, err
			}
			return t.Ints(), nil
		}
		if st, err = get(1, "starts"); err != nil {
			return
		}
		if en, err = get(2, "ends"); err != nil {
			return
		}
		if ax, err = get(3, "axes"); err != nil {
			return
		}
		if sp, err = get(4, "steps"); err != nil {
			return
		}
	}
	if len(st) != len(en) {
		return nil, nil, nil, fmt.Errorf("starts %v and ends %v differ in length", st, en)
	}
	if ax == nil {
		for i := range st {
			ax = append(ax, i)
		}
	}
	if sp == nil {
		for range st {
			sp = append(sp, 1)
		}
	}
	if len(ax) != len(st) || len(sp) != len(st) {
		return nil, nil, nil, fmt.Errorf("starts, ends, axes and steps differ in length")
	}
	starts = make([]int, r)
	steps = make([]int, r)
	out = slices.Clone(in)
	for i := range steps {
		steps[i] = 1
	}
	for i, a := range ax {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r {
			return nil, nil, nil, fmt.Errorf("axis %d is out of range for rank %d", ax[i], r)
		}
		d := in[a]
		s, e, step := st[i], en[i], sp[i]
		if step == 0 {
			return nil, nil, nil, fmt.Errorf("step 0 on axis %d", a)
		}
		if s < 0 {
			s += d
		}
		if e < 0 {
			e += d
		}
		if step > 0 {
			s, e = min(max(s, 0), d), min(max(e, 0), d)
		} else {
			s, e = min(max(s, -1), d-1), min(max(e, -1), d-1)
		}
		cnt := 0
		if step > 0 && e > s {
			cnt = (e - s + step - 1) / step
		} else if step < 0 && s > e {
			cnt = (s - e - step - 1) / -step
		}
		starts[a], steps[a], out[a] = s, step, cnt
		if cnt == 0 {
			starts[a] = 0
		}
	}
	return starts, steps, out, nil
}

func splitParams(n *Node, opset int64) ([]int, int, error) {
	in := n.In[0].Shape
	axis, err := normAxis(int(n.Attrs.int("axis", 0)), len(in))
	if err != nil {
		return nil, 0, err
	}
	var parts []int
	if s, ok := n.Attrs.ints("split"); ok {
		parts = s
	} else if v := n.in(1); v != nil && opset >= 13 {
		t, err := constIn(n, 1, "split")
		if err != nil {
			return nil, 0, err
		}
		parts = t.Ints()
	} else {
		k := len(n.Out)
		if ns := n.Attrs.int("num_outputs", 0); ns > 0 {
			k = int(ns)
		}
		size := (in[axis] + k - 1) / k
		for rem := in[axis]; rem > 0; rem -= size {
			parts = append(parts, min(size, rem))
		}
	}
	if len(parts) != len(n.Out) {
		return nil, 0, fmt.Errorf("splits into %d parts for %d outputs", len(parts), len(n.Out))
	}
	sum := 0
	for _, w := range parts {
		if w < 0 {
			return nil, 0, fmt.Errorf("split %v has a negative part", parts)
		}
		sum += w
	}
	if sum != in[axis] {
		return nil, 0, fmt.Errorf("split %v sums to %d, axis %d has %d", parts, sum, axis, in[axis])
	}
	return parts, axis, nil
}

func padParams(n *Node, opset int64) (begin, end []int, mode kernels.PadMode, value float32, err error) {
	r := len(n.In[0].Shape)
	var pads []int
	if opset < 11 {
		pads, _ = n.Attrs.ints("pads")
		value = n.Attrs.float("value", 0)
	} else {
		t, e := constIn(n, 1, "pads")
		if e != nil {
			return nil, nil, 0, 0, e
		}
		pads = t.Ints()
		if v := n.in(2); v != nil {
			c, e := constIn(n, 2, "constant_value")
			if e != nil {
				return nil, nil, 0, 0, e
			}
			if c.Len() > 0 {
				value = c.Floats()[0]
			}
		}
	}
	axes := make([]int, r)
	for i := range axes {
		axes[i] = i
	}
	if v := n.in(3); v != nil {
		t, e := constIn(n, 3, "axes")
		if e != nil {
			return nil, nil, 0, 0, e
		}
		if axes, e = normAxes(t.Ints(), r); e != nil {
			return nil, nil, 0, 0, e
		}
	}
	if len(pads) != 2*len(axes) {
		return nil, nil, 0, 0, fmt.Errorf("pads %v: want %d values", pads, 2*len(axes))
	}
	begin, end = make([]int, r), make([]int, r)
	for i, a := range axes {
		begin[a], end[a] = pads[i], pads[len(axes)+i]
	}
	switch n.Attrs.str("mode", "constant") {
	case "reflect":
		mode = kernels.PadReflect
	case "edge":
		mode = kernels.PadEdge
	}
	return begin, end, mode, value, nil
}
