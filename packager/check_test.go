package packager

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/config"
)

// TestValidateStagesExist: Validate names stages of the pipeline; a
// renamed stage must not silently make it run everything or nothing.
func TestValidateStagesExist(t *testing.T) {
	names := map[string]bool{}
	for _, s := range pipeline {
		names[s.String()] = true
	}
	for n := range notForValidate {
		if !names[n] {
			t.Errorf("notForValidate names %q, which is no stage", n)
		}
	}
	if !names[lastForValidate] {
		t.Errorf("lastForValidate is %q, which is no stage", lastForValidate)
	}
}

// TestFirstVisitAgrees: `pwagen validate` of a project, the report of
// `pwagen package` and the package's download budget error give the same
// first-visit figure (they were 589 KiB, 621.8 KiB and 619.2 KiB).
// In -short tests the model is the prebuilt module (prebuiltGo).
func TestFirstVisitAgrees(t *testing.T) {
	c := newProject(t, nil)
	ctx := context.Background()
	cache := filepath.Join(t.TempDir(), "wazero")
	newBuild := func(c *config.Config, out string, wasm []byte) *Build {
		b := NewBuild(c, out)
		b.CacheDir, b.Wasm = cache, wasm
		if testing.Short() {
			b.goBuild = prebuiltGo(t)
		}
		return b
	}

	v := newBuild(c, "", nil)
	r, err := Validate(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("validate: %v", r.Problems)
	}
	validated := r.Download.Total()

	p := newBuild(c, filepath.Join(c.Dir, "dist"), v.Wasm)
	if err := Run(ctx, p); err != nil {
		t.Fatal(err)
	}
	var report bytes.Buffer
	p.WriteReport(&report)
	m := regexp.MustCompile(`first visit +\S+ \S+ +(\S+ \S+)`).FindStringSubmatch(report.String())
	if m == nil {
		t.Fatalf("no first visit in the report:\n%s", &report)
	}
	if want := human(int64(validated)); m[1] != want {
		t.Errorf("package reports a first visit of %s gzip, validate %s (%d bytes)", m[1], want, validated)
	}
	if got := p.Report.Download.Total(); got != validated {
		t.Errorf("package checked a first visit of %d bytes, validate %d", got, validated)
	}

	// Over budget: the error and validate's report give the same figure.
	c.DownloadBudget = validated - 1
	err = Run(ctx, newBuild(c, filepath.Join(c.Dir, "dist2"), v.Wasm))
	var ce *CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("package over budget: %v, want a CheckError", err)
	}
	if got := ce.Report.Download.Total(); got != validated {
		t.Errorf("the budget error counts %d bytes, validate %d", got, validated)
	}
	if want := "downloads " + human(int64(validated)) + " gzip"; !strings.Contains(err.Error(), want) {
		t.Errorf("the budget error does not say %q:\n%v", want, err)
	}
	r, err = Validate(ctx, newBuild(c, "", v.Wasm))
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || r.Download.Total() != validated {
		t.Errorf("validate over budget: ok %v, %d bytes, want a failed check at %d bytes", r.OK, r.Download.Total(), validated)
	}
}
