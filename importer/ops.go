package importer

import (
	"fmt"
	"slices"
)

// opDef is what the importer knows of one ONNX operator.
type opDef struct {
	minIn int
	// check returns why an attribute value is unsupported, or "".
	check func(a Attrs, opset int64) string
	// infer sets the outputs' dtypes and shapes (and Const, for operators
	// that are constant by nature, such as Constant and Shape).
	infer func(n *Node, opset int64) error
	// fold computes the outputs of a node whose inputs are all constant.
	// Without it, float32 nodes fold by running their lowering.
	fold func(n *Node, opset int64) error
	// lower emits the kernel calls of a node whose output is not constant.
	lower func(p *planner, n *Node, opset int64) error
}

var ops = map[string]*opDef{}

func register(names []string, d *opDef) {
	for _, n := range names {
		if _, dup := ops[n]; dup {
			panic("importer: operator registered twice: " + n)
		}
		ops[n] = d
	}
}

// Ops lists the operators the importer compiles, sorted.
func Ops() []string {
	var s []string
	for k := range ops {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// setOut sets output i's dtype and shape.
func setOut(n *Node, i int, dt DType, shape []int) {
	n.Out[i].DType = dt
	n.Out[i].Shape = shape
}

// constIn returns input i's constant, or an error saying it must be one.
func constIn(n *Node, i int, what string) (*Tensor, error) {
	v := n.in(i)
	if v == nil {
		return nil, fmt.Errorf("input %d (%s) is missing", i, what)
	}
	if v.Const == nil {
		return nil, fmt.Errorf("input %d (%s, %q) is computed at run time; pwagen needs it constant at import (fix the model's shapes with --shape so that it folds)", i, what, v.Name)
	}
	return v.Const, nil
}

// normAxis turns a possibly negative axis into 0..rank-1.
func normAxis(axis, rank int) (int, error) {
	if axis < -rank || axis >= max(rank, 1) {
		return 0, fmt.Errorf("axis %d is out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}

func normAxes(axes []int, rank int) ([]int, error) {
	out := make([]int, len(axes))
	for i, a := range axes {
		x, err := normAxis(a, rank)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	slices.Sort(out)
	if len(slices.Compact(slices.Clone(out))) != len(out) {
		return nil, fmt.Errorf("axes %v repeat an axis", axes)
	}
	return out, nil
}

// broadcast is numpy's broadcast of two shapes.
func broadcast(a, b []int) ([]int, error) {
	r := max(len(a), len(b))
	out := make([]int, r)
	for i := 0; i < r; i++ {
		da, db := 1, 1
		if j := len(a) - r + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - r + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %s and %s do not broadcast (axis %d: %d against %d)", shapeString(a), shapeString(b), i, da, db)
		}
	}
	return out, nil
}

// padShape left-pads shape with 1s to rank r.
func padShape(shape []int, r int) []int {
	out := make([]int, r)
	for i := range out {
		out[i] = 1
	}
	copy(out[r-len(shape):], shape)
	return out
}

// strides are the row-major strides of shape.
func strides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}
