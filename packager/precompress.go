package packager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"

	"github.com/pwagen/pwagen/hosts"
	"github.com/pwagen/pwagen/internal/precompress"
)

// precompressCacheVersion changes whenever the bytes of precompress.Brotli
// or precompress.Gzip would (level, window, library version).
const precompressCacheVersion = "pre-2"

// precompressor makes the .br and .gz of the package's compressible files
// on up to GOMAXPROCS goroutines, each file once, taking them from pwagen's
// cache (blobcache.go) by the SHA-256 of the file when it can: brotli
// costs a few hundred milliseconds a MiB of .wasm (quality 9 above 1 MiB,
// internal/precompress), so re-packaging an unchanged model must not pay
// it again. The .wasm starts right after
// the compile (startPrecompress), so that its brotli runs beside the other
// stages, the validator's run among them.
type precompressor struct {
	ctx   context.Context // ends when Run returns: no compression outlives it
	stop  context.CancelFunc
	cache blobCache
	sem   chan struct{}
	mu    sync.Mutex
	jobs  map[[32]byte]*preJob
	wg    sync.WaitGroup
}

// close stops the compressions under way and waits for them: none outlives
// Run, nor writes to the cache after it.
func (p *precompressor) close() {
	p.stop()
	p.wg.Wait()
}

// preJob is one file's compression; br and gz are set when done closes,
// nil when the encoding is not smaller than the file.
type preJob struct {
	done   chan struct{}
	br, gz []byte
}

func (b *Build) precompressor() *precompressor {
	if b.pre == nil {
		ctx, stop := context.WithCancel(context.Background())
		b.pre = &precompressor{ctx: ctx, stop: stop, cache: newBlobCache(b.CacheDir, "pwagen-precompressed"), sem: make(chan struct{}, runtime.GOMAXPROCS(0)), jobs: map[[32]byte]*preJob{}}
	}
	return b.pre
}

// start compresses data, whose SHA-256 is sum, in the background, once
// per content.
func (p *precompressor) start(sum [32]byte, data []byte) *preJob {
	p.mu.Lock()
	defer p.mu.Unlock()
	if j, ok := p.jobs[sum]; ok {
		return j
	}
	j := &preJob{done: make(chan struct{})}
	p.jobs[sum] = j
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(j.done)
		p.sem <- struct{}{}
		defer func() { <-p.sem }()
		j.br = p.encode(sum, "br", data, precompress.BrotliContext)
		j.gz = p.encode(sum, "gz", data, func(_ context.Context, b []byte) ([]byte, error) { return precompress.Gzip(b), nil })
	}()
	return j
}

// encode returns data encoded, from the cache or made and cached, or nil
// when the encoding does not make it smaller (an entry of no bytes).
func (p *precompressor) encode(sum [32]byte, enc string, data []byte, f func(context.Context, []byte) ([]byte, error)) []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%x", precompressCacheVersion, enc, sum)
	key := hex.EncodeToString(h.Sum(nil)) + "." + enc
	if out, ok := p.cache.get(key, int64(len(data))); ok {
		if len(out) == 0 {
			return nil
		}
		return out
	}
	if p.ctx.Err() != nil {
		return nil
	}
	out, err := f(p.ctx, data)
	if err != nil || p.ctx.Err() != nil { // stopped: nothing to cache
		return nil
	}
	if len(out) >= len(data) {
		out = nil
	}
	p.cache.put(key, out)
	return out
}

// startPrecompress starts the .wasm's compression as soon as it is built.
func startPrecompress(ctx context.Context, b *Build) error {
	if b.Config.Deploy.Precompress && b.Wasm != nil {
		b.precompressor().start(b.sha256(b.Wasm), b.Wasm)
	}
	return nil
}

// precompressFiles writes name.br and name.gz beside each compressible
// file of the package (hosts.Compressible: text, JS, CSS, HTML, JSON,
// .wasm; not images, and not weight shards: 32-bit floats gain a few per
// cent for minutes of brotli), when they come out smaller. They go into
// b.Compressed, not b.Files: no service worker list, integrity list or
// host rule names them.
func precompressFiles(ctx context.Context, b *Build) error {
	if !b.Config.Deploy.Precompress {
		return nil
	}
	p := b.precompressor()
	jobs := map[string]*preJob{}
	for _, n := range b.sortedNames() {
		if f := b.Files[n]; f.Src == nil && !f.Host && hosts.Compressible(n) {
			jobs[n] = p.start(b.sha256(f.Data), f.Data)
		}
	}
	for n, j := range jobs {
		select {
		case <-j.done:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if p.ctx.Err() != nil {
			return p.ctx.Err()
		}
		if j.br != nil {
			b.Compressed[n+precompress.BrSuffix] = j.br
		}
		if j.gz != nil {
			b.Compressed[n+precompress.GzSuffix] = j.gz
		}
	}
	return nil
}

func sortedKeys(m map[string][]byte) []string { return slices.Sorted(maps.Keys(m)) }
