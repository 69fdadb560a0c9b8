package packager

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pwagen/pwagen/config"
	"github.com/pwagen/pwagen/internal/golden"
)

// counting makes n bytes 0, 1, 2, ... 255, 0, 1, ...
func counting(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestIndexWeightsBoundaries(t *testing.T) {
	for _, tt := range []struct {
		name        string
		size, shard int64
		sizes       []int64
	}{
		{"empty", 0, 10, nil},
		{"one byte", 1, 10, []int64{1}},
		{"under one shard", 9, 10, []int64{9}},
		{"exactly one shard", 10, 10, []int64{10}},
		{"one byte over", 11, 10, []int64{10, 1}},
		{"exact multiple", 30, 10, []int64{10, 10, 10}},
		{"short last shard", 25, 10, []int64{10, 10, 5}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := counting(int(tt.size))
			idx, err := IndexWeights(context.Background(), bytes.NewReader(data), tt.size, tt.shard)
			if err != nil {
				t.Fatal(err)
			}
			if idx.Total != tt.size || idx.Shards == nil || len(idx.Shards) != len(tt.sizes) {
				t.Fatalf("index %+v; want total %d in %d shards (a non-nil list)", idx, tt.size, len(tt.sizes))
			}
			var off int64
			for i, s := range idx.Shards {
				sum := sha256.Sum256(data[off : off+s.Size])
				hexsum := hex.EncodeToString(sum[:])
				if s.Offset != off || s.Size != tt.sizes[i] || s.SHA256 != hexsum || s.URL != "weights/"+hexsum[:16]+".bin" {
					t.Errorf("shard %d = %+v; want offset %d, size %d, sha256 %s, url weights/%s.bin", i, s, off, tt.sizes[i], hexsum, hexsum[:16])
				}
				off += s.Size
			}
		})
	}
}

// The index is what pwagen.js carries; its JSON is fixed by the bytes.
func TestIndexWeightsJSON(t *testing.T) {
	idx, err := IndexWeights(context.Background(), bytes.NewReader(counting(2500)), 2500, 1000)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, append(js, '\n'))
	empty, _ := json.Marshal(WeightsIndex{Total: 0, Shards: []Shard{}})
	idx, _ = IndexWeights(context.Background(), bytes.NewReader(nil), 0, 1000)
	if got, _ := json.Marshal(idx); !bytes.Equal(got, empty) {
		t.Errorf("empty weights: %s, want %s (the loader reads shards.length)", got, empty)
	}
}

func TestIndexWeightsNamesByContent(t *testing.T) {
	a, b := bytes.Repeat([]byte{7}, 8), bytes.Repeat([]byte{9}, 8)
	data := bytes.Join([][]byte{a, b, a}, nil)
	idx, err := IndexWeights(context.Background(), bytes.NewReader(data), int64(len(data)), 8)
	if err != nil {
		t.Fatal(err)
	}
	s := idx.Shards
	if s[0].URL != s[2].URL || s[0].URL == s[1].URL {
		t.Fatalf("names %s %s %s: equal shards must share a name, different ones must not", s[0].URL, s[1].URL, s[2].URL)
	}
	if s[0].Offset != 0 || s[2].Offset != 16 {
		t.Fatalf("offsets %d and %d; each place keeps its own offset", s[0].Offset, s[2].Offset)
	}
}

func TestIndexWeightsErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := IndexWeights(ctx, bytes.NewReader(nil), 10, 0); err == nil || !strings.Contains(err.Error(), "shard size 0") {
		t.Errorf("shard size 0: %v", err)
	}
	_, err := IndexWeights(ctx, bytes.NewReader(counting(10)), 20, 8)
	if err == nil || !strings.Contains(err.Error(), "ended at byte 10 of 20") {
		t.Errorf("a file shorter than its size: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := IndexWeights(cancelled, bytes.NewReader(counting(10)), 10, 4); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// weightsBuild is a Build whose weights are the file w.bin in a temp folder.
func weightsBuild(t *testing.T, shard, budget uint64) (*Build, string) {
	t.Helper()
	dir := t.TempDir()
	c := &config.Config{
		Dir: dir, File: filepath.Join(dir, "pwagen.toml"),
		Model:     config.Model{Weights: "w.bin", ShardSize: "x"},
		Budget:    config.Budget{Memory: "64MiB"},
		ShardSize: shard, MemoryBudget: budget,
	}
	return NewBuild(c, filepath.Join(dir, "dist")), filepath.Join(dir, "w.bin")
}

// sparse makes a file of size bytes that takes no disk space.
func sparse(t *testing.T, p string, size int64) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
}

// Packaging streams: indexing 512 MiB in 64 MiB shards allocates a small
// fraction of one shard, and the shards stay on disk as sections.
func TestShardWeightsStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 512 MiB")
	}
	const size, shard = 512 << 20, 64 << 20
	b, p := weightsBuild(t, shard, 0)
	sparse(t, p, size)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := shardWeights(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("indexing %d MiB allocated %d bytes; it must stream, not read shards into memory", size>>20, alloc)
	}
	if len(b.Weights.Shards) != size/shard || b.Weights.Total != size {
		t.Fatalf("index %d shards, total %d", len(b.Weights.Shards), b.Weights.Total)
	}
	// Eight equal shards of zeros: one file in the package, read from disk.
	if len(b.Files) != 1 {
		t.Fatalf("%d files for 8 equal shards, want 1", len(b.Files))
	}
	for _, f := range b.Files {
		if f.Data != nil || f.Src == nil || f.Src.Path != p || f.Src.Size != shard {
			t.Errorf("shard file %+v: want a section of %s", f, p)
		}
	}
}

func TestShardWeightsLimits(t *testing.T) {
	t.Run("over 4 GiB", func(t *testing.T) {
		b, p := weightsBuild(t, 4<<20, 0)
		sparse(t, p, MaxWeights+1)
		err := shardWeights(context.Background(), b)
		var tl *WeightsTooLargeError
		if !errors.As(err, &tl) {
			t.Fatalf("error %v, want a WeightsTooLargeError", err)
		}
		for _, want := range []string{p, "4294967297 bytes (4 GiB)", "at most 4294967296 bytes (4 GiB, 65536 pages of 64 KiB), 1 bytes short", "quantize"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
	})
	t.Run("over the memory budget", func(t *testing.T) {
		b, p := weightsBuild(t, 4<<20, 64<<20)
		sparse(t, p, 64<<20+5)
		err := shardWeights(context.Background(), b)
		for _, want := range []string{`[budget] memory = "64MiB" (67108864 bytes, 1024 pages), by 5 bytes`, "raise [budget] memory"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v lacks %q", err, want)
			}
		}
	})
	t.Run("over 2 GiB fits", func(t *testing.T) {
		if testing.Short() {
			t.Skip("hashes 2 GiB")
		}
		b, p := weightsBuild(t, 256<<20, 0)
		sparse(t, p, 2<<30+3)
		if err := shardWeights(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		last := b.Weights.Shards[len(b.Weights.Shards)-1]
		if last.Offset != 2<<30 || last.Size != 3 {
			t.Fatalf("last shard %+v; want offset 2 GiB, 3 bytes (offsets past 2^31 must survive)", last)
		}
	})
	t.Run("missing", func(t *testing.T) {
		b, _ := weightsBuild(t, 4<<20, 0)
		err := shardWeights(context.Background(), b)
		if err == nil || !strings.Contains(err.Error(), "does not exist; train the model or fix the path") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a folder", func(t *testing.T) {
		b, p := weightsBuild(t, 4<<20, 0)
		os.Mkdir(p, 0o755)
		err := shardWeights(context.Background(), b)
		if err == nil || !strings.Contains(err.Error(), "w.bin: the weights file is a folder, not a regular file") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		b, p := weightsBuild(t, 4<<20, 0)
		os.WriteFile(p, nil, 0o644)
		if err := shardWeights(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		if b.Weights.Total != 0 || b.Weights.Shards == nil || len(b.Files) != 0 {
			t.Fatalf("empty weights: %+v, %d files", b.Weights, len(b.Files))
		}
	})
}
