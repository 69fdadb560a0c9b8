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

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/internal/quantref"
	"github.com/pwagen/pwagen/validate"
)

// validateModel runs the validator's checks on the compiled model, with the
// weights, the app shell and the config's budgets and targets. Its report
// is final only after bakePeak, which puts the measured memory into the
// loader and so changes the shell's size: bakePeak stops the package when
// a check failed, before anything is written.
func validateModel(ctx context.Context, b *Build) error {
	c := b.Config
	r, err := validate.Module(ctx, "model.wasm ("+ModelName(c)+")", b.Wasm, validate.Options{
		Targets:        c.Browser.Targets,
		MemoryBudget:   c.MemoryBudget,
		DownloadBudget: c.DownloadBudget,
		TimeLimit:      c.TimeLimit,
		Weights:        c.Rel(c.Model.Weights),
		ShellBytes:     b.shellGzip(),
		Isolation:      c.Deploy.Isolation,
		Hosts:          c.Deploy.Hosts,
		CacheDir:       b.CacheDir,
		WeightsKey:     b.weightsKey(),
		Reference:      QuantReference(c),
		MinAgreement:   c.Budget.QuantizedAgreement,
	})
	if err != nil {
		return fmt.Errorf("validating the model: %w", err)
	}
	b.Report = r
	if r.Download.WasmGzip > 0 { // the validator's figure, often from its cache
		b.setGzipSize(b.Wasm, int64(r.Download.WasmGzip))
	}
	b.threads = slices.Contains(r.Features, "threads")
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
