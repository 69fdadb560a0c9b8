// Package testset reads and writes the committed MNIST test digits.
package testset

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
)

// The test-set file (testdata/mnist-test.bin.gz) is gzip of:
//
//	offset  size     field
//	0       8        magic "PWMNIST1"
//	8       4        uint32 little-endian N, the number of images
//	12      N        labels, one byte each (0 to 9)
//	12+N    N×784    pixels, one byte each (0 paper to 255 ink), image by image, row by row
const Magic = "PWMNIST1"

// Set is a labelled set of 28×28 greyscale images.
type Set struct {
	Labels []uint8
	Pixels []uint8 // len(Labels)×digitnet.InputLen
}

// Len is the number of images.
func (s *Set) Len() int { return len(s.Labels) }

// Image writes image i as floats 0..1 (pixel/255) into dst and returns it.
func (s *Set) Image(dst []float32, i int) []float32 {
	dst = dst[:0]
	for _, p := range s.Pixels[i*digitnet.InputLen : (i+1)*digitnet.InputLen] {
		dst = append(dst, float32(p)/255)
	}
	return dst
}

// Encode writes s in the test-set file format.
func Encode(w io.Writer, s *Set) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	hdr := binary.LittleEndian.AppendUint32([]byte(Magic), uint32(len(s.Labels)))
	for _, b := range [][]byte{hdr, s.Labels, s.Pixels} {
		if _, err := zw.Write(b); err != nil {
			return err
		}
	}
	return zw.Close()
}

// Decode reads the test-set file format.
func Decode(data []byte) (*Set, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("test set: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("test set: %w", err)
	}
	if len(raw) < 12 || string(raw[:8]) != Magic {
		return nil, fmt.Errorf("test set: missing %q header", Magic)
	}
	n := int(binary.LittleEndian.Uint32(raw[8:]))
	if want := 12 + n*(1+digitnet.InputLen); len(raw) != want {
		return nil, fmt.Errorf("test set: %d bytes after gunzip; %d images need %d", len(raw), n, want)
	}
	s := &Set{Labels: raw[12 : 12+n], Pixels: raw[12+n:]}
	for i, l := range s.Labels {
		if l >= digitnet.Classes {
			return nil, fmt.Errorf("test set: image %d has label %d, want 0 to 9", i, l)
		}
	}
	return s, nil
}
