package validate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/pwagen/pwagen/internal/size"
)

// Report is what Module found. Its JSON encoding is the output of
// `pwagen validate --json`.
type Report struct {
	Module    string          `json:"module"`
	SizeBytes int64           `json:"size_bytes"`
	Features  []string        `json:"features"`
	Imports   []Import        `json:"imports"`
	Exports   []Export        `json:"exports"`
	Memory    MemoryReport    `json:"memory"`
	Contract  *ContractReport `json:"contract"` // the model's inputs and outputs (contract.go); null before the exports are checked
	// Quantization is a quantized model checked against the float model
	// (quant.go); absent for a float model.
	Quantization *QuantReport   `json:"quantization,omitempty"`
	Targets      []TargetReport `json:"targets"`
	Problems     []Problem      `json:"problems"`
	OK           bool           `json:"ok"`

	Download DownloadReport `json:"-"`
	Notes    []string       `json:"-"` // what ran, what was skipped and why
	// Threads: the model ran with a shared memory and the simd-threads
	// kernels and agreed with simd bit for bit (threads.go); the packager
	// then ships the threaded files.
	Threads bool `json:"-"`
	// ThreadsMaxWork is the most multiply-adds of one kernel call of 8
	// rows or more in the threaded run (modules.Threads.MaxWork): below
	// the threads' threshold no call is split, and the loader runs simd.
	ThreadsMaxWork uint32 `json:"-"`

	uses          []Feature // Features, with where wazero first saw each
	invalidMemory bool      // a 32-bit memory declared above 4 GiB
}

// MemoryReport is the module's first memory: declared, measured and allowed.
type MemoryReport struct {
	MinBytes    uint64  `json:"min_bytes"`
	MaxBytes    *uint64 `json:"max_bytes"`    // nil: no maximum declared
	PeakBytes   *uint64 `json:"peak_bytes"`   // nil: the module did not run
	BudgetBytes uint64  `json:"budget_bytes"` // 0: no budget
}

// TargetReport says whether one target browser runs every needed feature.
type TargetReport struct {
	Browser string   `json:"browser"`
	Version string   `json:"version"`
	OK      bool     `json:"ok"`
	Missing []string `json:"missing"`
}

// Problem is one failed check and what to do about it.
type Problem struct {
	Check   string `json:"check"` // features, browsers, isolation, imports, exports, contract, memory, run, download
	Message string `json:"message"`
}

// DownloadReport is the gzip size of a first visit.
type DownloadReport struct {
	WasmGzip, Weights, Shell, Budget uint64 // Weights count raw: hosts serve them uncompressed, and floats barely compress
}

// Total is the bytes a first visit downloads.
func (d DownloadReport) Total() uint64 { return d.WasmGzip + d.Weights + d.Shell }

func newReport(path string, wasm []byte, m *modInfo, o Options) *Report {
	r := &Report{
		Module: path, SizeBytes: int64(len(wasm)),
		Features: []string{}, Imports: []Import{}, Exports: []Export{},
		Targets: []TargetReport{}, Problems: []Problem{},
	}
	r.Imports = append(r.Imports, m.imports...)
	r.Exports = append(r.Exports, m.exports...)
	if len(m.memories) > 0 {
		mem := m.memories[0]
		r.Memory.MinBytes = mem.Min * pageSize
		if mem.HasMax {
			b := mem.Max * pageSize
			r.Memory.MaxBytes = &b
		}
	}
	r.Memory.BudgetBytes = o.MemoryBudget
	return r
}

func (r *Report) setFeatures() {
	for _, f := range r.uses {
		if !slices.Contains(r.Features, f.Name) {
			r.Features = append(r.Features, f.Name)
		}
	}
}

func (r *Report) needs(f string) bool { return slices.Contains(r.Features, f) }

func gzipSize(b []byte) uint64 { return uint64(size.Gzip(b)) }

func (v *check) download(context.Context) error {
	if v.wasmGzip == 0 {
		v.wasmGzip = gzipSize(v.wasm)
	}
	d := DownloadReport{WasmGzip: v.wasmGzip, Shell: uint64(max(v.o.ShellBytes, 0)), Budget: v.o.DownloadBudget}
	if v.weights != nil {
		d.Weights = uint64(v.weights.size)
	}
	v.r.Download = d
	if p, over := d.problem(); over {
		v.r.Problems = append(v.r.Problems, p)
	}
	return nil
}

// problem is the download check's problem when a first visit is over the
// budget.
func (d DownloadReport) problem() (Problem, bool) {
	if d.Budget == 0 || d.Total() <= d.Budget {
		return Problem{}, false
	}
	return Problem{Check: "download", Message: fmt.Sprintf("a first visit downloads %s gzip (model %s, weights %s, app shell %s), over the download budget of %s by %s; raise [budget] download in pwagen.toml, or make the model or its weights smaller (for example float16 or int8 weights)",
		human(d.Total()), human(d.WasmGzip), human(d.Weights), human(d.Shell), human(d.Budget), human(d.Total()-d.Budget))}, true
}

// SetShell replaces the app shell's gzip size with the final one (the
// packager knows it only after the validator measured the model's memory,
// which the loader carries) and checks the download budget again.
func (r *Report) SetShell(shell uint64) {
	r.Download.Shell = shell
	r.Problems = slices.DeleteFunc(r.Problems, func(p Problem) bool { return p.Check == "download" })
	if p, over := r.Download.problem(); over {
		r.Problems = append(r.Problems, p)
	}
	r.OK = len(r.Problems) == 0
}

// WriteText writes the report as a short human-readable table.
func (r *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s: %s\n\n", r.Module, human(uint64(r.SizeBytes)))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	head := []string{"feature", "needed"}
	for _, t := range r.Targets {
		head = append(head, t.Browser+t.Version)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	rows := []string{}
	for _, f := range wazeroFeatures {
		rows = append(rows, f.name)
	}
	for _, f := range r.Features {
		if !slices.Contains(rows, f) {
			rows = append(rows, f)
		}
	}
	for _, f := range rows {
		cells := []string{f, "-"}
		if r.needs(f) {
			cells[1] = "yes"
		}
		for _, t := range r.Targets {
			tt := Target{Browser: t.Browser, Version: t.Version}
			ok, first := supports(tt, f)
			switch {
			case ok:
				cells = append(cells, "yes")
			case first == "":
				cells = append(cells, "no")
			default:
				cells = append(cells, "from "+first)
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
	for _, u := range r.uses {
		fmt.Fprintf(&b, "  %s first used at %s\n", u.Name, u.Where)
	}
	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	m := r.Memory
	max := "none"
	if m.MaxBytes != nil {
		max = human(*m.MaxBytes)
	}
	peak := "not measured"
	if m.PeakBytes != nil {
		peak = human(*m.PeakBytes)
	}
	fmt.Fprintf(tw, "memory\tmin %s\tmax %s\tpeak %s\tbudget %s\n", human(m.MinBytes), max, peak, budget(m.BudgetBytes))
	d := r.Download
	fmt.Fprintf(tw, "download\t%s gzip\t(model %s\tweights %s\tshell %s)\tbudget %s\n", human(d.Total()), human(d.WasmGzip), human(d.Weights), human(d.Shell), budget(d.Budget))
	fmt.Fprintf(tw, "abi\t%d imports\t%d exports\n", len(r.Imports), len(r.Exports))
	tw.Flush()
	b.WriteString(r.Contract.text())
	if r.Quantization != nil {
		fmt.Fprintf(&b, "%s\n", r.Quantization.Summary())
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "%s\n", n)
	}
	if r.OK {
		b.WriteString("\nok: every check holds\n")
	} else {
		fmt.Fprintf(&b, "\n%d problem(s):\n", len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "- %s: %s\n", p.Check, p.Message)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func budget(n uint64) string {
	if n == 0 {
		return "none"
	}
	return human(n)
}
