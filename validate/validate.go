package validate

import (
	"context"
	"fmt"
	"time"

	"github.com/pwagen/pwagen/internal/fsx"
	"github.com/pwagen/pwagen/kernels/modules"
	"github.com/tetratelabs/wazero/api"
)

// Options are the limits and targets a module is checked against; they come
// from pwagen.toml.
type Options struct {
	Targets        []string      // esbuild-style: "chrome100", "edge100", "firefox115", "safari16.4"
	MemoryBudget   uint64        // bytes of linear memory at peak; 0 = none
	DownloadBudget uint64        // gzip bytes of a first visit; 0 = none
	Weights        string        // weights file loaded into the model for the measured run; "" = none
	ShellBytes     int64         // gzip bytes of the app shell, added to the download
	Isolation      string        // "none" | "headers" | "service-worker"; "" = "none"
	Hosts          []string      // chosen hosts, for the threads and isolation advice
	TimeLimit      time.Duration // one measured run of the model; 0 = DefaultTimeLimit
	CacheDir       string        // wazero compilation cache; "" = os.UserCacheDir()/pwagen/wazero; "off" = none
	// WeightsKey identifies the weights' content (the packager passes the
	// SHA-256 of its shard list). With it, a measured run that found no
	// problem is cached under the module, the weights, the budget and the
	// targets, and not repeated for an unchanged model.
	WeightsKey string
	// Reference is a quantized import's reference (quant/reference.bin):
	// with it, the model runs on its calibration inputs and is checked
	// against the float model's answers (quant.go); "" = none.
	Reference string
	// MinAgreement is the top-1 agreement a quantized classifier must keep
	// ([budget] quantized_agreement); 0 = DefaultMinAgreement.
	MinAgreement float64
}

// Module checks the WebAssembly module wasm, read from path, against o. It
// returns an error only when wasm is not a WebAssembly module or the options
// are unusable (exit 2); a failed check is a Report.Problem (exit 1).
func Module(ctx context.Context, path string, wasm []byte, o Options) (*Report, error) {
	m, err := decode(wasm)
	if fe, ok := err.(*FormatError); ok && fe.Offset >= 8 {
		err = &InvalidError{Err: err} // the header says WebAssembly: damaged
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	targets := make([]Target, 0, len(o.Targets))
	for _, s := range o.Targets {
		t, err := ParseTarget(s)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t)
	}
	var weights *weightsFile
	if o.Weights != "" {
		f, fi, err := fsx.Open(o.Weights, fsx.WeightsLimit, "weights")
		if err != nil {
			return nil, fmt.Errorf("weights: %w", err)
		}
		f.Close()
		weights = &weightsFile{path: o.Weights, size: fi.Size()}
	}
	r := newReport(path, wasm, m, o)
	v := &check{r: r, m: m, o: o, wasm: wasm, weights: weights, targets: targets}
	for _, step := range []func(context.Context) error{
		v.declaredMemory, // memory section: min and max against 4 GiB and the budget
		v.features,       // narrowed wazero compiles: which post-MVP features
		v.browsers,       // features against the target browsers
		v.isolation,      // threads need cross-origin isolation
		v.imports,        // every import is one the loader provides
		v.exports,        // the ABI's exports exist with their signatures
		v.run,            // measure and kernelVariants, or their cached outcome
		v.quantization,   // a quantized model against the float model's answers
		v.download,       // gzip sizes against the download budget
	} {
		if err := step(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	r.OK = len(r.Problems) == 0
	return r, nil
}

// InvalidError is a file that is a WebAssembly module by its header, but
// not a valid one: cut short, damaged on disk or on the way, or made by a
// broken tool, so that wazero cannot compile it. pwagen validate and
// package treat it as a failed check (exit status 1), where a file that is
// no WebAssembly module at all is bad input (exit status 2).
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

// check is the state the steps of Module share.
type check struct {
	r        *Report
	m        *modInfo
	o        Options
	wasm     []byte
	weights  *weightsFile
	targets  []Target
	compiled bool // wazero compiled the module with r's features
	flags    api.CoreFeatures
	noRun    string           // why the measured run is skipped
	kernels  []modules.Import // functions imported from module "kernels" (kernels.go)
	wasmGzip uint64           // gzip size of wasm, when known from the cache
	// controlUsed: the simd run wrote to the threads' control block (threads.go).
	controlUsed bool
}

func (v *check) problem(check, format string, args ...any) {
	v.r.Problems = append(v.r.Problems, Problem{Check: check, Message: fmt.Sprintf(format, args...)})
}
