package kernels

// The transformer primitives: layer norm, row softmax, GELU (exact and
// tanh forms) and batched matrix products, each one kernel call per
// operator. LayerNorm, SoftmaxAxis (along the last axis), Activate
// (ActGelu, ActGeluTanh) and MatMul call them in every build: natively the
// pure-Go twins (prims_tx_purego.go), in wasip1 builds the WebAssembly
// kernels, and every result is the same bit for bit in all three. To make
// that possible the twins are written the way the SIMD kernels work:
//
//   - sums run in four float32 lanes (lane i%4 over the first n&^3 values),
//     added as (l0+l2)+(l1+l3), then the last n%4 values one by one;
//   - exp, erf and the logistic function are the same float32 formulas in
//     Go and WebAssembly, operation for operation, with each product
//     rounded to float32 (no fused multiply-add), so no library function
//     that may differ between platforms is ever called.
//
// exp32 is exp(d) = 2^k · P(r), k = round(d·log2 e), r = d − k·ln 2 (ln 2
// in two parts), P the Taylor polynomial of degree 7 (relative error below
// 2e-7 for |r| ≤ ln2/2), with d raised to −87 so 2^k stays a normal
// float32, and +Inf above 88. erf32 is the rational approximation x·P(x²)/Q(x²) on [−4, 4]
// that Eigen and XLA use for float32 (a few ulps).

// exp constants (float32, as hex so Go and the .wat files hold the same
// bits).
const (
	txLog2E = 0x1.715476p+00
	txLn2Hi = 0x1.63p-01      // 0.693359375: k·txLn2Hi is exact for |k| < 2^15
	txLn2Lo = -0x1.bd0106p-13 // ln 2 − txLn2Hi
	txC3    = 0x1.555556p-03  // 1/3!
	txC4    = 0x1.555556p-05
	txC5    = 0x1.111112p-07
	txC6    = 0x1.6c16c2p-10
	txC7    = 0x1.a01a02p-13 // 1/7!
	txExpLo = -87
	txExpHi = 88
)

// erf and GELU constants.
const (
	txRSqrt2 = 0x1.6a09e6p-01  // 1/√2
	txM2C    = -0x1.988454p+00 // −2·√(2/π)
	txKappa  = 0x1.6e4e26p-05  // 0.044715
	txA1     = -0x1.07b7a8p-06
	txA3     = -0x1.8343ecp-09
	txA5     = -0x1.8158c6p-11
	txA7     = -0x1.dd85a4p-15
	txA9     = -0x1.19fea2p-19
	txA11    = 0x1.dbffdcp-26
	txA13    = -0x1.2bbe16p-32
	txB0     = -0x1.d36d4ep-07
	txB2     = -0x1.e337fp-08
	txB4     = -0x1.b9249cp-10
	txB6     = -0x1.bf7a52p-13
	txB8     = -0x1.e8c19ap-17
)

// GeluKernel sets dst[i] = GELU(x[i]): with tanh false the exact form
// x/2·(1 + erf(x/√2)) (erf32), with tanh true the tanh form
// x/2·(1 + tanh(√(2/π)(x + 0.044715x³))), computed as the equal
// x / (1 + exp32(−2√(2/π)(x + 0.044715x³))). Both are within a few float32
// ulps of the exact value for finite x. dst may be x (in place), but must
// not partly overlap it.
func GeluKernel(dst, x []float32, tanh bool) {
	const fn = "GeluKernel"
	sameLen(fn, "len(dst), len(x)", len(dst), len(x))
	noPartial(fn, "dst", "x", dst, x)
	fits32(fn, len(dst))
	if len(dst) > 0 {
		gelu(dst, x, tanh)
	}
}

// softmaxRowsChecked is SoftmaxAxis's last-axis case: rows rows of n
// values, each exp32(x−max)/Σ. The caller checked the lengths.
func softmaxRowsChecked(fn string, dst, x []float32, rows, n int) {
	fits32(fn, rows)
	fits32(fn, n)
	softmaxRows(dst, x, rows, n)
}

// bmmChecked is MatMul's batched case: batch products of m×k by k×n into
// dst, a advancing by sa values per product and b by sb (0: shared). The
// caller checked the lengths.
func bmmChecked(fn string, dst, a, b []float32, batch, m, k, n, sa, sb int) {
	fits32(fn, len(dst))
	fits32(fn, len(a))
	fits32(fn, len(b))
	bmm(dst, a, b, batch, m, k, n, sa, sb)
}
