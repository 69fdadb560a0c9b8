package importer

import (
	"fmt"
	"slices"

	"github.com/pwagen/pwagen/kernels"
)

// Trilu keeps the upper (or lower) triangle of the last two axes, from
// diagonal k, and zeroes the rest. It is folded on constants (causal
// masks); at run time it is a Where against a constant triangle.
func init() {
	register([]string{"Trilu"}, &opDef{
		minIn: 1,
		infer: func(n *Node, _ int64) error {
			s := n.In[0].Shape
			if len(s) < 2 {
				return fmt.Errorf("input %s has rank %d, want at least 2", n.In[0], len(s))
			}
			if _, err := triluK(n); err != nil {
				return err
			}
			setOut(n, 0, n.In[0].DType, s)
			return nil
		},
		fold: func(n *Node, _ int64) error {
			k, _ := triluK(n)
			keep := triluKeep(n, k)
			x := n.In[0].Const
			mn := max(Len(n.In[0].Shape[len(n.In[0].Shape)-2:]), 1)
			out := remap(x, n.In[0].Shape, func(i int) int { return i })
			for i := 0; i < out.Len(); i++ {
				if !keep[i%mn] {
					switch out.DType {
					case Float32:
						out.F[i] = 0
					case Int64:
						out.I[i] = 0
					case Bool:
						out.B[i] = false
					}
				}
			}
			n.Out[0].Const = out
			return nil
		},
		lower: func(p *planner, n *Node, _ int64) error {
			k, _ := triluK(n)
			keep := triluKeep(n, k)
			s := n.In[0].Shape
			mask := make([]float32, len(keep))
			for i, b := range keep {
				if b {
					mask[i] = 1
				}
			}
			r := len(s)
			ms := padShape(s[r-2:], r)
			m := constOf(n.Name+"~triangle", &Tensor{DType: Float32, Shape: ms, F: mask})
			zero := constOf("zero", &Tensor{DType: Float32, Shape: []int{}, F: []float32{0}})
			p.emit(kernels.Where, n.Out[0], m, n.In[0], zero, slices.Clone(s), ms, slices.Clone(s), padShape(nil, r))
			return nil
		},
	})
}

func triluK(n *Node) (int, error) {
	if v := n.in(1); v != nil {
		t, err := constIn(n, 1, "k")
		if err != nil {
			return 0, err
		}
		if t.Len() != 1 {
			return 0, fmt.Errorf("k has %d values, want 1", t.Len())
		}
		return t.Ints()[0], nil
	}
	return 0, nil
}

// triluKeep marks, for one M×N matrix, the positions Trilu keeps.
func triluKeep(n *Node, k int) []bool {
	s := n.In[0].Shape
	rows, cols := s[len(s)-2], s[len(s)-1]
	upper := n.Attrs.int("upper", 1) == 1
	keep := make([]bool, rows*cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if upper {
				keep[i*cols+j] = j-i >= k
			} else {
				keep[i*cols+j] = j-i <= k
			}
		}
	}
	return keep
}
