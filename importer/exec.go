package importer

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/pwagen/pwagen/kernels"
)

// Exec runs the plan in-process on the kernels' Go build: one float32 slice
// per graph input, in order; it returns the outputs in order. It is how the
// importer folds constants and how tests run graphs without compiling them.
func (pl *Plan) Exec(inputs ...[]float32) (outs [][]float32, err error) {
	return pl.run(inputs, nil)
}

// execHook sees each call after it ran: its index, its output and a
// function that runs another call on the same operands into dst.
type execHook func(i int, out []float32, redo func(c Call, quant map[*Value]any, dst []float32))

// run is Exec with a hook after each call (nil: none).
func (pl *Plan) run(inputs [][]float32, hook execHook) (outs [][]float32, err error) {
	g := pl.Graph
	if len(inputs) != len(g.Inputs) {
		return nil, fmt.Errorf("got %d inputs, the graph takes %d", len(inputs), len(g.Inputs))
	}
	in := map[*Value][]float32{}
	for i, v := range g.Inputs {
		if len(inputs[i]) != v.Len() {
			return nil, fmt.Errorf("input %s: got %d values, want %d", v, len(inputs[i]), v.Len())
		}
		in[v] = inputs[i]
	}
	arena := make([]float32, pl.Arena)
	slice := func(v *Value) []float32 {
		r := v.root()
		switch {
		case r.Const != nil:
			return r.Const.F[:v.Len()]
		case r.Input:
			return in[r][:v.Len()]
		}
		off := pl.slots[r]
		return arena[off : off+v.Len() : off+v.Len()]
	}
	var cur *Node
	defer func() {
		if r := recover(); r != nil {
			var se *kernels.ShapeError
			if e, ok := r.(error); ok && errors.As(e, &se) {
				err = fmt.Errorf("%s: %v", nodeLabel(cur), se)
				return
			}
			panic(r)
		}
	}()
	// args builds a call's arguments; dst, when set, replaces its output
	// and fresh scratch replaces the arena's.
	args := func(i int, c Call, quant map[*Value]any, dst []float32) []reflect.Value {
		args := make([]reflect.Value, len(c.Args))
		for j, a := range c.Args {
			switch a := a.(type) {
			case *Value:
				if q, ok := quant[a.root()]; ok && !isScales8(q) {
					args[j] = reflect.ValueOf(q)
				} else if j == 0 && dst != nil {
					args[j] = reflect.ValueOf(dst)
				} else {
					args[j] = reflect.ValueOf(slice(a))
				}
			case []*Value:
				s := make([][]float32, len(a))
				for k, v := range a {
					s[k] = slice(v)
				}
				args[j] = reflect.ValueOf(s)
			case Scratch:
				if dst != nil {
					args[j] = reflect.ValueOf(make([]float32, a.N))
					continue
				}
				off := pl.scratch[i]
				args[j] = reflect.ValueOf(arena[off : off+a.N : off+a.N])
			case nil:
				args[j] = reflect.ValueOf([]float32(nil))
			default:
				args[j] = reflect.ValueOf(a)
			}
		}
		return args
	}
	for i, c := range pl.Calls {
		cur = c.Node
		reflect.ValueOf(c.Fn).Call(args(i, c, pl.quant, nil))
		if hook != nil {
			hook(i, slice(c.Args[0].(*Value)), func(c Call, quant map[*Value]any, dst []float32) {
				reflect.ValueOf(c.Fn).Call(args(i, c, quant, dst))
			})
		}
	}
	for _, v := range g.Outputs {
		outs = append(outs, append([]float32(nil), slice(v)...))
	}
	return outs, nil
}

func nodeLabel(n *Node) string {
	if n == nil {
		return "output copy"
	}
	return n.String()
}

// foldByExec computes a float32 node whose inputs are all constant by
// lowering and running it alone.
func foldByExec(n *Node, opset int64) error {
	def := ops[n.Op]
	if def.lower == nil {
		return fmt.Errorf("cannot be folded")
	}
	p := &planner{cur: n}
	// Lowering must see the outputs as computed values.
	if err := def.lower(p, n, opset); err != nil {
		return err
	}
	g := &Graph{Opset: opset}
	for _, v := range n.Out {
		if v.Alias != nil {
			// A view of a constant: copy it.
			src := v.Alias
			v.Alias = nil
			p.emit(kernels.Activate, v, src, kernels.Act{})
		}
		g.Outputs = append(g.Outputs, v)
	}
	pl, err := place(g, p.calls)
	if err != nil {
		return err
	}
	outs, err := pl.Exec()
	if err != nil {
		return err
	}
	for i, v := range n.Out {
		v.Const = &Tensor{DType: Float32, Shape: v.Shape, F: outs[i]}
	}
	return nil
}

func foldNodeOpset(n *Node, opset int64) error {
	if allConst(n.Out) {
		return nil // constant by nature (Constant, Shape)
	}
	for _, v := range n.In {
		if v != nil && v.Const == nil {
			return nil
		}
	}
	def := ops[n.Op]
	if def.fold != nil {
		return def.fold(n, opset)
	}
	for _, v := range n.Out {
		if v.DType != Float32 {
			return fmt.Errorf("cannot fold %s output %q", v.DType, v.Name)
		}
	}
	for _, v := range n.In {
		if v != nil && v.DType != Float32 {
			return fmt.Errorf("cannot fold %s input %q", v.DType, v.Name)
		}
	}
	return foldByExec(n, opset)
}
