package importer

import (
	"math"
	"testing"
)

// geluGraph builds y = GELU(x) for x 2×7 the way an export spells it out:
// each builder adds nodes from x to the output and returns the output.
type geluBuild func(b *graphBuilder, x *Value) *Value

type graphBuilder struct {
	g *Graph
	n int
}

func (b *graphBuilder) c(v float32) *Value {
	b.n++
	return constOf("c"+string(rune('a'+b.n)), &Tensor{DType: Float32, Shape: []int{}, F: []float32{v}})
}

func (b *graphBuilder) op(op string, in ...*Value) *Value {
	b.n++
	out := &Value{Name: op + string(rune('a'+b.n)), DType: Float32, Shape: []int{2, 7}}
	b.g.Nodes = append(b.g.Nodes, &Node{Op: op, Name: out.Name, In: in, Out: []*Value{out}})
	return out
}

// TestFuseGelu: every spelling of GELU that exports emit becomes one Gelu
// node, and the fused graph computes what the spelled-out one does.
func TestFuseGelu(t *testing.T) {
	tanhArg := func(b *graphBuilder, x *Value, cube *Value) *Value {
		return b.op("Mul", b.c(float32(math.Sqrt(2/math.Pi))), b.op("Add", x, b.op("Mul", b.c(0.044715), cube)))
	}
	for _, tc := range []struct {
		name   string
		approx string
		build  geluBuild
	}{
		{"torch exact", "none", func(b *graphBuilder, x *Value) *Value {
			e := b.op("Erf", b.op("Div", x, b.c(float32(math.Sqrt2))))
			return b.op("Mul", b.op("Mul", x, b.op("Add", e, b.c(1))), b.c(0.5))
		}},
		{"exact, x·(1/√2), half first", "none", func(b *graphBuilder, x *Value) *Value {
			e := b.op("Erf", b.op("Mul", b.c(float32(1/math.Sqrt2)), x))
			return b.op("Mul", b.op("Mul", x, b.c(0.5)), b.op("Add", b.c(1), e))
		}},
		{"torch tanh", "tanh", func(b *graphBuilder, x *Value) *Value {
			t := b.op("Tanh", tanhArg(b, x, b.op("Mul", x, b.op("Mul", x, x))))
			return b.op("Mul", b.c(0.5), b.op("Mul", x, b.op("Add", b.c(1), t)))
		}},
		{"tanh with Pow", "tanh", func(b *graphBuilder, x *Value) *Value {
			t := b.op("Tanh", tanhArg(b, x, b.op("Pow", x, b.c(3))))
			return b.op("Mul", b.op("Mul", x, b.c(0.5)), b.op("Add", t, b.c(1)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mk := func() *Graph {
				x := &Value{Name: "x", DType: Float32, Shape: []int{2, 7}, Input: true}
				b := &graphBuilder{g: &Graph{Name: "g", Opset: 17, Inputs: []*Value{x}}}
				b.g.Outputs = []*Value{tc.build(b, x)}
				return b.g
			}
			in := make([]float32, 14)
			for i := range in {
				in[i] = float32(i-7) * 0.7
			}
			ref, err := Lower(mk())
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.Exec(in)
			if err != nil {
				t.Fatal(err)
			}
			g := mk()
			if n := fuseGelu(g); n != 1 || len(g.Nodes) != 1 || g.Nodes[0].Op != "Gelu" || g.Nodes[0].Attrs.str("approximate", "") != tc.approx {
				t.Fatalf("fuseGelu made %d rewrites, nodes %v; want one Gelu node, approximate %q", n, g.Nodes, tc.approx)
			}
			pl, err := Lower(g)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pl.Exec(in)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got[0] {
				if d := math.Abs(float64(got[0][i] - want[0][i])); d > 1e-6*(1+math.Abs(float64(in[i]))) {
					t.Errorf("x = %v: fused %v, spelled out %v", in[i], got[0][i], want[0][i])
				}
			}
		})
	}
	// A GELU whose inner value is read elsewhere stays as it is.
	x := &Value{Name: "x", DType: Float32, Shape: []int{2, 7}, Input: true}
	b := &graphBuilder{g: &Graph{Name: "g", Opset: 17, Inputs: []*Value{x}}}
	d := b.op("Div", x, b.c(float32(math.Sqrt2)))
	y := b.op("Mul", b.op("Mul", x, b.op("Add", b.op("Erf", d), b.c(1))), b.c(0.5))
	b.g.Outputs = []*Value{y, d}
	if n := fuseGelu(b.g); n != 0 {
		t.Errorf("fuseGelu fused a GELU whose x/√2 is also an output (%d rewrites)", n)
	}
}
