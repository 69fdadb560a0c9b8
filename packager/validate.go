package packager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/pwagen/pwagen/validate"
)

// validateModel runs the validator's checks on the compiled model, with the
// weights, the finished app shell and the config's budgets and targets. A
// failed check stops the package before anything is written.
func validateModel(ctx context.Context, b *Build) error {
	shell := b.shellGzip()
	c := b.Config
	r, err := validate.Module(ctx, "model.wasm ("+ModelName(c)+")", b.Wasm, validate.Options{
		Targets:        c.Browser.Targets,
		MemoryBudget:   c.MemoryBudget,
		DownloadBudget: c.DownloadBudget,
		TimeLimit:      c.TimeLimit,
		Weights:        c.Rel(c.Model.Weights),
		ShellBytes:     shell,
		Isolation:      c.Deploy.Isolation,
		Hosts:          c.Deploy.Hosts,
		CacheDir:       b.CacheDir,
		WeightsKey:     b.weightsKey(),
	})
	if err != nil {
		return fmt.Errorf("validating the model: %w", err)
	}
	b.Report = r
	b.threads = slices.Contains(r.Features, "threads")
	if !r.OK {
		var msg strings.Builder
		fmt.Fprintf(&msg, "the model failed %d check(s); nothing was written:", len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(&msg, "\n  %s: %s", p.Check, p.Message)
		}
		return &CheckError{Report: r, msg: msg.String()}
	}
	return nil
}

// shellGzip is the gzip size of the app shell: every file a first visit
// downloads but the .wasm and the weights.
func (b *Build) shellGzip() int64 {
	var shell int64
	for _, n := range b.sortedNames() {
		f := b.Files[n]
		if f.Src == nil && !f.Host && !f.Package && path.Ext(n) != ".wasm" {
			shell += gzipSize(f.Data)
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
