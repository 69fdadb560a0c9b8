package importer

import (
	"math"
	"slices"
)

// fuseGelu recognises GELU as exports before opset 20 spell it out (torch's
// nn.GELU and F.gelu),
//
//	exact: y = x · (Erf(x / √2) + 1) · 0.5                      Div, Erf, Add, Mul, Mul
//	tanh:  y = x · (Tanh(√(2/π) · (x + 0.044715·x³)) + 1) · 0.5  Mul, Mul, Mul, Add, Mul, Tanh, Add, Mul, Mul
//
// (either operand order, x/√2 also as x · (1/√2), x³ also as Pow(x, 3),
// the 0.5 also applied to x first) and replaces it with one Gelu node:
// one kernel call (package kernels' GeluKernel) and one pass over memory
// instead of five or nine.
func fuseGelu(g *Graph) int {
	uses := g.uses()
	prod := g.producers()
	dead := map[*Node]bool{}
	count := 0
	only := func(v *Value) bool { return uses[v] == 1 && !g.isOutput(v) }
	// from returns the producer of v when it is op, live, and v has no
	// other reader.
	from := func(v *Value, op string) *Node {
		if v == nil || v.Const != nil || !only(v) {
			return nil
		}
		if p := prod[v]; p != nil && p.Op == op && !dead[p] && len(p.In) == 2 {
			return p
		}
		return nil
	}
	near := func(v *Value, want float64) bool {
		if v == nil || v.Const == nil || v.Len() != 1 || v.DType != Float32 {
			return false
		}
		return math.Abs(float64(v.Const.F[0])-want) <= 1e-6*math.Abs(want)
	}
	// split returns the operand of binary n beside the one that is c.
	split := func(n *Node, c func(*Value) bool) *Value {
		switch {
		case c(n.In[1]):
			return n.In[0]
		case c(n.In[0]):
			return n.In[1]
		}
		return nil
	}
	is := func(x *Value) func(*Value) bool { return func(v *Value) bool { return v == x } }
	num := func(want float64) func(*Value) bool { return func(v *Value) bool { return near(v, want) } }
	for _, f := range g.Nodes {
		if (f.Op != "Erf" && f.Op != "Tanh") || dead[f] || len(f.In) != 1 {
			continue
		}
		var x *Value
		var nodes []*Node
		if f.Op == "Erf" {
			if d := from(f.In[0], "Div"); d != nil && near(d.In[1], math.Sqrt2) {
				x, nodes = d.In[0], []*Node{d}
			} else if m := from(f.In[0], "Mul"); m != nil {
				if x = split(m, num(1/math.Sqrt2)); x != nil {
					nodes = []*Node{m}
				}
			}
		} else {
			x, nodes = tanhGeluArg(f, from, split, is, num)
		}
		if x == nil || x.Const != nil || x.DType != Float32 {
			continue
		}
		nodes = append(nodes, f)
		// (f + 1), then · x and · 0.5 in either order.
		add := single(g, f.Out[0], uses)
		if add == nil || add.Op != "Add" || len(add.In) != 2 || split(add, num(1)) != f.Out[0] {
			continue
		}
		nodes = append(nodes, add)
		m1 := single(g, add.Out[0], uses)
		if m1 == nil || m1.Op != "Mul" || len(m1.In) != 2 {
			continue
		}
		var out *Value
		if other := split(m1, is(add.Out[0])); other == x {
			m2 := single(g, m1.Out[0], uses)
			if m2 == nil || m2.Op != "Mul" || len(m2.In) != 2 || split(m2, num(0.5)) != m1.Out[0] {
				continue
			}
			nodes = append(nodes, m1, m2)
			out = m2.Out[0]
		} else if h := from(other, "Mul"); h != nil && split(h, num(0.5)) == x {
			nodes = append(nodes, h, m1)
			out = m1.Out[0]
		} else {
			continue
		}
		if !slices.Equal(out.Shape, x.Shape) || out.DType != Float32 {
			continue
		}
		approx := "none"
		if f.Op == "Tanh" {
			approx = "tanh"
		}
		gelu := &Node{Op: "Gelu", Name: f.Name + "~gelu", In: []*Value{x}, Out: []*Value{out},
			Attrs: Attrs{"approximate": {Kind: AttrString, Str: approx}}}
		// The fused node takes the place of the last one it replaces.
		last := nodes[len(nodes)-1]
		for _, n := range nodes {
			if slices.Index(g.Nodes, n) > slices.Index(g.Nodes, last) {
				last = n
			}
		}
		g.Nodes[slices.Index(g.Nodes, last)] = gelu
		for _, n := range nodes {
			if n != last {
				dead[n] = true
			}
		}
		count++
	}
	removeNodes(g, dead)
	return count
}

// tanhGeluArg matches Tanh's input √(2/π)·(x + 0.044715·x³), x³ as
// x·(x·x), (x·x)·x or Pow(x, 3), and returns x and the nodes.
func tanhGeluArg(t *Node, from func(*Value, string) *Node, split func(*Node, func(*Value) bool) *Value,
	is func(*Value) func(*Value) bool, num func(float64) func(*Value) bool) (*Value, []*Node) {
	inner := from(t.In[0], "Mul")
	if inner == nil {
		return nil, nil
	}
	s := from(split(inner, num(math.Sqrt(2/math.Pi))), "Add")
	if s == nil {
		return nil, nil
	}
	for _, xi := range []int{0, 1} {
		x := s.In[xi]
		k := from(s.In[1-xi], "Mul")
		if k == nil || x == nil {
			continue
		}
		cube := split(k, num(0.044715))
		if p := from(cube, "Pow"); p != nil && p.In[0] == x && num(3)(p.In[1]) {
			return x, []*Node{p, k, s, inner}
		}
		c := from(cube, "Mul")
		if c == nil {
			continue
		}
		sqv := split(c, is(x))
		if sq := from(sqv, "Mul"); sq != nil && sq.In[0] == x && sq.In[1] == x {
			return x, []*Node{sq, c, k, s, inner}
		}
	}
	return nil, nil
}
