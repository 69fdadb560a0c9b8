package kernels

// Dot returns the sum of x[i]*y[i]. x and y must have the same length.
func Dot(x, y []float32) float32 {
	sameLen("Dot", "len(x), len(y)", len(x), len(y))
	if len(x) == 0 {
		return 0
	}
	return dot(x, y)
}

// Axpy adds alpha*x[i] to y[i]. x and y must have the same length; y may be
// x itself but must not partly overlap it.
func Axpy(alpha float32, x, y []float32) {
	sameLen("Axpy", "len(x), len(y)", len(x), len(y))
	noPartial("Axpy", "y", "x", y, x)
	if len(x) == 0 {
		return
	}
	axpy(alpha, x, y)
}

// Gemv sets y = a·x + b: a is len(y) rows of len(x) values, row by row, and
// b is the bias (len(y) values) or nil. y must not overlap a, x or b.
func Gemv(y, a, x, b []float32) {
	m, n := len(y), len(x)
	if len(a) != m*n {
		shapeErr("Gemv", "len(a) = %d, want len(y)*len(x) = %d*%d = %d", len(a), m, n, m*n)
	}
	if b != nil && len(b) != m {
		shapeErr("Gemv", "len(b) = %d, want len(y) = %d (or b = nil)", len(b), m)
	}
	fits32("Gemv", len(a))
	noOverlap("Gemv", "y", "a", y, a)
	noOverlap("Gemv", "y", "x", y, x)
	noOverlap("Gemv", "y", "b", y, b)
	if m == 0 {
		return
	}
	gemv(y, a, x, b, m, n)
}

// Gemm sets c = a·b + bias: a is m×k, b is k×n and c is m×n, each row by
// row; bias (m values, one per row of c) may be nil. It is Gemv for n
// columns at once, such as a convolution's output pixels. c must not
// overlap a, b or bias.
func Gemm(c, a, b, bias []float32, m, k, n int) {
	if m < 0 || k < 0 || n < 0 {
		shapeErr("Gemm", "negative size m=%d k=%d n=%d", m, k, n)
	}
	for _, s := range []struct {
		name string
		got  int
		r, c int
	}{{"c", len(c), m, n}, {"a", len(a), m, k}, {"b", len(b), k, n}} {
		if s.got != s.r*s.c {
			shapeErr("Gemm", "len(%s) = %d, want %d*%d = %d", s.name, s.got, s.r, s.c, s.r*s.c)
		}
		fits32("Gemm", s.r*s.c)
	}
	if bias != nil && len(bias) != m {
		shapeErr("Gemm", "len(bias) = %d, want m = %d (or bias = nil)", len(bias), m)
	}
	noOverlap("Gemm", "c", "a", c, a)
	noOverlap("Gemm", "c", "b", c, b)
	noOverlap("Gemm", "c", "bias", c, bias)
	if m == 0 || n == 0 {
		return
	}
	gemm(c, a, b, bias, m, k, n)
}

// Add sets dst[i] = x[i] + y[i]. dst may be x or y, but must not partly
// overlap either.
func Add(dst, x, y []float32) {
	elementwise("Add", dst, x, y)
	if len(dst) > 0 {
		add(dst, x, y)
	}
}

// Mul sets dst[i] = x[i] * y[i]. dst may be x or y, but must not partly
// overlap either.
func Mul(dst, x, y []float32) {
	elementwise("Mul", dst, x, y)
	if len(dst) > 0 {
		mul(dst, x, y)
	}
}

func elementwise(fn string, dst, x, y []float32) {
	sameLen(fn, "len(dst), len(x)", len(dst), len(x))
	sameLen(fn, "len(dst), len(y)", len(dst), len(y))
	noPartial(fn, "dst", "x", dst, x)
	noPartial(fn, "dst", "y", dst, y)
}

// ReLU sets dst[i] = x[i], or 0 where x[i] < 0. dst may be x (in place), but
// must not partly overlap it.
func ReLU(dst, x []float32) {
	sameLen("ReLU", "len(dst), len(x)", len(dst), len(x))
	noPartial("ReLU", "dst", "x", dst, x)
	if len(dst) > 0 {
		relu(dst, x)
	}
}

// Im2col lays out the k×k patches of src (inC channels of h×w, row by
// row) as the inC·k·k rows of col, each of (h-k+1)·(w-k+1) values: row
// (ic·k+ky)·k+kx holds src[ic][oy+ky][ox+kx] for every output pixel
// (oy, ox). col must not overlap src.
func Im2col(col, src []float32, inC, h, w, k int) {
	if inC < 0 || k < 1 || h < k || w < k {
		shapeErr("Im2col", "sizes inC=%d h=%d w=%d k=%d; want inC >= 0 and 1 <= k <= h, w", inC, h, w, k)
	}
	if len(src) != inC*h*w {
		shapeErr("Im2col", "len(src) = %d, want inC*h*w = %d*%d*%d = %d", len(src), inC, h, w, inC*h*w)
	}
	oh, ow := h-k+1, w-k+1
	if n := inC * k * k * oh * ow; len(col) != n {
		shapeErr("Im2col", "len(col) = %d, want inC*k*k*(h-k+1)*(w-k+1) = %d*%d*%d*%d*%d = %d", len(col), inC, k, k, oh, ow, n)
	}
	fits32("Im2col", len(col))
	noOverlap("Im2col", "col", "src", col, src)
	if len(col) > 0 {
		im2col(col, src, inC, h, w, k)
	}
}

// Conv2D is a valid (unpadded) stride-1 convolution: dst (outC channels
// of (h-k+1)×(w-k+1)) = wt (outC × inC·k·k) applied to src (inC×h×w), plus
// b (outC values, or nil). col is scratch space of inC·k·k·(h-k+1)·(w-k+1)
// values. It is Im2col then Gemm: two kernel calls. dst must not overlap
// the other slices.
func Conv2D(dst, col, src, wt, b []float32, inC, h, w, outC, k int) {
	if outC < 0 {
		shapeErr("Conv2D", "outC = %d, want >= 0", outC)
	}
	if len(wt) != outC*inC*k*k {
		shapeErr("Conv2D", "len(wt) = %d, want outC*inC*k*k = %d*%d*%d*%d = %d", len(wt), outC, inC, k, k, outC*inC*k*k)
	}
	noOverlap("Conv2D", "dst", "col", dst, col)
	noOverlap("Conv2D", "dst", "src", dst, src)
	Im2col(col, src, inC, h, w, k)
	Gemm(dst, wt, col, b, outC, inC*k*k, (h-k+1)*(w-k+1))
}

// Softmax turns the logits in x into probabilities, in place:
// exp(x[i]-max) / sum, with the exponentials and the sum in float64.
func Softmax(x []float32) {
	fits32("Softmax", len(x))
	if len(x) > 0 {
		softmax(x)
	}
}
