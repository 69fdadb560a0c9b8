package onnx

import (
	"fmt"

	"github.com/pwagen/pwagen/internal/size"
)

// Limits bound what a read may allocate; a zero field takes its DefaultLimits value. Tensor sizes are counted decoded,
// as held in Tensor's slices (an int8 tensor takes 8 bytes an element in I64).
type Limits struct {
	MaxFileBytes   int64 // the .onnx file (or tensor .pb file) itself
	MaxTensorBytes int64 // one tensor, decoded
	MaxTotalBytes  int64 // all tensors of a model, decoded, external data included
	MaxNodes       int   // nodes, subgraphs included
	MaxRank        int   // dimensions of a tensor or declared shape
	MaxDim         int64 // one dimension
}

// DefaultLimits fit any model a browser can run: protobuf's own 2 GiB file
// limit, 2 GiB for one tensor and 4 GiB in all (more than a wasm32 memory holds).
func DefaultLimits() Limits {
	return Limits{
		MaxFileBytes:   2<<30 - 1,
		MaxTensorBytes: 2 << 30,
		MaxTotalBytes:  size.Wasm32Memory,
		MaxNodes:       1 << 20,
		MaxRank:        16,
		MaxDim:         1 << 40,
	}
}

// orDefault fills each zero field with its DefaultLimits value.
func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	if l.MaxFileBytes == 0 {
		l.MaxFileBytes = d.MaxFileBytes
	}
	if l.MaxTensorBytes == 0 {
		l.MaxTensorBytes = d.MaxTensorBytes
	}
	if l.MaxTotalBytes == 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.MaxNodes == 0 {
		l.MaxNodes = d.MaxNodes
	}
	if l.MaxRank == 0 {
		l.MaxRank = d.MaxRank
	}
	if l.MaxDim == 0 {
		l.MaxDim = d.MaxDim
	}
	return l
}

// LimitError reports a size over one of Limits' fields.
type LimitError struct {
	What  string // what was measured, as `tensor "W"`
	Field string // the Limits field, as "MaxTensorBytes"
	Size  int64
	Limit int64
	Unit  string // "bytes", "nodes", "dimensions" or ""
}

func (e *LimitError) Error() string {
	if e.Unit == "bytes" {
		return fmt.Sprintf("%s needs %d bytes (%s), over the %s limit of %d bytes (%s) by %d bytes; the model is too big to package, or raise the limit",
			e.What, e.Size, human(e.Size), e.Field, e.Limit, human(e.Limit), e.Size-e.Limit)
	}
	unit := ""
	if e.Unit != "" {
		unit = " " + e.Unit
	}
	return fmt.Sprintf("%s is %d%s, over the %s limit of %d by %d; the model is too big to package, or raise the limit",
		e.What, e.Size, unit, e.Field, e.Limit, e.Size-e.Limit)
}

func human(n int64) string { return size.Human(n) }
