package importer

import (
	"fmt"
	"sort"
	"strings"
)

// DocsURL is where the supported operators are listed.
const DocsURL = "docs/onnx.md"

// UnsupportedError lists every operator (or attribute value) of a model
// that pwagen cannot compile, with the nodes that use it. It is returned
// before anything is written.
type UnsupportedError struct {
	Source string
	Ops    []Unsupported
}

// Unsupported is one unsupported operator or attribute value.
type Unsupported struct {
	Op     string   // "LSTM", or "Conv" for an attribute value
	Reason string   // "" for an unknown operator, else what is unsupported
	Nodes  []string // node names, in graph order
}

func (e *UnsupportedError) Error() string {
	var b strings.Builder
	n := 0
	for _, u := range e.Ops {
		n += len(u.Nodes)
	}
	fmt.Fprintf(&b, "%s: %d node(s) use what pwagen cannot compile yet:", e.Source, n)
	for _, u := range e.Ops {
		what := "operator " + u.Op
		if u.Reason != "" {
			what = u.Op + ": " + u.Reason
		}
		names := u.Nodes
		more := ""
		if len(names) > 5 {
			more = fmt.Sprintf(" and %d more", len(names)-5)
			names = names[:5]
		}
		fmt.Fprintf(&b, "\n  %s (%d node(s): %s%s)", what, len(u.Nodes), strings.Join(names, ", "), more)
	}
	fmt.Fprintf(&b, "\nThe supported operators and opsets are listed in %s.", DocsURL)
	return b.String()
}

// unsupported collects UnsupportedError entries while a graph is read.
type unsupported map[string]*Unsupported

func (u unsupported) add(op, reason, node string) {
	k := op + "\x00" + reason
	e, ok := u[k]
	if !ok {
		e = &Unsupported{Op: op, Reason: reason}
		u[k] = e
	}
	e.Nodes = append(e.Nodes, node)
}

func (u unsupported) err(source string) error {
	if len(u) == 0 {
		return nil
	}
	e := &UnsupportedError{Source: source}
	for _, v := range u {
		e.Ops = append(e.Ops, *v)
	}
	sort.Slice(e.Ops, func(i, j int) bool {
		if e.Ops[i].Op != e.Ops[j].Op {
			return e.Ops[i].Op < e.Ops[j].Op
		}
		return e.Ops[i].Reason < e.Ops[j].Reason
	})
	return e
}

// ShapeNeededError is an input with a symbolic dimension that no --shape
// fixes. It is a usage error.
type ShapeNeededError struct {
	Input    string
	Declared string // "batch×3×H×W"
	Example  string // "--shape input=1x3x224x224"
}

func (e *ShapeNeededError) Error() string {
	return fmt.Sprintf("input %q has the symbolic shape %s; pwagen compiles static shapes, so fix every symbolic dimension but a leading batch (which defaults to 1) with %s", e.Input, e.Declared, e.Example)
}

// nodeErr is an error about a node, naming it.
func nodeErr(n *Node, format string, args ...any) error {
	return fmt.Errorf("%s: %s", n, fmt.Sprintf(format, args...))
}
