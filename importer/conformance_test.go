package importer

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/onnx"

	"github.com/pwagen/pwagen/internal/ci"
)

// nodeTests is where Debian's libonnx-testdata puts ONNX's backend node
// tests: a model and its inputs and outputs per case.
const nodeTests = "/usr/share/libonnx-testdata/data/node"

var updateDocs = flag.Bool("update", false, "rewrite docs/onnx.md and the goldens")

// conformance is the outcome of one node test.
type conformance struct {
	name, op string
	status   string // "pass", "fail", "refused"
	detail   string
	// A passing test's plan, inputs and outputs (TestConformanceWasm).
	pl         *Plan
	feed, want [][]float32
}

// runNodeTest imports a node test's model, runs it in-process on its
// inputs and compares with its outputs at ONNX's tolerance (rtol 1e-3,
// atol 1e-7, as onnx/backend/test/runner does).
func runNodeTest(dir string) conformance {
	c := conformance{name: filepath.Base(dir)}
	m, err := onnx.ReadFile(filepath.Join(dir, "model.onnx"), onnx.DefaultLimits())
	if err != nil {
		c.status, c.detail = "refused", "reader: "+err.Error()
		return c
	}
	if len(m.Graph.Nodes) > 0 {
		c.op = m.Graph.Nodes[0].OpType
		for _, n := range m.Graph.Nodes {
			if ops[n.OpType] == nil {
				c.op = n.OpType
			}
		}
	}
	set := filepath.Join(dir, "test_data_set_0")
	var ins, outs []*onnx.Tensor
	for i := 0; ; i++ {
		t, err := onnx.ReadTensorFile(filepath.Join(set, fmt.Sprintf("input_%d.pb", i)), onnx.DefaultLimits())
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			c.status, c.detail = "refused", "input: "+err.Error()
			return c
		}
		ins = append(ins, t)
	}
	for i := 0; ; i++ {
		t, err := onnx.ReadTensorFile(filepath.Join(set, fmt.Sprintf("output_%d.pb", i)), onnx.DefaultLimits())
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			c.status, c.detail = "refused", "output: "+err.Error()
			return c
		}
		outs = append(outs, t)
	}
	// Integer and boolean inputs are parameters (axes, pads, indices): a
	// deployed model has them as constants, and pwagen needs them so. Bind
	// them as initializers; if the graph still needs a float input constant
	// (BatchNormalization's statistics, Clip's bounds), bind every input but
	// the first too.
	var g *Graph
	var pl *Plan
	var feed [][]float32
	for mode := 0; mode < 3; mode++ {
		var err error
		g, pl, feed, err = importWithData(m, ins, c.name, mode)
		if err == nil {
			break
		}
		c.status, c.detail = "refused", firstLine(err.Error())
		if !strings.Contains(err.Error(), "computed at run time") && !strings.Contains(err.Error(), "at run time is not supported") && !strings.Contains(err.Error(), "pwagen takes float32") {
			return c
		}
	}
	if pl == nil {
		return c
	}
	_ = g
	got, err := pl.Exec(feed...)
	if err != nil {
		c.status, c.detail = "fail", err.Error()
		return c
	}
	if len(got) != len(outs) {
		c.status, c.detail = "fail", fmt.Sprintf("%d outputs, want %d", len(got), len(outs))
		return c
	}
	for i, want := range outs {
		wt, err := tensorFromONNX(want)
		if err != nil {
			c.status, c.detail = "refused", err.Error()
			return c
		}
		w := wt.Floats()
		if len(w) != len(got[i]) {
			c.status, c.detail = "fail", fmt.Sprintf("output %d: %d values, want %d", i, len(got[i]), len(w))
			return c
		}
		for j := range w {
			a, b := float64(got[i][j]), float64(w[j])
			if math.IsNaN(a) && math.IsNaN(b) || a == b {
				continue
			}
			if math.Abs(a-b) > 1e-7+1e-3*math.Abs(b) || math.IsNaN(a) != math.IsNaN(b) {
				c.status, c.detail = "fail", fmt.Sprintf("output %d[%d] = %g, want %g", i, j, a, b)
				return c
			}
		}
		c.want = append(c.want, w)
	}
	c.status, c.pl, c.feed = "pass", pl, feed
	return c
}

// importWithData builds and lowers a node test's model with its test inputs
// fed at run time (mode 0), or bound as constants: integer and boolean ones
// (mode 1, as a deployed model has its axes and pads), or every one but the
// first (mode 2, for statistics and bounds that pwagen needs constant).
func importWithData(m *onnx.Model, ins []*onnx.Tensor, name string, mode int) (*Graph, *Plan, [][]float32, error) {
	inits := map[string]bool{}
	for _, t := range m.Graph.Initializers {
		inits[t.Name] = true
	}
	mm := *m
	gg := *m.Graph
	mm.Graph = &gg
	gg.Inputs = nil
	gg.Initializers = append([]*onnx.Tensor(nil), m.Graph.Initializers...)
	shapes := map[string][]int{}
	var feed [][]float32
	k := 0
	runtime := 0
	for _, vi := range m.Graph.Inputs {
		if inits[vi.Name] {
			gg.Inputs = append(gg.Inputs, vi)
			continue
		}
		if k >= len(ins) {
			break
		}
		t := ins[k]
		k++
		it, err := tensorFromONNX(t)
		if err != nil {
			return nil, nil, nil, err
		}
		if (mode >= 1 && t.DType != onnx.Float32) || (mode == 2 && runtime > 0) {
			ct := *t
			ct.Name = vi.Name
			gg.Initializers = append(gg.Initializers, &ct)
			continue
		}
		runtime++
		s := make([]int, len(t.Dims))
		for i, d := range t.Dims {
			s[i] = int(d)
		}
		shapes[vi.Name] = s
		gg.Inputs = append(gg.Inputs, vi)
		feed = append(feed, it.Floats())
	}
	g, err := Build(&mm, Options{Shapes: shapes, Source: name})
	if err != nil {
		return nil, nil, nil, err
	}
	Optimize(g)
	pl, err := Lower(g)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(feed) != len(g.Inputs) {
		return nil, nil, nil, fmt.Errorf("%d inputs in the test data, %d in the graph", len(feed), len(g.Inputs))
	}
	return g, pl, feed, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// TestConformance runs every ONNX node test. A test of a supported operator
// must pass unless knownFailures says why not; docs/onnx.md is generated
// from the outcome (go test ./importer -run Conformance -update).
func TestConformance(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(nodeTests, "test_*"))
	if len(dirs) == 0 {
		ci.Missing(t, "no ONNX node tests in %s; apt-get install -y libonnx-testdata", nodeTests)
	}
	var results []conformance
	for _, d := range dirs {
		c := runNodeTest(d)
		results = append(results, c)
		reason, known := knownFailures[c.name]
		switch {
		case c.status == "fail" && !known:
			t.Errorf("%s: %s", c.name, c.detail)
		case c.status == "pass" && known:
			t.Errorf("%s passes now; remove it from knownFailures (%s)", c.name, reason)
		}
	}
	writeOpsDoc(t, results)
}

func summarize(rs []conformance) (pass, fail, refused int) {
	for _, r := range rs {
		switch r.status {
		case "pass":
			pass++
		case "fail":
			fail++
		default:
			refused++
		}
	}
	return
}

var _ = sort.Strings
