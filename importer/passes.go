package importer

import (
	"slices"

	"github.com/pwagen/pwagen/kernels"
)

// A Pass rewrites a graph in place; each is one small, separately tested
// step.
type Pass struct {
	Name string
	Run  func(g *Graph) int // how many rewrites it made
}

// Passes are the rewrites Optimize runs, in order.
var Passes = []Pass{
	{"fold-batchnorm", foldBatchNorm},   // Conv/Gemm → BatchNormalization: scale the weights
	{"fuse-layernorm", fuseLayerNorm},   // ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add → LayerNormalization
	{"fuse-gelu", fuseGelu},             // Div, Erf, Add, Mul, Mul (or the tanh form) → Gelu
	{"fuse-activation", fuseActivation}, // Conv/Gemm → Relu, Clip, …: one kernel call
	{"dead-code", deadCode},             // drop nodes no output needs
}

// Optimize runs Passes and reports how many rewrites each made.
func Optimize(g *Graph) map[string]int {
	r := map[string]int{}
	for _, p := range Passes {
		r[p.Name] = p.Run(g)
	}
	return r
}

// single returns the only node reading v, when v is not a graph output.
func single(g *Graph, v *Value, uses map[*Value]int) *Node {
	if uses[v] != 1 || g.isOutput(v) {
		return nil
	}
	for _, n := range g.Nodes {
		if slices.Contains(n.In, v) {
			return n
		}
	}
	return nil
}

func removeNodes(g *Graph, dead map[*Node]bool) {
	g.Nodes = slices.DeleteFunc(g.Nodes, func(n *Node) bool { return dead[n] })
}

// foldBatchNorm folds an inference BatchNormalization into the Conv (or
// Gemm with transB = 1, torch's Linear) before it, when that node's output
// feeds only the BatchNormalization and its weights are constant:
// W'[o] = W[o]·scale[o], B'[o] = B[o]·scale[o] + bias[o].
func foldBatchNorm(g *Graph) int {
	uses := g.uses()
	prod := g.producers()
	dead := map[*Node]bool{}
	count := 0
	for _, bn := range g.Nodes {
		if bn.Op != "BatchNormalization" || allConst(bn.Out) || dead[bn] {
			continue
		}
		x := bn.In[0]
		p := prod[x]
		if p == nil || single(g, x, uses) != bn || p.Out[0] != x {
			continue
		}
		if _, fused := p.Attrs["pwagen.act"]; fused {
			continue
		}
		var ch int
		switch {
		case p.Op == "Conv" && p.In[1].Const != nil:
			ch = p.In[1].Shape[0]
		case p.Op == "Gemm" && p.In[1].Const != nil && p.Attrs.int("transB", 0) == 1 && p.Attrs.float("alpha", 1) == 1 && len(x.Shape) == 2:
			ch = p.In[1].Shape[0]
		default:
			continue
		}
		if b := p.in(2); b != nil && (b.Const == nil || b.Len() != ch) {
			continue
		}
		scale, bias, err := bnAffine(bn)
		if err != nil || scale.Len() != ch {
			continue
		}
		w := p.In[1].Const
		per := w.Len() / ch
		nw := &Tensor{DType: Float32, Shape: w.Shape, F: make([]float32, w.Len())}
		for o := 0; o < ch; o++ {
			for i := 0; i < per; i++ {
				nw.F[o*per+i] = w.F[o*per+i] * scale.Const.F[o]
			}
		}
		nb := &Tensor{DType: Float32, Shape: []int{ch}, F: make([]float32, ch)}
		beta := float32(1)
		if p.Op == "Gemm" {
			beta = p.Attrs.float("beta", 1)
		}
		for o := 0; o < ch; o++ {
			var b0 float32
			if b := p.in(2); b != nil {
				b0 = b.Const.F[o] * beta
			}
			nb.F[o] = b0*scale.Const.F[o] + bias.Const.F[o]
		}
		p.In[1] = constOf(p.In[1].Name+"~bn", nw)
		bv := constOf(bn.Name+"~bias", nb)
		if p.Op == "Gemm" {
			p.Attrs["beta"] = Attr{Kind: AttrFloat, Float: 1}
			bv.Shape = []int{1, ch}
			bv.Const.Shape = bv.Shape
		}
		if len(p.In) < 3 {
			p.In = append(p.In, bv)
		} else {
			p.In[2] = bv
		}
		out := bn.Out[0]
		p.Out[0] = out
		dead[bn] = true
		count++
	}
	removeNodes(g, dead)
	return count
}

// fusible lists the activations a Conv or Gemm applies to its own result.
var fusible = map[string]bool{
	"Relu": true, "Clip": true, "LeakyRelu": true, "HardSigmoid": true, "HardSwish": true,
	"Sigmoid": true, "Tanh": true, "Elu": true, "Gelu": true,
}

// fuseActivation attaches an element-wise activation to the Conv or Gemm
// whose output only it reads, saving a pass over memory.
func fuseActivation(g *Graph) int {
	uses := g.uses()
	prod := g.producers()
	dead := map[*Node]bool{}
	count := 0
	for _, a := range g.Nodes {
		if !fusible[a.Op] || allConst(a.Out) {
			continue
		}
		x := a.In[0]
		p := prod[x]
		if p == nil || (p.Op != "Conv" && p.Op != "Gemm") || single(g, x, uses) != a {
			continue
		}
		if _, done := p.Attrs["pwagen.act"]; done {
			continue
		}
		act, err := unary[a.Op](a)
		if err != nil {
			continue
		}
		p.Attrs["pwagen.act"] = actAttr(act)
		p.Out[0] = a.Out[0]
		dead[a] = true
		count++
	}
	removeNodes(g, dead)
	return count
}

func actAttr(a kernels.Act) Attr {
	return Attr{Kind: AttrInts, Ints: []int64{int64(a.Op)}, Floats: []float32{a.Alpha, a.Beta}}
}

// deadCode drops nodes whose outputs nothing reads.
func deadCode(g *Graph) int {
	count := 0
	for {
		uses := g.uses()
		dead := map[*Node]bool{}
		for _, n := range g.Nodes {
			used := false
			for _, v := range n.Out {
				if uses[v] > 0 {
					used = true
				}
			}
			if !used {
				dead[n] = true
			}
		}
		if len(dead) == 0 {
			return count
		}
		count += len(dead)
		removeNodes(g, dead)
	}
}
