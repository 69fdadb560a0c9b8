package packager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/internal/quantref"
	"github.com/pwagen/pwagen/validate"
)

// validation is the validator's run on the model, beside the stages that
// need neither its report nor the shell's final size (startValidation):
// on a new model or new weights it compiles and runs the model under
// wazero, a few hundred milliseconds and more with large weights, while
// the other stages bundle, resize and write configs on the other core.
type validation struct {
	done   chan struct{} // closed when r, err and took are set
	cancel context.CancelFunc
	r      *validate.Report
	err    error
	took   time.Duration
}

// ValidatorStage is the name under which Build.StageDone hears how long
// the validator ran, beside the stages, once "validate model" has its
// report.
const ValidatorStage = "validator (concurrent)"

// startValidation starts the validator's checks on the compiled model, with
// the weights, the config's budgets and targets. The app shell's size is
// not known yet: its download check is made by bakePeak, with the final
// shell (validate.Report.SetShell).
func startValidation(ctx context.Context, b *Build) error {
	if b.validation != nil {
		return nil
	}
	c := b.Config
	name, wasm := "model.wasm ("+ModelName(c)+")", b.Wasm
	o := validate.Options{
		Targets:        c.Browser.Targets,
		MemoryBudget:   c.MemoryBudget,
		DownloadBudget: c.DownloadBudget,
		TimeLimit:      c.TimeLimit,
		Weights:        c.Rel(c.Model.Weights),
		Isolation:      c.Deploy.Isolation,
		Hosts:          c.Deploy.Hosts,
		CacheDir:       b.CacheDir,
		WeightsKey:     b.weightsKey(),
		Reference:      QuantReference(c),
		MinAgreement:   c.Budget.QuantizedAgreement,
	}
	ctx, cancel := context.WithCancel(ctx)
	v := &validation{done: make(chan struct{}), cancel: cancel}
	b.validation = v
	go func() {
		defer close(v.done)
		start := time.Now()
		v.r, v.err = validate.Module(ctx, name, wasm, o)
		v.took = time.Since(start)
	}()
	return nil
}

// stopValidation stops the validator, if it still runs, and waits for it:
// none outlives Run.
func (b *Build) stopValidation() {
	if v := b.validation; v != nil {
		v.cancel()
		<-v.done
	}
}

// validateModel waits for the validator's report (startValidation), and
// takes from it what the loader needs: the measured peak memory and
// whether the model runs threaded. The report is final only after bakePeak,
// which counts the final app shell against the download budget and stops
// the package when a check failed, before anything is written.
func validateModel(ctx context.Context, b *Build) error {
	if err := startValidation(ctx, b); err != nil {
		return err
	}
	v := b.validation
	select {
	case <-v.done:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	if b.StageDone != nil {
		b.StageDone(ValidatorStage, v.took)
	}
	if v.err != nil {
		return fmt.Errorf("validating the model: %w", v.err)
	}
	r := v.r
	b.Report = r
	b.threads = slices.Contains(r.Features, "threads")
	if r.Memory.PeakBytes != nil {
		b.peak = *r.Memory.PeakBytes
	}
	b.threaded, b.maxWork = r.Threads, r.ThreadsMaxWork
	if r.Download.WasmGzip > 0 { // the validator's figure, often from its cache
		b.setGzipSize(b.Wasm, int64(r.Download.WasmGzip))
	}
	return nil
}

// QuantReference is the project's quantization reference (written by a
// quantized import), or "" when it has none.
func QuantReference(c *config.Config) string {
	if c.File == "" {
		return ""
	}
	p := c.Rel(filepath.FromSlash(quantref.Path))
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// checkFailed is the error of a report with problems.
func checkFailed(r *validate.Report) error {
	var msg strings.Builder
	fmt.Fprintf(&msg, "the model failed %d check(s); nothing was written:", len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintf(&msg, "\n  %s: %s", p.Check, p.Message)
	}
	return &CheckError{Report: r, msg: msg.String()}
}

// modelName is the package's name of the model's .wasm.
func (b *Build) modelName() string { return b.hashed("model.wasm", b.Wasm) }

// shellGzip is the gzip size of the app shell: every file of the package
// that a visitor may download, but the model's .wasm and the weights
// (which validate counts apart) and the files only hosts read. It is the
// same sum as WriteReport's "first visit".
func (b *Build) shellGzip() int64 {
	var shell int64
	model := b.modelName()
	for _, n := range b.sortedNames() {
		f := b.Files[n]
		if f.Src == nil && !f.Host && !f.Package && n != model {
			shell += b.gzipSize(f.Data)
		}
	}
	return shell
}

// CheckError is a model that failed validation; Report has the details.
type CheckError struct {
	Report *validate.Report
	msg    string
}

func (e *CheckError) Error() string { return e.msg }

// weightsKey identifies the weights by their shards' SHA-256.
func (b *Build) weightsKey() string {
	h := sha256.New()
	for _, s := range b.Weights.Shards {
		fmt.Fprintf(h, "%d:%d:%s\n", s.Offset, s.Size, s.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}
