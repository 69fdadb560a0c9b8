package packager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// Shard is one piece of the weights, named by its content.
type Shard struct {
	URL    string `json:"url"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// WeightsIndex lists the shards of the weights, which the loader fetches,
// verifies and stores one by one.
type WeightsIndex struct {
	Total  int64   `json:"total"`
	Shards []Shard `json:"shards"`
}

// shardWeights hashes the weights shard by shard, streaming: it never holds
// more than one shard in memory, so weights of any size work.
func shardWeights(ctx context.Context, b *Build) error {
	p := b.Config.Rel(b.Config.Model.Weights)
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: model.weights: %s does not exist; train the model or fix the path", b.Config.File, p)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if limit := int64(4 << 30); fi.Size() > limit {
		return fmt.Errorf("%s: %d bytes (%.2f GiB) of weights do not fit a wasm32 model's 4 GiB memory", p, fi.Size(), float64(fi.Size())/(1<<30))
	}
	size := int64(b.Config.ShardSize)
	idx := WeightsIndex{Total: fi.Size(), Shards: []Shard{}}
	for off := int64(0); off < fi.Size(); off += size {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(size, fi.Size()-off)
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(f, off, n)); err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		sum := hex.EncodeToString(h.Sum(nil))
		name := "weights/" + sum[:16] + ".bin"
		idx.Shards = append(idx.Shards, Shard{URL: name, Offset: off, Size: n, SHA256: sum})
		b.add(&File{Name: name, Src: &Section{Path: p, Off: off, Size: n}, Hashed: true})
	}
	b.Weights = idx
	return nil
}
