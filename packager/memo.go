package packager

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
)

// memo holds the SHA-256 and the gzip size of the bytes a build made, each
// computed once: the stages name, list, version and measure the same files
// several times (the model's .wasm, 2.6 MB in the bench's fixture, was
// hashed ten times and gzipped three times in one package). It is keyed
// by the slice (where its bytes start, and how many): a stage that changes
// a file adds a new slice (b.add), none edits bytes in place. The stages
// run one at a time: the memo has no lock.
type memo struct {
	sums map[memoKey][32]byte
	gz   map[memoKey]int64
}

type memoKey struct {
	p *byte
	n int
}

func keyOf(data []byte) memoKey {
	if len(data) == 0 {
		return memoKey{}
	}
	return memoKey{&data[0], len(data)}
}

// sha256 is the SHA-256 of data.
func (b *Build) sha256(data []byte) [32]byte {
	k := keyOf(data)
	if s, ok := b.memo.sums[k]; ok {
		return s
	}
	s := sha256.Sum256(data)
	if b.memo.sums == nil {
		b.memo.sums = map[memoKey][32]byte{}
	}
	b.memo.sums[k] = s
	return s
}

// sha256Hex is b.sha256 in hex.
func (b *Build) sha256Hex(data []byte) string {
	s := b.sha256(data)
	return hex.EncodeToString(s[:])
}

// hashed returns name with the first 8 hex digits of data's SHA-256 before
// its extension: "app.js" → "app-1a2b3c4d.js".
func (b *Build) hashed(name string, data []byte) string {
	s := b.sha256(data)
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "-" + hex.EncodeToString(s[:4]) + ext
}

// gzipSize is gzipSize(data) from the memo.
func (b *Build) gzipSize(data []byte) int64 {
	k := keyOf(data)
	if n, ok := b.memo.gz[k]; ok {
		return n
	}
	n := gzipSize(data)
	b.setGzipSize(data, n)
	return n
}

// setGzipSize records data's gzip size, known from elsewhere (the
// validator's report of the .wasm, from its cache).
func (b *Build) setGzipSize(data []byte, n int64) {
	if b.memo.gz == nil {
		b.memo.gz = map[memoKey]int64{}
	}
	b.memo.gz[keyOf(data)] = n
}
