package packager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// weightsIndexVersion changes whenever IndexWeights' output would.
const weightsIndexVersion = "weights-index-1"

// weightsCacheLimit bounds an index read back from the cache: 4 GiB of
// weights in shards of 64 KiB is 65536 shards of about 150 bytes of JSON.
const weightsCacheLimit = 16 << 20

// stampCutoff is how old a file's last change must be before its index is
// cached: a write in the same tick of the file system's clock as the one
// before it (ext4 ticks every few milliseconds, FAT every 2 seconds) leaves
// the times as they were, so an index made in that tick could be stale
// and look fresh. Go's build cache trusts file times past the same 2
// seconds (cmd/go/internal/cache/hash.go). A variable for tests.
var stampCutoff = 2 * time.Second

// indexWeights is IndexWeights; tests count its calls.
var indexWeights = IndexWeights

// cachedIndex is IndexWeights of the weights file f (fi its fstat, p its
// path), taken from pwagen's cache folder when the file is the one
// indexed before: same device and inode, size, modification time and
// status change time, to the nanosecond. Re-packaging unchanged weights
// then reads none of them (230 ms of SHA-256 for 256 MiB). The status
// change time is what makes the key trustworthy: the kernel sets it to
// the current time on every write and every change of the other times,
// so a file rewritten to the same size with its modification time set
// back (touch -d, a copy tool keeping times) still has a new one. An
// index is cached only when its file's times are older than stampCutoff
// and did not change while it was read. Where the status change time is
// not known (stamp.go), nothing is cached.
func (b *Build) cachedIndex(ctx context.Context, f *os.File, fi os.FileInfo, p string, shardSize int64) (WeightsIndex, error) {
	st, ok := stampOf(fi)
	c := newBlobCache(b.CacheDir, "pwagen-weights")
	if !ok || c.dir == "" {
		return indexWeights(ctx, f, fi.Size(), shardSize)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%+v", weightsIndexVersion, abs, shardSize, st)
	key := hex.EncodeToString(h.Sum(nil)) + ".json"
	if data, ok := c.get(key, weightsCacheLimit); ok {
		var idx WeightsIndex
		if json.Unmarshal(data, &idx) == nil && idx.valid(fi.Size(), shardSize) {
			return idx, nil
		}
	}
	start := time.Now()
	idx, err := indexWeights(ctx, f, fi.Size(), shardSize)
	if err != nil {
		return idx, err
	}
	if after, err := f.Stat(); err != nil || !sameStamp(after, st) || start.Sub(st.latest()) < stampCutoff {
		return idx, nil
	}
	if data, err := json.Marshal(idx); err == nil {
		c.put(key, data)
	}
	return idx, nil
}

// valid tells whether idx can be the index of size bytes in shards of
// shardSize: a damaged or foreign cache entry is a miss, never a wrong
// package.
func (idx WeightsIndex) valid(size, shardSize int64) bool {
	if idx.Total != size || int64(len(idx.Shards)) != (size+shardSize-1)/shardSize {
		return false
	}
	for i, s := range idx.Shards {
		if s.Offset != int64(i)*shardSize || s.Size != min(shardSize, size-s.Offset) || len(s.SHA256) != 64 || s.URL != "weights/"+s.SHA256[:16]+".bin" {
			return false
		}
		if _, err := hex.DecodeString(s.SHA256); err != nil {
			return false
		}
	}
	return true
}

func sameStamp(fi os.FileInfo, st stamp) bool {
	now, ok := stampOf(fi)
	return ok && now == st
}
