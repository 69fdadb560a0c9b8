package kernels

// GemmEx is ONNX Gemm: y = Act(Alpha·A'·B' + Beta·C), with y M×N, A' =
// A (M×K, len(a) = M·K) or with TransA Aᵀ (a is K×M), B' = B (K×N) or
// with TransB Bᵀ (b is N×K), and C nil or CRows×CCols (CRows 1 or M,
// CCols 1 or N) broadcast over y. With Beta = 0, C is not read (ONNX
// gives the same except where C holds Inf or NaN). y must not overlap a,
// b or c.
//
// A·B runs as the package's Gemm and A·Bᵀ (torch's Linear) as its Gemv,
// once per row of A, each output a dot product of two contiguous rows;
// C folds into either as the bias when Alpha = Beta = 1 and it is one
// value per row (Gemm) or per column (Gemv). The transposed-A forms are
// plain loops.
func GemmEx(y, a, b, c []float32, p GemmParams) {
	const fn = "GemmEx"
	checkAct(fn, p.Act)
	atLeast(fn, "M", p.M, 0)
	atLeast(fn, "N", p.N, 0)
	atLeast(fn, "K", p.K, 0)
	m, n, k := p.M, p.N, p.K
	wantLen(fn, "y", len(y), mulSize(fn, "y", m, n), "M*N = %d*%d", m, n)
	if p.TransA {
		wantLen(fn, "a", len(a), mulSize(fn, "a", k, m), "K*M (TransA) = %d*%d", k, m)
	} else {
		wantLen(fn, "a", len(a), mulSize(fn, "a", m, k), "M*K = %d*%d", m, k)
	}
	if p.TransB {
		wantLen(fn, "b", len(b), mulSize(fn, "b", n, k), "N*K (TransB) = %d*%d", n, k)
	} else {
		wantLen(fn, "b", len(b), mulSize(fn, "b", k, n), "K*N = %d*%d", k, n)
	}
	if c != nil {
		if (p.CRows != 1 && p.CRows != m) || (p.CCols != 1 && p.CCols != n) {
			shapeErr(fn, "C is %dx%d, want CRows 1 or M = %d and CCols 1 or N = %d", p.CRows, p.CCols, m, n)
		}
		wantLen(fn, "c", len(c), p.CRows*p.CCols, "CRows*CCols = %d*%d", p.CRows, p.CCols)
	}
	noOverlap(fn, "y", "a", y, a)
	noOverlap(fn, "y", "b", y, b)
	noOverlap(fn, "y", "c", y, c)
	if m == 0 || n == 0 {
		return
	}
	if p.Beta == 0 {
		c = nil
	}
	plain := p.Alpha == 1 && p.Beta == 1
	switch {
	case k == 0:
		clear(y)
	case !p.TransA && !p.TransB:
		var bias []float32
		if plain && c != nil && p.CRows == m && p.CCols == 1 {
			bias, c = c, nil
		}
		gemm(y, a, b, bias, m, k, n)
	case !p.TransA && p.TransB:
		var bias []float32
		if plain && c != nil && p.CRows == 1 && p.CCols == n {
			bias, c = c, nil
		}
		for i := range m {
			gemv(y[i*n:(i+1)*n], b, a[i*k:(i+1)*k], bias, n, k)
		}
	default:
		gemmTransA(y, a, b, m, k, n, p.TransB)
	}
	gemmEpilogue(y, c, p)
	if p.Act.Op != ActNone {
		activateRange(y, y, p.Act)
	}
}

// gemmTransA sets y = Aᵀ·B' for a stored K×M.
func gemmTransA(y, a, b []float32, m, k, n int, transB bool) {
	for i := range m {
		row := y[i*n : (i+1)*n]
		clear(row)
		for p := range k {
			av := a[p*m+i]
			if !transB {
				br := b[p*n : (p+1)*n]
				for j, v := range br {
					row[j] += float32(av * v)
				}
				continue
			}
			for j := range row {
				row[j] += float32(av * b[j*k+p])
			}
		}
	}
}

// gemmEpilogue scales y by Alpha and adds Beta·C (c nil: nothing left).
func gemmEpilogue(y, c []float32, p GemmParams) {
	n := p.N
	if p.Alpha != 1 {
		for i, v := range y {
			y[i] = p.Alpha * v
		}
	}
	if c == nil {
		return
	}
	for i := range p.M {
		row := y[i*n : (i+1)*n]
		cr := c[0:]
		if p.CRows > 1 {
			cr = c[i*p.CCols:]
		}
		for j := range row {
			cv := cr[0]
			if p.CCols > 1 {
				cv = cr[j]
			}
			row[j] += float32(p.Beta * cv)
		}
	}
}

// MatMul is numpy matmul: for each index of the batch dimensions Batch,
// dst[batch] (M×N) = a[batch] (M×K) · b[batch] (K×N), where a's batch
// index is taken modulo ABatch (1 where a is broadcast) and b's modulo
// BBatch. Batch, ABatch and BBatch have the same length (empty for plain
// 2-D), and ABatch[i], BBatch[i] are each Batch[i] or 1. Lengths: dst
// ∏Batch·M·N, a ∏ABatch·M·K, b ∏BBatch·K·N. dst must not overlap a or b.
// The importer turns 1-D operands into M = 1 or N = 1. Each product runs
// as the package's Gemm; when b is shared by the whole batch and a is not
// broadcast, the batch runs as one Gemm of ∏Batch·M rows, and when each
// operand is either whole or shared by the whole batch, as one call of the
// batched primitive (prims_tx.go).
func MatMul(dst, a, b []float32, p MatMulParams) {
	const fn = "MatMul"
	atLeast(fn, "M", p.M, 0)
	atLeast(fn, "K", p.K, 0)
	atLeast(fn, "N", p.N, 0)
	sameRank(fn, "Batch", p.Batch, []string{"ABatch", "BBatch"}, p.ABatch, p.BBatch)
	for i, d := range p.Batch {
		if (p.ABatch[i] != d && p.ABatch[i] != 1) || (p.BBatch[i] != d && p.BBatch[i] != 1) {
			shapeErr(fn, "ABatch[%d] = %d, BBatch[%d] = %d, want Batch[%d] = %d or 1 each", i, p.ABatch[i], i, p.BBatch[i], i, d)
		}
	}
	nb, na, nbb := size(fn, "Batch", p.Batch), size(fn, "ABatch", p.ABatch), size(fn, "BBatch", p.BBatch)
	mn, mk, kn := mulSize(fn, "M*N", p.M, p.N), mulSize(fn, "M*K", p.M, p.K), mulSize(fn, "K*N", p.K, p.N)
	wantLen(fn, "dst", len(dst), mulSize(fn, "dst", nb, mn), "Batch*M*N = %s*%d*%d", p.Batch, p.M, p.N)
	wantLen(fn, "a", len(a), mulSize(fn, "a", na, mk), "ABatch*M*K = %s*%d*%d", p.ABatch, p.M, p.K)
	wantLen(fn, "b", len(b), mulSize(fn, "b", nbb, kn), "BBatch*K*N = %s*%d*%d", p.BBatch, p.K, p.N)
	noOverlap(fn, "dst", "a", dst, a)
	noOverlap(fn, "dst", "b", dst, b)
	if len(dst) == 0 {
		return
	}
	if p.K == 0 {
		clear(dst)
		return
	}
	if nbb == 1 && na == nb {
		gemm(dst, a, b, nil, nb*p.M, p.K, p.N)
		return
	}
	if (na == nb || na == 1) && (nbb == nb || nbb == 1) {
		// Each operand whole or shared (attention's Q·Kᵀ and P·V): the
		// batch in one call of the transformer primitive bmm.
		bmmChecked(fn, dst, a, b, nb, p.M, p.K, p.N, boolInt(na == nb)*mk, boolInt(nbb == nb)*kn)
		return
	}
	r := len(p.Batch)
	as, bs := make([]int, r), make([]int, r)
	sa, sb := mk, kn
	for i := r - 1; i >= 0; i-- {
		if p.ABatch[i] != 1 {
			as[i] = sa
			sa *= p.ABatch[i]
		}
		if p.BBatch[i] != 1 {
			bs[i] = sb
			sb *= p.BBatch[i]
		}
	}
	idx := make([]int, r)
	ai, bi := 0, 0
	for o := 0; o < len(dst); o += mn {
		gemm(dst[o:o+mn], a[ai:ai+mk], b[bi:bi+kn], nil, p.M, p.K, p.N)
		for ax := r - 1; ax >= 0; ax-- {
			idx[ax]++
			ai += as[ax]
			bi += bs[ax]
			if idx[ax] < p.Batch[ax] {
				break
			}
			ai -= as[ax] * p.Batch[ax]
			bi -= bs[ax] * p.Batch[ax]
			idx[ax] = 0
		}
	}
}
