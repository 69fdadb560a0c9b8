package kernels

// Parameter checks shared by the operators (ops_*.go). Each panics with a
// *ShapeError before anything is written.

// maxSize is the largest tensor the operators take: every length and every
// product of dimensions must fit the kernels' int32, natively as in wasm,
// so a call behaves the same on both.
const maxSize = 1<<31 - 1

// size returns the product of dims, checking that each is >= 0 and the
// product fits maxSize.
func size(fn, what string, dims []int) int {
	n := 1
	for i, d := range dims {
		if d < 0 {
			shapeErr(fn, "%s[%d] = %d, want >= 0", what, i, d)
		}
		n = mulSize(fn, what, n, d)
	}
	return n
}

// mulSize returns a*b for a, b >= 0, or panics when it exceeds maxSize.
func mulSize(fn, what string, a, b int) int {
	if a != 0 && b > maxSize/a {
		shapeErr(fn, "%s: size %d*%d is over 2^31-1", what, a, b)
	}
	return a * b
}

// atLeast panics unless v >= lo.
func atLeast(fn, what string, v, lo int) {
	if v < lo {
		shapeErr(fn, "%s = %d, want >= %d", what, v, lo)
	}
}

// wantLen panics unless got (len(name)) is want, naming the rule that
// gives want: rule is a format for args, run only on failure so that the
// happy path allocates nothing.
func wantLen(fn, name string, got, want int, rule string, args ...any) {
	if got != want {
		// Three sprintf calls rather than one appended []any: sprintf keeps
		// no reference, so args stay on the caller's stack.
		what := sprintf("len(%s) = %d, want ", name, got) + sprintf(rule, args...) + sprintf(" = %d", want)
		panic(&ShapeError{Func: fn, What: what})
	}
}

// dims formats a shape as "2x3x4" ("scalar" for none).
func dims(s []int) string {
	if len(s) == 0 {
		return "scalar"
	}
	b := make([]byte, 0, 4*len(s))
	for i, d := range s {
		if i > 0 {
			b = append(b, 'x')
		}
		b = append(b, sprintf("%d", d)...)
	}
	return string(b)
}

// sameRank panics unless every named shape has len(ref) entries.
func sameRank(fn string, refName string, ref []int, names []string, shapes ...[]int) {
	for i, s := range shapes {
		if len(s) != len(ref) {
			shapeErr(fn, "len(%s) = %d, want len(%s) = %d", names[i], len(s), refName, len(ref))
		}
	}
}

// list formats values as "[1 0 2]".
func list(s []int) string {
	b := []byte{'['}
	for i, d := range s {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, sprintf("%d", d)...)
	}
	return string(append(b, ']'))
}
