package packager

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"time"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/validate"
)

// Build is the state the stages share.
type Build struct {
	Config *config.Config
	Out    string // the output folder, absolute
	Log    io.Writer

	// Files is the package, by OUT-relative slash path. Nothing touches the
	// disk until writeOut.
	Files map[string]*File
	// Beside holds server configurations that must not be published; they
	// are written to a folder beside Out.
	Beside map[string][]byte
	// Compressed holds the .br and .gz written beside compressible files
	// ([deploy] precompress), by OUT-relative slash path; not in Files.
	Compressed map[string][]byte
	pre        *precompressor

	Wasm    []byte            // the compiled model
	Weights WeightsIndex      // the weight shards
	names   map[string]string // web/ source path → hashed output name
	icons   []Icon
	// threads: the model needs shared memory, so the page must be isolated.
	threads bool
	// threaded: the page is isolated and the model ran with the
	// simd-threads kernels in validation; the loader gets them (kernels.go).
	threaded bool
	// maxWork is the validator's ThreadsMaxWork: the most multiply-adds of
	// one kernel call of 8 rows or more (kernels.go: ThreadsConfig.MaxWork).
	maxWork uint32
	// Report is the validator's report on the model.
	Report *validate.Report
	// validation is the validator at work beside the stages (validate.go).
	validation *validation
	// peak is the model's measured peak memory, baked into the loader.
	peak uint64
	// baked is what the loader was bundled with (bakePeak).
	baked baked
	// memo: SHA-256 sums and gzip sizes, each computed once (memo.go).
	memo memo
	// CacheDir is wazero's compilation cache ("" is the user's cache folder).
	CacheDir string

	// Lib: the package is a library (pwagen package --lib, lib.go), and
	// LibURL the folder URL its snippet loads it from ("": jsDelivr's).
	Lib    bool
	LibURL string

	// hook stops writeOut at a named step, for tests (swap.go).
	hook stepHook

	// StageDone, if set, hears how long each stage took, once it ended,
	// and how long the validator ran beside them (ValidatorStage), for
	// pwagen's benchmarks.
	StageDone func(stage string, d time.Duration)

	// version names the package: the loader reports it and the service
	// worker's cache is named after it (loaderVersion).
	version string
	// kernels names the kernel modules, nil when the model imports none.
	kernels *KernelsConfig

	// goBuild runs `go` with args in dir and env; tests may replace it.
	goBuild func(ctx context.Context, dir string, env []string, args ...string) ([]byte, error)
}

// File is one file of the package. Data holds it, or Src points at a
// section of a file on disk (weight shards, which may be large).
type File struct {
	Name   string
	Data   []byte
	Src    *Section
	Hashed bool // the name carries a content hash: cache forever
	// Host marks a file that a host reads (such as _headers), which
	// visitors never download.
	Host bool
	// Package marks a file of a library that pages never download
	// (package.json, index.d.ts, README.md, pwagen-sw.js).
	Package bool
}

// Section is a byte range of a file on disk.
type Section struct {
	Path      string
	Off, Size int64
}

// Size is the file's length in bytes.
func (f *File) Size() int64 {
	if f.Src != nil {
		return f.Src.Size
	}
	return int64(len(f.Data))
}

// NewBuild prepares a build of the project c into out.
func NewBuild(c *config.Config, out string) *Build {
	return &Build{Config: c, Out: out, Log: io.Discard, Files: map[string]*File{}, Beside: map[string][]byte{}, Compressed: map[string][]byte{}, names: map[string]string{}, goBuild: runGo}
}

func runGo(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	stopGroup(cmd)
	// Return soon after a kill even if a grandchild still holds the output.
	cmd.WaitDelay = time.Second
	return cmd.CombinedOutput()
}

func (b *Build) add(f *File) { b.Files[f.Name] = f }

// sortedNames lists the package's files in a fixed order.
func (b *Build) sortedNames() []string {
	names := make([]string, 0, len(b.Files))
	for n := range b.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// stopBeside stops what runs beside the stages, and waits for it.
func (b *Build) stopBeside() {
	b.stopValidation()
	if b.pre != nil {
		b.pre.close()
	}
}

// StageError is a stage that failed: its name, then why.
type StageError struct {
	Stage string
	Err   error
}

func (e *StageError) Error() string { return e.Stage + ": " + e.Err.Error() }
func (e *StageError) Unwrap() error { return e.Err }

// stage is one build step.
type stage interface {
	fmt.Stringer
	Run(ctx context.Context, b *Build) error
}

type stageFunc struct {
	name string
	run  func(context.Context, *Build) error
}

func (s stageFunc) String() string                          { return s.name }
func (s stageFunc) Run(ctx context.Context, b *Build) error { return s.run(ctx, b) }

// pipeline is every stage of `pwagen package`, in order.
var pipeline = []stage{
	stageFunc{"check output", checkOut},              // refuse an OUT that holds sources or user files
	stageFunc{"compile model", compileModel},         // GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared
	stageFunc{"start precompress", startPrecompress}, // brotli of the .wasm, beside the next stages
	stageFunc{"shard weights", shardWeights},         // SHA-256 per shard, streamed
	stageFunc{"start validation", startValidation},   // validate.Module, beside the next stages
	stageFunc{"bundle app", bundleApp},               // esbuild: app JS and CSS, hashed
	stageFunc{"copy web files", copyWeb},             // other files of web/
	stageFunc{"icons", makeIcons},                    // 192, 512 and maskable PNGs
	stageFunc{"page", rewritePage},                   // index.html: hashed names, manifest link, minified
	stageFunc{"web manifest", writeManifest},         // manifest.webmanifest
	stageFunc{"model files", addModelFiles},          // the .wasm and the kernel modules, hashed
	stageFunc{"validate model", validateModel},       // the validator's report: features, ABI, memory
	stageFunc{"loader", bundleLoader},                // pwagen.js with the runtime config and measured memory baked in
	stageFunc{"service worker", serviceWorker},       // sw.js over the final names
	stageFunc{"memory figure", bakePeak},             // the final shell against the download budget
	stageFunc{"host configs", hostConfigs},           // _headers, nginx.conf, ...
	stageFunc{"precompress", precompressFiles},       // .br and .gz beside compressible files
}

// Run runs every stage, then writes the package atomically.
func Run(ctx context.Context, b *Build) error { return run(ctx, b, pipeline) }

// run runs stages in order, each failure a *StageError, then writes the
// package atomically.
func run(ctx context.Context, b *Build, stages []stage) error {
	// A failed stage must not leave the .wasm's brotli or the validator
	// running.
	defer b.stopBeside()
	for _, s := range stages {
		start := time.Now()
		err := s.Run(ctx, b)
		if b.StageDone != nil {
			b.StageDone(s.String(), time.Since(start))
		}
		if err != nil {
			return &StageError{Stage: s.String(), Err: err}
		}
	}
	// A signal during the last stage: stop before OUT is touched.
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return writeOut(b)
}
