package importer

import (
	"slices"
)

// fuseLayerNorm recognises the layer normalisation that exports before
// opset 17 spell out,
//
//	m = ReduceMean(x, last axes); d = x - m; v = ReduceMean(d^2, same axes)
//	y = d / Sqrt(v + eps) [* gamma] [+ beta]
//
// and replaces it with one LayerNormalization node: one kernel call and one
// pass over memory instead of nine.
func fuseLayerNorm(g *Graph) int {
	uses := g.uses()
	prod := g.producers()
	dead := map[*Node]bool{}
	count := 0
	only := func(v *Value, n int) bool { return uses[v] == n && !g.isOutput(v) }
	is := func(v *Value, op string) *Node {
		if v == nil || v.Const != nil {
			return nil
		}
		if p := prod[v]; p != nil && p.Op == op && !dead[p] {
			return p
		}
		return nil
	}
	scalar := func(v *Value) (float32, bool) {
		if v == nil || v.Const == nil || v.Len() != 1 || v.DType != Float32 {
			return 0, false
		}
		return v.Const.F[0], true
	}
	for _, div := range g.Nodes {
		if div.Op != "Div" || dead[div] || len(div.In) != 2 || allConst(div.Out) {
			continue
		}
		d, s := div.In[0], div.In[1]
		sub, sqrt := is(d, "Sub"), is(s, "Sqrt")
		if sub == nil || sqrt == nil || !only(d, 2) || !only(s, 1) {
			continue
		}
		add := is(sqrt.In[0], "Add")
		if add == nil || !only(sqrt.In[0], 1) {
			continue
		}
		eps, ok := scalar(add.In[1])
		if !ok {
			continue
		}
		rv := is(add.In[0], "ReduceMean")
		if rv == nil || !only(add.In[0], 1) {
			continue
		}
		pow := is(rv.In[0], "Pow")
		if pow == nil || pow.In[0] != d || !only(rv.In[0], 1) {
			continue
		}
		if e, ok := scalar(pow.In[1]); !ok || e != 2 {
			continue
		}
		x := sub.In[0]
		rm := is(sub.In[1], "ReduceMean")
		if rm == nil || rm.In[0] != x || !only(sub.In[1], 1) {
			continue
		}
		r := len(x.Shape)
		axes, ok := lastAxes(rm, g.Opset, r)
		if !ok {
			continue
		}
		if a2, ok := lastAxes(rv, g.Opset, r); !ok || !slices.Equal(a2, axes) {
			continue
		}
		if !slices.Equal(div.Out[0].Shape, x.Shape) {
			continue
		}
		first := axes[0]
		cols := Len(x.Shape[first:])
		nodes := []*Node{rm, sub, pow, rv, add, sqrt, div}
		out := div.Out[0]
		var gamma, beta *Value
		if mul := singleUser(g, out, uses, "Mul"); mul != nil {
			if c := otherConst(mul, out); c != nil && c.Len() == cols && trailing(c.Shape, x.Shape[first:]) {
				gamma, out = c, mul.Out[0]
				nodes = append(nodes, mul)
				if ad := singleUser(g, out, uses, "Add"); ad != nil {
					if c := otherConst(ad, out); c != nil && c.Len() == cols && trailing(c.Shape, x.Shape[first:]) {
						beta, out = c, ad.Out[0]
						nodes = append(nodes, ad)
					}
				}
			}
		}
		if gamma == nil {
			ones := make([]float32, cols)
			for i := range ones {
				ones[i] = 1
			}
			gamma = constOf(div.Name+"~gamma", &Tensor{DType: Float32, Shape: []int{cols}, F: ones})
		}
		ln := &Node{Op: "LayerNormalization", Name: div.Name + "~layernorm", In: []*Value{x, flat(gamma, cols)}, Out: []*Value{out},
			Attrs: Attrs{"axis": {Kind: AttrInt, Int: int64(first)}, "epsilon": {Kind: AttrFloat, Float: eps}}}
		if beta != nil {
			ln.In = append(ln.In, flat(beta, cols))
		}
		// The fused node takes the place of the last one it replaces.
		last := nodes[len(nodes)-1]
		i := slices.Index(g.Nodes, last)
		g.Nodes[i] = ln
		for _, n := range nodes[:len(nodes)-1] {
			dead[n] = true
		}
		count++
	}
	removeNodes(g, dead)
	return count
}

// lastAxes returns a ReduceMean's axes when they are the last ones of the
// tensor, with keepdims.
func lastAxes(n *Node, opset int64, r int) ([]int, bool) {
	if n.Attrs.int("keepdims", 1) != 1 {
		return nil, false
	}
	axes, given, err := axesOf(n, opset, 18, r)
	if err != nil || !given || len(axes) == 0 {
		return nil, false
	}
	for i, a := range axes {
		if a != r-len(axes)+i {
			return nil, false
		}
	}
	return axes, true
}

// singleUser returns the only node reading v when it is op.
func singleUser(g *Graph, v *Value, uses map[*Value]int, op string) *Node {
	n := single(g, v, uses)
	if n == nil || n.Op != op || len(n.In) != 2 {
		return nil
	}
	return n
}

// otherConst returns the constant operand of a binary node beside v.
func otherConst(n *Node, v *Value) *Value {
	switch {
	case n.In[0] == v && n.In[1].Const != nil:
		return n.In[1]
	case n.In[1] == v && n.In[0].Const != nil:
		return n.In[0]
	}
	return nil
}

// trailing tells whether shape s broadcasts as the trailing dims t.
func trailing(s, t []int) bool {
	for len(s) > len(t) && s[0] == 1 {
		s = s[1:]
	}
	return slices.Equal(s, t) || (len(s) == 1 && s[0] == Len(t))
}

// flat views a constant as a flat vector of n values.
func flat(v *Value, n int) *Value {
	if len(v.Shape) == 1 && v.Shape[0] == n {
		return v
	}
	c := *v.Const
	c.Shape = []int{n}
	return constOf(v.Name, &c)
}
