//go:build linux || darwin || freebsd || netbsd || openbsd

package packager

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestCachedIndex: the weights' shard index comes from the cache only for
// the very file indexed before; a file rewritten to the same size with its
// modification time forged back, a file replaced by another, a file
// changed just now and a damaged entry are all indexed again, from their
// bytes.
func TestCachedIndex(t *testing.T) {
	const shard = 64 << 10
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	a, bb := counting(3*shard+5), counting(3*shard+5)
	bb[shard+7]++ // same size, one byte differs, in the second shard

	for _, tt := range []struct {
		name   string
		cutoff time.Duration
		change func(t *testing.T, p, cache string, first stamp) // between the two packages
		data   []byte                                           // the file's bytes for the second package
		hashed bool                                             // the second package reads the weights
	}{
		{"unchanged", -time.Hour, func(*testing.T, string, string, stamp) {}, a, false},
		{"rewritten, same size, mtime forged back", -time.Hour, func(t *testing.T, p, _ string, first stamp) {
			if err := os.WriteFile(p, bb, 0o644); err != nil {
				t.Fatal(err)
			}
			forgeTimes(t, p, old, first)
		}, bb, true},
		{"replaced by a renamed copy, times forged", -time.Hour, func(t *testing.T, p, _ string, first stamp) {
			tmp := p + ".new"
			if err := os.WriteFile(tmp, bb, 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(tmp, old, old)
			if err := os.Rename(tmp, p); err != nil {
				t.Fatal(err)
			}
			forgeTimes(t, p, old, first)
		}, bb, true},
		{"changed within the cutoff: never cached", time.Hour, func(*testing.T, string, string, stamp) {}, a, true},
		{"damaged entry", -time.Hour, func(t *testing.T, _, cache string, _ stamp) {
			entries, _ := filepath.Glob(filepath.Join(cache, "pwagen-weights", "*.json"))
			if len(entries) != 1 {
				t.Fatalf("cache entries %v, want 1", entries)
			}
			// A whole entry (its checksum holds) with an index of other
			// weights: not valid for this file, so a miss.
			c := blobCache{dir: filepath.Dir(entries[0])}
			c.put(filepath.Base(entries[0]), []byte(`{"total":5,"shards":[{"url":"weights/0000000000000000.bin","offset":0,"size":5,"sha256":"00"}]}`))
		}, a, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func(c time.Duration) { stampCutoff = c }(stampCutoff)
			stampCutoff = tt.cutoff
			calls := 0
			defer func(f func(context.Context, io.ReaderAt, int64, int64) (WeightsIndex, error)) { indexWeights = f }(indexWeights)
			indexWeights = func(ctx context.Context, r io.ReaderAt, size, shardSize int64) (WeightsIndex, error) {
				calls++
				return IndexWeights(ctx, r, size, shardSize)
			}
			dir := t.TempDir()
			p, cache := filepath.Join(dir, "model.bin"), filepath.Join(dir, "cache")
			if err := os.WriteFile(p, a, 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(p, old, old)
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			first, _ := stampOf(fi)
			index := func() WeightsIndex {
				t.Helper()
				f, err := os.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				fi, _ := f.Stat()
				b := &Build{CacheDir: cache}
				idx, err := b.cachedIndex(context.Background(), f, fi, p, shard)
				if err != nil {
					t.Fatal(err)
				}
				return idx
			}
			index()
			if calls != 1 {
				t.Fatalf("first package: %d reads of the weights, want 1", calls)
			}
			tt.change(t, p, cache, first)
			got := index()
			if hashed := calls == 2; hashed != tt.hashed {
				t.Errorf("second package read the weights: %v, want %v", hashed, tt.hashed)
			}
			want, err := IndexWeights(context.Background(), readerOf(tt.data), int64(len(tt.data)), shard)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("second package's index:\n%+v\nwant the index of the file's bytes:\n%+v", got, want)
			}
		})
	}
}

// forgeTimes sets p's access and modification times to at, until its
// status change time is another than first's: the kernel sets it from a
// coarse clock, which ticks every few milliseconds, so a test faster than
// a tick would see the racy case that stampCutoff keeps out of the cache.
func forgeTimes(t *testing.T, p string, at time.Time, first stamp) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if now, _ := stampOf(fi); now.Ctime != first.Ctime {
			return
		}
	}
	t.Fatal("the status change time did not move in 5 s")
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func readerOf(b []byte) io.ReaderAt { return bytesReaderAt(b) }
