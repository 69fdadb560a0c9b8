package packager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/pwagen/pwagen/internal/fsx"
)

// Shard is one piece of the weights, named by its content.
type Shard struct {
	URL    string `json:"url"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// WeightsIndex lists the shards of the weights, which the loader fetches,
// verifies and stores one by one. It is baked into pwagen.js.
type WeightsIndex struct {
	Total  int64   `json:"total"`
	Shards []Shard `json:"shards"`
}

// MaxWeights is the most weights a model can hold: a wasm32 module's linear
// memory is at most 65536 pages of 64 KiB, 4 GiB, and the Go runtime needs
// part of that too.
const MaxWeights = fsx.WeightsLimit

// WeightsTooLargeError says that the weights cannot fit the model's memory.
type WeightsTooLargeError struct {
	Path        string
	Size, Limit int64
	What        string // which limit: "wasm32" or `[budget] memory = "64MiB"`
}

func (e *WeightsTooLargeError) Error() string {
	if e.What == "wasm32" {
		return fmt.Sprintf("%s: %d bytes (%s) of weights cannot fit a wasm32 model: its linear memory holds at most %d bytes (4 GiB, 65536 pages of 64 KiB), %d bytes short, and the Go runtime needs part of it; quantize or prune the weights",
			e.Path, e.Size, human(e.Size), e.Limit, e.Size-e.Limit)
	}
	return fmt.Sprintf("%s: %d bytes (%s) of weights are over the model's memory budget, %s (%d bytes, %d pages), by %d bytes; the loader copies the weights into the model's linear memory, so raise [budget] memory in pwagen.toml to at least the weights plus the model's working memory, or shrink the weights",
		e.Path, e.Size, human(e.Size), e.What, e.Limit, e.Limit>>16, e.Size-e.Limit)
}

// shardWeights hashes the weights shard by shard, or takes their index from
// the cache (weightscache.go), and adds each shard to the package under a
// content-hashed name. It streams: the shards stay on disk (File.Src) and
// are read once here and once by writeOut.
func shardWeights(ctx context.Context, b *Build) error {
	if err := b.Config.CheckWeights(); err != nil {
		return err
	}
	p := b.Config.Rel(b.Config.Model.Weights)
	f, fi, err := fsx.Open(p, MaxWeights, "weights")
	var se *fsx.SizeError
	switch {
	case errors.As(err, &se):
		return &WeightsTooLargeError{Path: p, Size: se.Size, Limit: MaxWeights, What: "wasm32"}
	case err != nil:
		return fmt.Errorf("%s: model.weights: %w", b.Config.File, err)
	}
	defer f.Close()
	if budget := int64(b.Config.MemoryBudget); budget > 0 && fi.Size() > budget {
		return &WeightsTooLargeError{Path: p, Size: fi.Size(), Limit: budget, What: fmt.Sprintf("[budget] memory = %q", b.Config.Budget.Memory)}
	}
	idx, err := b.cachedIndex(ctx, f, fi, p, int64(b.Config.ShardSize))
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	for _, s := range idx.Shards {
		b.add(&File{Name: s.URL, Src: &Section{Path: p, Off: s.Offset, Size: s.Size}, Hashed: true})
	}
	b.Weights = idx
	return nil
}

// IndexWeights cuts size bytes of r into shards of shardSize bytes (the last
// one shorter) and names each by its SHA-256: weights/<first 16 hex>.bin.
// It reads r once, 32 KiB at a time, and never holds a shard in memory.
// Equal shards get equal names, and the package holds them once.
func IndexWeights(ctx context.Context, r io.ReaderAt, size, shardSize int64) (WeightsIndex, error) {
	if shardSize <= 0 {
		return WeightsIndex{}, fmt.Errorf("shard size %d bytes: must be positive", shardSize)
	}
	idx := WeightsIndex{Total: size, Shards: []Shard{}}
	h := sha256.New()
	for off := int64(0); off < size; off += shardSize {
		if err := ctx.Err(); err != nil {
			return WeightsIndex{}, err
		}
		n := min(shardSize, size-off)
		h.Reset()
		got, err := io.Copy(h, io.NewSectionReader(r, off, n))
		if err != nil {
			return WeightsIndex{}, fmt.Errorf("reading bytes %d..%d: %w", off, off+n, err)
		}
		if got != n {
			return WeightsIndex{}, fmt.Errorf("ended at byte %d of %d while reading: did the file change during packaging?", off+got, size)
		}
		sum := hex.EncodeToString(h.Sum(nil))
		idx.Shards = append(idx.Shards, Shard{URL: "weights/" + sum[:16] + ".bin", Offset: off, Size: n, SHA256: sum})
	}
	return idx, nil
}
