package kernels

import (
	"strconv"
	"unsafe"
)

// ShapeError is the panic value of a call whose slice lengths do not fit
// together, or whose output overlaps an input it must not. It is raised in
// Go before any kernel runs, so nothing has been written.
type ShapeError struct {
	Func string // "Gemv"
	What string // "len(a) = 12, want m*n = 3*5 = 15"
}

func (e *ShapeError) Error() string {
	return "kernels." + e.Func + ": " + e.What
}

func shapeErr(fn, format string, args ...any) {
	panic(&ShapeError{Func: fn, What: sprintf(format, args...)})
}

// sprintf formats %d (int) and %s (string) like fmt.Sprintf, and a []int
// as a shape, 2x3x4 ("scalar" when empty). The package
// leaves out fmt: it would pull os and syscall, and their WASI imports,
// into every model.
func sprintf(format string, args ...any) string {
	b := make([]byte, 0, len(format)+16)
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b = append(b, format[i])
			continue
		}
		i++
		if format[i] == '%' {
			b = append(b, '%')
			continue
		}
		if len(args) == 0 {
			b = append(b, "%!"+string(format[i])+"(MISSING)"...)
			continue
		}
		switch a := args[0].(type) {
		case int:
			b = strconv.AppendInt(b, int64(a), 10)
		case string:
			b = append(b, a...)
		case []int:
			b = append(b, dims(a)...)
		default:
			b = append(b, "%!"+string(format[i])+"(?)"...)
		}
		args = args[1:]
	}
	return string(b)
}

// span is the byte range a slice covers.
func span(s []float32) (lo, hi uintptr) {
	if len(s) == 0 {
		return 0, 0
	}
	lo = uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return lo, lo + uintptr(len(s))*4
}

// overlap tells whether a and b share memory.
func overlap(a, b []float32) bool {
	alo, ahi := span(a)
	blo, bhi := span(b)
	return alo < bhi && blo < ahi
}

// partialOverlap tells whether a and b share memory without being the same
// slice (same start and length), which element-wise kernels handle.
func partialOverlap(a, b []float32) bool {
	if !overlap(a, b) {
		return false
	}
	alo, _ := span(a)
	blo, _ := span(b)
	return alo != blo || len(a) != len(b)
}

func sameLen(fn string, names string, a, b int) {
	if a != b {
		shapeErr(fn, "lengths differ: %s = %d, %d", names, a, b)
	}
}

func noOverlap(fn, out, in string, a, b []float32) {
	if overlap(a, b) {
		shapeErr(fn, "%s overlaps %s; use separate buffers", out, in)
	}
}

func noPartial(fn, out, in string, a, b []float32) {
	if partialOverlap(a, b) {
		shapeErr(fn, "%s partly overlaps %s; pass the same slice or separate buffers", out, in)
	}
}

// fits32 panics when n does not fit the kernels' int32 lengths.
func fits32(fn string, n int) {
	if n < 0 || n > 1<<31-1 {
		shapeErr(fn, "size %d is outside 0..2^31-1", n)
	}
}
