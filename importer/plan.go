package importer

import (
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"

	"github.com/pwagen/pwagen/kernels"
)

// A Plan is a graph lowered to kernel calls with every tensor placed: graph
// inputs in the caller's slices, constants in the weights file, and every
// computed tensor at an offset of one arena. Exec runs it in-process; Gen
// prints it as Go. Both read the same calls, so they cannot disagree.
type Plan struct {
	Graph   *Graph
	Calls   []Call
	Weights []*Value // constants read at run time, in first-use order
	Arena   int      // float32s of the arena
	slots   map[*Value]int
	scratch map[int]int    // call index → arena offset of its scratch
	quant   map[*Value]any // quantized constants ([]int8, []uint16): quantize.go
}

// Call is one kernel call: Fn is a function of package kernels and Args its
// arguments, where a *Value stands for that tensor's slice, a Scratch for
// scratch space and a []*Value for a slice of tensors.
type Call struct {
	Fn   any
	Args []any
	Node *Node
}

// Scratch is scratch space of N float32s, valid during one call.
type Scratch struct{ N int }

// FuncName is the call's function as Go source: "kernels.Conv".
func (c Call) FuncName() string {
	name := runtime.FuncForPC(reflect.ValueOf(c.Fn).Pointer()).Name()
	return "kernels." + name[strings.LastIndex(name, ".")+1:]
}

// planner collects the calls of a lowering.
type planner struct {
	calls []Call
	cur   *Node
	tmp   int
}

// emit adds a call. Its first argument is the tensor it writes.
func (p *planner) emit(fn any, args ...any) {
	p.calls = append(p.calls, Call{Fn: fn, Args: args, Node: p.cur})
}

// temp makes a runtime tensor that no ONNX value names.
func (p *planner) temp(like *Value, shape []int) *Value {
	p.tmp++
	return &Value{Name: fmt.Sprintf("%s~%d", like.Name, p.tmp), DType: Float32, Shape: shape}
}

// Lower turns a graph into a plan.
func Lower(g *Graph) (*Plan, error) {
	p := &planner{}
	for _, n := range g.Nodes {
		if allConst(n.Out) {
			continue
		}
		def := ops[n.Op]
		if def.lower == nil {
			return nil, nodeErr(n, "has an output computed at run time, which pwagen cannot do for %s yet: %s", n.Op, outNames(n))
		}
		p.cur = n
		if err := def.lower(p, n, g.Opset); err != nil {
			return nil, nodeErr(n, "%v", err)
		}
	}
	// Every output must own storage that no later call overwrites and that is
	// neither an input nor a constant.
	outs := map[*Value]bool{}
	for i, v := range g.Outputs {
		r := v.root()
		if r.Input || r.Const != nil || outs[r] {
			c := &Value{Name: v.Name + "~out", DType: Float32, Shape: v.Shape}
			p.cur = nil
			p.emit(kernels.Activate, c, v, kernels.Act{})
			g.Outputs[i] = c
			r = c
		}
		outs[r] = true
	}
	return place(g, p.calls)
}

func allConst(vs []*Value) bool {
	for _, v := range vs {
		if v != nil && v.Const == nil {
			return false
		}
	}
	return true
}

func outNames(n *Node) string {
	var s []string
	for _, v := range n.Out {
		s = append(s, v.String())
	}
	return strings.Join(s, ", ")
}

// align is the arena alignment in float32s: 64 bytes, a cache line, so SIMD
// loads never straddle one.
const align = 16

// place gives every computed tensor an arena offset, reusing the space of
// tensors no later call reads.
func place(g *Graph, calls []Call) (*Plan, error) {
	pl := &Plan{Graph: g, Calls: calls, slots: map[*Value]int{}, scratch: map[int]int{}}
	born := map[*Value]int{}
	last := map[*Value]int{}
	var order []*Value
	seenW := map[*Value]bool{}
	touch := func(v *Value, i int) {
		r := v.root()
		if r.Const != nil {
			if !seenW[r] {
				if r.DType != Float32 {
					// An integer constant read as data (Pow's exponent):
					// the kernels read float32.
					r.Const = &Tensor{DType: Float32, Shape: r.Const.Shape, F: r.Const.Floats()}
					r.DType = Float32
				}
				seenW[r] = true
				pl.Weights = append(pl.Weights, r)
			}
			return
		}
		if r.Input {
			return
		}
		if _, ok := born[r]; !ok {
			born[r] = i
			order = append(order, r)
		}
		last[r] = max(last[r], i)
	}
	for i, c := range calls {
		for _, a := range c.Args {
			switch a := a.(type) {
			case *Value:
				touch(a, i)
			case []*Value:
				for _, v := range a {
					touch(v, i)
				}
			}
		}
	}
	for _, v := range g.Outputs {
		r := v.root()
		if _, ok := born[r]; !ok {
			return nil, fmt.Errorf("output %s is never computed", v)
		}
		last[r] = len(calls)
	}
	// Interval allocation in call order: a tensor's space is free again after
	// its last read. First fit over the free list keeps it deterministic.
	type block struct{ off, n, until int }
	var live []block
	top := 0
	alloc := func(n, from, until int) int {
		n = (max(n, 1) + align - 1) / align * align
		live = slices.DeleteFunc(live, func(b block) bool { return b.until < from })
		slices.SortFunc(live, func(a, b block) int { return a.off - b.off })
		off := 0
		for _, b := range live {
			if off+n <= b.off {
				break
			}
			off = max(off, b.off+b.n)
		}
		live = append(live, block{off, n, until})
		top = max(top, off+n)
		return off
	}
	k := 0
	for i, c := range calls {
		for k < len(order) && born[order[k]] == i {
			v := order[k]
			pl.slots[v] = alloc(v.Len(), i, last[v])
			k++
		}
		for _, a := range c.Args {
			if s, ok := a.(Scratch); ok {
				pl.scratch[i] = alloc(s.N, i, i)
			}
		}
	}
	pl.Arena = top
	return pl, nil
}

// slot is where v's storage starts in the arena; ok is false for inputs and
// constants.
func (pl *Plan) slot(v *Value) (int, bool) {
	off, ok := pl.slots[v.root()]
	return off, ok
}
