;; pwagen's SIMD kernels: 128-bit WebAssembly SIMD (Chrome 91, Firefox 89,
;; Safari 16.4). Same imports, exports and table slots as scalar.wat; no
;; data section and no stack of their own; no checks (package kernels checks
;; every length in Go first). Pointers are byte addresses, unaligned is
;; fine; sizes count float32 values. dot and gemv sum in 4 lanes, so their
;; rounding differs from sequential Go by a few ulps; gemm, axpy and the
;; element-wise kernels keep Go's order and match it bit for bit.
(module
  (import "kernels" "table" (table 26 funcref))
  (import "model" "memory" (memory 0))
  (elem (i32.const 0) func $dot $axpy $gemv $gemm $add $mul $relu $softmax $im2col
    $im2col_conv $dwconv $pool $act $q8gemv $q8gemm $f16gemv $f16gemm
    $layernorm $softmax_rows $gelu $bmm $q8act $q8dotgemv $q8dotgemm $q8dwact $q8dwconv)
  (export "dot" (func $dot))
  (export "axpy" (func $axpy))
  (export "gemv" (func $gemv))
  (export "gemm" (func $gemm))
  (export "add" (func $add))
  (export "mul" (func $mul))
  (export "relu" (func $relu))
  (export "softmax" (func $softmax))
  (export "im2col" (func $im2col))
  (export "im2col_conv" (func $im2col_conv))
  (export "dwconv" (func $dwconv))
  (export "pool" (func $pool))
  (export "act" (func $act))
  (export "q8gemv" (func $q8gemv))
  (export "q8gemm" (func $q8gemm))
  (export "f16gemv" (func $f16gemv))
  (export "f16gemm" (func $f16gemm))
  (export "layernorm" (func $layernorm))
  (export "softmax_rows" (func $softmax_rows))
  (export "gelu" (func $gelu))
  (export "bmm" (func $bmm))
  (export "q8act" (func $q8act))
  (export "q8dotgemv" (func $q8dotgemv))
  (export "q8dotgemm" (func $q8dotgemm))
  (export "q8dwact" (func $q8dwact))
  (export "q8dwconv" (func $q8dwconv))

  ;; hsum adds the four lanes of v: (v0+v2) + (v1+v3).
  (func $hsum (param $v v128) (result f32)
    (local.set $v (f32x4.add (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v))))

  ;; dot returns sum x[i]*y[i], i < n: 8 values per step in two
  ;; accumulators, then 4, then one at a time.
  (func $dot (param $x i32) (param $y i32) (param $n i32) (result f32)
    (local $a0 v128) (local $a1 v128) (local $end i32) (local $s f32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done8
      (loop $l8
        (br_if $done8 (i32.gt_u (i32.add (local.get $x) (i32.const 32)) (local.get $end)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $x)) (v128.load (local.get $y)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $x)) (v128.load offset=16 (local.get $y)))))
        (local.set $x (i32.add (local.get $x) (i32.const 32)))
        (local.set $y (i32.add (local.get $y) (i32.const 32)))
        (br $l8)))
    (if (i32.le_u (i32.add (local.get $x) (i32.const 16)) (local.get $end)) (then
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $x)) (v128.load (local.get $y)))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))))
    (local.set $s (call $hsum (f32x4.add (local.get $a0) (local.get $a1))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $x)) (f32.load (local.get $y)))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $l)))
    (local.get $s))

  ;; axpy: y[i] += alpha*x[i], i < n. y may be x.
  (func $axpy (param $alpha f32) (param $x i32) (param $y i32) (param $n i32)
    (local $end i32) (local $av v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $av (f32x4.splat (local.get $alpha)))
    (block $done4
      (loop $l4
        (br_if $done4 (i32.gt_u (i32.add (local.get $x) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $y) (f32x4.add (v128.load (local.get $y)) (f32x4.mul (local.get $av) (v128.load (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $l4)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (f32.store (local.get $y) (f32.add (f32.load (local.get $y)) (f32.mul (local.get $alpha) (f32.load (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $l))))

  ;; gemv: y[i] = b[i] + dot(a[i*n:], x, n), i < m; b = 0 means no bias.
  ;; Four rows at a time share each load of x (4 rows × 8 columns per
  ;; step); the rows left over go through dot.
  (func $gemv (param $y i32) (param $a i32) (param $x i32) (param $b i32) (param $m i32) (param $n i32)
    (local $row i32) (local $j i32) (local $jend i32) (local $j8 i32) (local $i i32)
    (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $xv v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $s0 f32) (local $s1 f32) (local $s2 f32) (local $s3 f32) (local $xs f32) (local $bv v128)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $jend (local.get $row))
    (local.set $j8 (i32.and (local.get $row) (i32.const -32)))
    (block $rows4done
      (loop $rows4
        (br_if $rows4done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        (local.set $r1 (i32.add (local.get $a) (local.get $row)))
        (local.set $r2 (i32.add (local.get $r1) (local.get $row)))
        (local.set $r3 (i32.add (local.get $r2) (local.get $row)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $c0 (v128.const i32x4 0 0 0 0))
        (local.set $c1 (v128.const i32x4 0 0 0 0))
        (local.set $c2 (v128.const i32x4 0 0 0 0))
        (local.set $c3 (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $cols8done
          (loop $cols8
            (br_if $cols8done (i32.ge_u (local.get $j) (local.get $j8)))
            (local.set $xv (v128.load (i32.add (local.get $x) (local.get $j))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $j))) (local.get $xv))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load (i32.add (local.get $r1) (local.get $j))) (local.get $xv))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load (i32.add (local.get $r2) (local.get $j))) (local.get $xv))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load (i32.add (local.get $r3) (local.get $j))) (local.get $xv))))
            (local.set $xv (v128.load offset=16 (i32.add (local.get $x) (local.get $j))))
            (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (v128.load offset=16 (i32.add (local.get $a) (local.get $j))) (local.get $xv))))
            (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $r1) (local.get $j))) (local.get $xv))))
            (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (v128.load offset=16 (i32.add (local.get $r2) (local.get $j))) (local.get $xv))))
            (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (v128.load offset=16 (i32.add (local.get $r3) (local.get $j))) (local.get $xv))))
            (local.set $j (i32.add (local.get $j) (i32.const 32)))
            (br $cols8)))
        (if (i32.le_u (i32.add (local.get $j) (i32.const 16)) (local.get $jend)) (then
          (local.set $xv (v128.load (i32.add (local.get $x) (local.get $j))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $j))) (local.get $xv))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load (i32.add (local.get $r1) (local.get $j))) (local.get $xv))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load (i32.add (local.get $r2) (local.get $j))) (local.get $xv))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load (i32.add (local.get $r3) (local.get $j))) (local.get $xv))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))))
        (local.set $s0 (call $hsum (f32x4.add (local.get $a0) (local.get $c0))))
        (local.set $s1 (call $hsum (f32x4.add (local.get $a1) (local.get $c1))))
        (local.set $s2 (call $hsum (f32x4.add (local.get $a2) (local.get $c2))))
        (local.set $s3 (call $hsum (f32x4.add (local.get $a3) (local.get $c3))))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $j) (local.get $jend)))
            (local.set $xs (f32.load (i32.add (local.get $x) (local.get $j))))
            (local.set $s0 (f32.add (local.get $s0) (f32.mul (f32.load (i32.add (local.get $a) (local.get $j))) (local.get $xs))))
            (local.set $s1 (f32.add (local.get $s1) (f32.mul (f32.load (i32.add (local.get $r1) (local.get $j))) (local.get $xs))))
            (local.set $s2 (f32.add (local.get $s2) (f32.mul (f32.load (i32.add (local.get $r2) (local.get $j))) (local.get $xs))))
            (local.set $s3 (f32.add (local.get $s3) (f32.mul (f32.load (i32.add (local.get $r3) (local.get $j))) (local.get $xs))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (local.set $bv (v128.const i32x4 0 0 0 0))
        (if (local.get $b) (then
          (local.set $bv (v128.load (local.get $b)))
          (local.set $b (i32.add (local.get $b) (i32.const 16)))))
        (v128.store (local.get $y) (f32x4.add (local.get $bv)
          (f32x4.replace_lane 3 (f32x4.replace_lane 2 (f32x4.replace_lane 1 (f32x4.splat (local.get $s0))
            (local.get $s1)) (local.get $s2)) (local.get $s3))))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $a (i32.add (local.get $r3) (local.get $row)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows4)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $s0 (f32.const 0))
        (if (local.get $b) (then
          (local.set $s0 (f32.load (local.get $b)))
          (local.set $b (i32.add (local.get $b) (i32.const 4)))))
        (f32.store (local.get $y) (f32.add (local.get $s0) (call $dot (local.get $a) (local.get $x) (local.get $n))))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $a (i32.add (local.get $a) (local.get $row)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; gemm: c (m×n) = a (m×k) · b (k×n) + bias (one per row, 0 = none).
  ;; Two rows at a time share each load of b: 2 rows × 16 columns stay in
  ;; eight registers while p runs over k. The columns a multiple of 16 go
  ;; in panels of b about 16 KiB wide (k × at least 16 columns) that every
  ;; pair of rows runs through before the next panel, so that b is read
  ;; from memory once, not once per pair of rows; the columns left over
  ;; go 8, then 4 at a time for both rows ($gemmPairTail), the last 1 to
  ;; 3 and a last odd row through $gemmRow. Each value starts at its bias
  ;; and adds a[i,p]*b[p,j] in the order p = 0, 1, ..., as Go does.
  (func $gemm (param $c i32) (param $a i32) (param $b i32) (param $bias i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $row i32) (local $arow i32) (local $j i32) (local $v0 f32) (local $v1 f32)
    (local $j16 i32) (local $j0 i32) (local $jend i32) (local $panel i32) (local $cp i32) (local $ap i32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $arow (i32.shl (local.get $k) (i32.const 2)))
    (local.set $j16 (i32.and (local.get $row) (i32.const -64)))
    ;; panel width in bytes of a row: 4096/k columns rounded down to 16,
    ;; at least 16 (k >= 1 here whenever m >= 2 and columns are left)
    (local.set $panel (i32.and (i32.div_u (i32.const 16384) (i32.add (local.get $k) (i32.const 1))) (i32.const -64)))
    (if (i32.lt_u (local.get $panel) (i32.const 64)) (then (local.set $panel (i32.const 64))))
    (if (i32.ge_u (local.get $m) (i32.const 2)) (then
      (block $pdone
        (loop $panels
          (br_if $pdone (i32.ge_u (local.get $j0) (local.get $j16)))
          (local.set $jend (i32.add (local.get $j0) (local.get $panel)))
          (if (i32.gt_u (local.get $jend) (local.get $j16)) (then (local.set $jend (local.get $j16))))
          (local.set $i (i32.const 0))
          (local.set $cp (local.get $c))
          (local.set $ap (local.get $a))
          (block $done
            (loop $pairs
              (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $m)))
              (local.set $v0 (f32.const 0))
              (local.set $v1 (f32.const 0))
              (if (local.get $bias) (then
                (local.set $v0 (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))
                (local.set $v1 (f32.load offset=4 (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))))
              (call $gemmPair (local.get $cp) (local.get $ap) (local.get $b) (local.get $v0) (local.get $v1) (local.get $k) (local.get $n) (local.get $j0) (local.get $jend))
              (local.set $cp (i32.add (local.get $cp) (i32.shl (local.get $row) (i32.const 1))))
              (local.set $ap (i32.add (local.get $ap) (i32.shl (local.get $arow) (i32.const 1))))
              (local.set $i (i32.add (local.get $i) (i32.const 2)))
              (br $pairs)))
          (local.set $j0 (local.get $jend))
          (br $panels)))))
    (local.set $i (i32.const 0))
    (block $done
      (loop $pairs
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $m)))
        (local.set $v0 (f32.const 0))
        (local.set $v1 (f32.const 0))
        (if (local.get $bias) (then
          (local.set $v0 (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))
          (local.set $v1 (f32.load offset=4 (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $j (call $gemmPairTail (local.get $c) (local.get $a) (local.get $b) (local.get $v0) (local.get $v1) (local.get $k) (local.get $n) (local.get $j16)))
        (call $gemmRow (local.get $c) (local.get $a) (local.get $b) (local.get $v0) (local.get $k) (local.get $n) (local.get $j))
        (call $gemmRow (i32.add (local.get $c) (local.get $row)) (i32.add (local.get $a) (local.get $arow)) (local.get $b) (local.get $v1) (local.get $k) (local.get $n) (local.get $j))
        (local.set $c (i32.add (local.get $c) (i32.shl (local.get $row) (i32.const 1))))
        (local.set $a (i32.add (local.get $a) (i32.shl (local.get $arow) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_u (local.get $i) (local.get $m)) (then
      (local.set $v0 (f32.const 0))
      (if (local.get $bias) (then
        (local.set $v0 (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))))
      (call $gemmRow (local.get $c) (local.get $a) (local.get $b) (local.get $v0) (local.get $k) (local.get $n) (i32.const 0)))))

  ;; gemmPair computes the columns [j, jend) (byte offsets, a multiple of
  ;; 16 columns apart) of rows c and c+n of gemm, 16 at a time.
  (func $gemmPair (param $c i32) (param $a i32) (param $b i32) (param $v0 f32) (param $v1 f32) (param $k i32) (param $n i32) (param $j i32) (param $jend i32)
    (local $row i32) (local $bp i32) (local $ap i32) (local $aend i32) (local $a2 i32) (local $c2 i32)
    (local $x0 v128) (local $x1 v128) (local $b0 v128)
    (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (local $q0 v128) (local $q1 v128) (local $q2 v128) (local $q3 v128)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $a2 (i32.shl (local.get $k) (i32.const 2)))
    (local.set $aend (i32.add (local.get $a) (local.get $a2)))
    (local.set $c2 (i32.add (local.get $c) (local.get $row)))
    (block $d16
      (loop $l16
        (br_if $d16 (i32.ge_u (local.get $j) (local.get $jend)))
        (local.set $p0 (f32x4.splat (local.get $v0))) (local.set $p1 (local.get $p0))
        (local.set $p2 (local.get $p0)) (local.set $p3 (local.get $p0))
        (local.set $q0 (f32x4.splat (local.get $v1))) (local.set $q1 (local.get $q0))
        (local.set $q2 (local.get $q0)) (local.set $q3 (local.get $q0))
        (local.set $ap (local.get $a))
        (local.set $bp (i32.add (local.get $b) (local.get $j)))
        (block $pd
          (loop $pl
            (br_if $pd (i32.ge_u (local.get $ap) (local.get $aend)))
            ;; each column vector of b is loaded, used by both rows and
            ;; dropped: 8 sums, 2 splats and 1 column live at a time
            (local.set $x0 (v128.load32_splat (local.get $ap)))
            (local.set $x1 (v128.load32_splat (i32.add (local.get $ap) (local.get $a2))))
            (local.set $b0 (v128.load (local.get $bp)))
            (local.set $p0 (f32x4.add (local.get $p0) (f32x4.mul (local.get $x0) (local.get $b0))))
            (local.set $q0 (f32x4.add (local.get $q0) (f32x4.mul (local.get $x1) (local.get $b0))))
            (local.set $b0 (v128.load offset=16 (local.get $bp)))
            (local.set $p1 (f32x4.add (local.get $p1) (f32x4.mul (local.get $x0) (local.get $b0))))
            (local.set $q1 (f32x4.add (local.get $q1) (f32x4.mul (local.get $x1) (local.get $b0))))
            (local.set $b0 (v128.load offset=32 (local.get $bp)))
            (local.set $p2 (f32x4.add (local.get $p2) (f32x4.mul (local.get $x0) (local.get $b0))))
            (local.set $q2 (f32x4.add (local.get $q2) (f32x4.mul (local.get $x1) (local.get $b0))))
            (local.set $b0 (v128.load offset=48 (local.get $bp)))
            (local.set $p3 (f32x4.add (local.get $p3) (f32x4.mul (local.get $x0) (local.get $b0))))
            (local.set $q3 (f32x4.add (local.get $q3) (f32x4.mul (local.get $x1) (local.get $b0))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (br $pl)))
        (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $p0))
        (v128.store offset=16 (i32.add (local.get $c) (local.get $j)) (local.get $p1))
        (v128.store offset=32 (i32.add (local.get $c) (local.get $j)) (local.get $p2))
        (v128.store offset=48 (i32.add (local.get $c) (local.get $j)) (local.get $p3))
        (v128.store (i32.add (local.get $c2) (local.get $j)) (local.get $q0))
        (v128.store offset=16 (i32.add (local.get $c2) (local.get $j)) (local.get $q1))
        (v128.store offset=32 (i32.add (local.get $c2) (local.get $j)) (local.get $q2))
        (v128.store offset=48 (i32.add (local.get $c2) (local.get $j)) (local.get $q3))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $l16))))

  ;; gemmPairTail computes columns [j, ...) of rows c and c+n of gemm 8,
  ;; then 4 at a time (four, then two independent sums per step, where
  ;; $gemmRow has one), and returns the byte offset of the columns left.
  (func $gemmPairTail (param $c i32) (param $a i32) (param $b i32) (param $v0 f32) (param $v1 f32) (param $k i32) (param $n i32) (param $j i32) (result i32)
    (local $row i32) (local $bp i32) (local $ap i32) (local $aend i32) (local $a2 i32) (local $c2 i32)
    (local $x0 v128) (local $x1 v128) (local $b0 v128) (local $b1 v128)
    (local $p0 v128) (local $p1 v128) (local $q0 v128) (local $q1 v128)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $a2 (i32.shl (local.get $k) (i32.const 2)))
    (local.set $aend (i32.add (local.get $a) (local.get $a2)))
    (local.set $c2 (i32.add (local.get $c) (local.get $row)))
    (if (i32.le_u (i32.add (local.get $j) (i32.const 32)) (local.get $row)) (then
      (local.set $p0 (f32x4.splat (local.get $v0))) (local.set $p1 (local.get $p0))
      (local.set $q0 (f32x4.splat (local.get $v1))) (local.set $q1 (local.get $q0))
      (local.set $ap (local.get $a))
      (local.set $bp (i32.add (local.get $b) (local.get $j)))
      (block $pd
        (loop $pl
          (br_if $pd (i32.ge_u (local.get $ap) (local.get $aend)))
          (local.set $x0 (v128.load32_splat (local.get $ap)))
          (local.set $x1 (v128.load32_splat (i32.add (local.get $ap) (local.get $a2))))
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $p0 (f32x4.add (local.get $p0) (f32x4.mul (local.get $x0) (local.get $b0))))
          (local.set $q0 (f32x4.add (local.get $q0) (f32x4.mul (local.get $x1) (local.get $b0))))
          (local.set $p1 (f32x4.add (local.get $p1) (f32x4.mul (local.get $x0) (local.get $b1))))
          (local.set $q1 (f32x4.add (local.get $q1) (f32x4.mul (local.get $x1) (local.get $b1))))
          (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
          (local.set $bp (i32.add (local.get $bp) (local.get $row)))
          (br $pl)))
      (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $p0))
      (v128.store offset=16 (i32.add (local.get $c) (local.get $j)) (local.get $p1))
      (v128.store (i32.add (local.get $c2) (local.get $j)) (local.get $q0))
      (v128.store offset=16 (i32.add (local.get $c2) (local.get $j)) (local.get $q1))
      (local.set $j (i32.add (local.get $j) (i32.const 32)))))
    (if (i32.le_u (i32.add (local.get $j) (i32.const 16)) (local.get $row)) (then
      (local.set $p0 (f32x4.splat (local.get $v0)))
      (local.set $q0 (f32x4.splat (local.get $v1)))
      (local.set $ap (local.get $a))
      (local.set $bp (i32.add (local.get $b) (local.get $j)))
      (block $pd
        (loop $pl
          (br_if $pd (i32.ge_u (local.get $ap) (local.get $aend)))
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $p0 (f32x4.add (local.get $p0) (f32x4.mul (v128.load32_splat (local.get $ap)) (local.get $b0))))
          (local.set $q0 (f32x4.add (local.get $q0) (f32x4.mul (v128.load32_splat (i32.add (local.get $ap) (local.get $a2))) (local.get $b0))))
          (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
          (local.set $bp (i32.add (local.get $bp) (local.get $row)))
          (br $pl)))
      (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $p0))
      (v128.store (i32.add (local.get $c2) (local.get $j)) (local.get $q0))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))))
    (local.get $j))

  ;; gemmRow computes row c of gemm (a is that row of a, v its bias) from
  ;; column byte offset j: 16 columns at a time in four registers, then 4,
  ;; then one.
  (func $gemmRow (param $c i32) (param $a i32) (param $b i32) (param $v f32) (param $k i32) (param $n i32) (param $j i32)
    (local $row i32) (local $bp i32) (local $ap i32) (local $aend i32)
    (local $bv v128) (local $av v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $bv (f32x4.splat (local.get $v)))
    (local.set $aend (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
    ;; 16 columns
    (block $d16
      (loop $l16
        (br_if $d16 (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $row)))
        (local.set $a0 (local.get $bv)) (local.set $a1 (local.get $bv))
        (local.set $a2 (local.get $bv)) (local.set $a3 (local.get $bv))
        (local.set $ap (local.get $a))
        (local.set $bp (i32.add (local.get $b) (local.get $j)))
        (block $pd
          (loop $pl
            (br_if $pd (i32.ge_u (local.get $ap) (local.get $aend)))
            (local.set $av (v128.load32_splat (local.get $ap)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $av) (v128.load (local.get $bp)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $av) (v128.load offset=16 (local.get $bp)))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $av) (v128.load offset=32 (local.get $bp)))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $av) (v128.load offset=48 (local.get $bp)))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (br $pl)))
        (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $a0))
        (v128.store offset=16 (i32.add (local.get $c) (local.get $j)) (local.get $a1))
        (v128.store offset=32 (i32.add (local.get $c) (local.get $j)) (local.get $a2))
        (v128.store offset=48 (i32.add (local.get $c) (local.get $j)) (local.get $a3))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $l16)))
    ;; 4 columns
    (block $d4
      (loop $l4
        (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $row)))
        (local.set $a0 (local.get $bv))
        (local.set $ap (local.get $a))
        (local.set $bp (i32.add (local.get $b) (local.get $j)))
        (block $pd
          (loop $pl
            (br_if $pd (i32.ge_u (local.get $ap) (local.get $aend)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load32_splat (local.get $ap)) (v128.load (local.get $bp)))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (br $pl)))
        (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $a0))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l4)))
    ;; one column
    (block $d1
      (loop $l1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $row)))
        (local.set $s (local.get $v))
        (local.set $ap (local.get $a))
        (local.set $bp (i32.add (local.get $b) (local.get $j)))
        (block $pd
          (loop $pl
            (br_if $pd (i32.ge_u (local.get $ap) (local.get $aend)))
            (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $ap)) (f32.load (local.get $bp)))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (br $pl)))
        (f32.store (i32.add (local.get $c) (local.get $j)) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l1))))

  ;; add: dst[i] = x[i] + y[i]; dst may be x or y.
  (func $add (param $dst i32) (param $x i32) (param $y i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (block $done4
      (loop $l4
        (br_if $done4 (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $x)) (v128.load (local.get $y))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $l4)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst) (f32.add (f32.load (local.get $x)) (f32.load (local.get $y))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $l))))

  ;; mul: dst[i] = x[i] * y[i]; dst may be x or y.
  (func $mul (param $dst i32) (param $x i32) (param $y i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (block $done4
      (loop $l4
        (br_if $done4 (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $dst) (f32x4.mul (v128.load (local.get $x)) (v128.load (local.get $y))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $l4)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst) (f32.mul (f32.load (local.get $x)) (f32.load (local.get $y))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $l))))

  ;; relu: dst[i] = x[i] < 0 ? 0 : x[i] (NaN and -0 pass through, as in
  ;; Go); dst may be x.
  (func $relu (param $dst i32) (param $x i32) (param $n i32)
    (local $end i32) (local $v v128) (local $s f32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (block $done4
      (loop $l4
        (br_if $done4 (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load (local.get $x)))
        (v128.store (local.get $dst) (v128.andnot (local.get $v) (f32x4.lt (local.get $v) (v128.const i32x4 0 0 0 0))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $l4)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (local.set $s (f32.load (local.get $x)))
        (f32.store (local.get $dst) (select (f32.const 0) (local.get $s) (f32.lt (local.get $s) (f32.const 0))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $l))))

  ;; im2col lays out the k×k patches of src (inC×h×w) as inC·k·k rows of
  ;; (h-k+1)·(w-k+1) values at col: row (ic·k+ky)·k+kx holds
  ;; src[ic][oy+ky][ox+kx] for every output pixel (oy, ox). A convolution
  ;; is then gemm(weights, col). Needs 1 <= k <= h, w (checked in Go).
  (func $im2col (param $col i32) (param $src i32) (param $inC i32) (param $h i32) (param $w i32) (param $k i32)
    (local $oh i32) (local $ow i32) (local $ic i32) (local $ky i32) (local $kx i32) (local $oy i32)
    (local $plane i32) (local $s i32) (local $q i32) (local $end i32) (local $rowb i32) (local $wb i32)
    (local.set $oh (i32.add (i32.sub (local.get $h) (local.get $k)) (i32.const 1)))
    (local.set $ow (i32.add (i32.sub (local.get $w) (local.get $k)) (i32.const 1)))
    (if (i32.or (i32.le_s (local.get $oh) (i32.const 0)) (i32.le_s (local.get $ow) (i32.const 0))) (then (return)))
    (local.set $rowb (i32.shl (local.get $ow) (i32.const 2)))
    (local.set $wb (i32.shl (local.get $w) (i32.const 2)))
    (local.set $q (local.get $col))
    (block $dic
      (loop $lic
        (br_if $dic (i32.ge_u (local.get $ic) (local.get $inC)))
        (local.set $plane (i32.add (local.get $src) (i32.mul (i32.mul (local.get $ic) (local.get $h)) (local.get $wb))))
        (local.set $ky (i32.const 0))
        (block $dky
          (loop $lky
            (br_if $dky (i32.ge_u (local.get $ky) (local.get $k)))
            (local.set $kx (i32.const 0))
            (block $dkx
              (loop $lkx
                (br_if $dkx (i32.ge_u (local.get $kx) (local.get $k)))
                (local.set $oy (i32.const 0))
                (block $doy
                  (loop $loy
                    (br_if $doy (i32.ge_u (local.get $oy) (local.get $oh)))
                    (local.set $s (i32.add (local.get $plane) (i32.add
                      (i32.mul (i32.add (local.get $oy) (local.get $ky)) (local.get $wb))
                      (i32.shl (local.get $kx) (i32.const 2)))))
                    (local.set $end (i32.add (local.get $q) (local.get $rowb)))
                    (block $d4
                      (loop $l4
                        (br_if $d4 (i32.gt_u (i32.add (local.get $q) (i32.const 16)) (local.get $end)))
                        (v128.store (local.get $q) (v128.load (local.get $s)))
                        (local.set $q (i32.add (local.get $q) (i32.const 16)))
                        (local.set $s (i32.add (local.get $s) (i32.const 16)))
                        (br $l4)))
                    (block $d1
                      (loop $l1
                        (br_if $d1 (i32.ge_u (local.get $q) (local.get $end)))
                        (i32.store (local.get $q) (i32.load (local.get $s)))
                        (local.set $q (i32.add (local.get $q) (i32.const 4)))
                        (local.set $s (i32.add (local.get $s) (i32.const 4)))
                        (br $l1)))
                    (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
                    (br $loy)))
                (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                (br $lkx)))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $lky)))
        (local.set $ic (i32.add (local.get $ic) (i32.const 1)))
        (br $lic))))

  ;; SOFTMAX-BEGIN (the same text in simd.wat; a test checks)
  ;; exp for d <= 0 in float64: d = k*ln2 + r, |r| <= ln2/2, exp(r) by its
  ;; Taylor series to r^12 (error below 3e-16), times 2^k. Below -700 the
  ;; result is 0: it cannot change a sum that holds exp(0) = 1.
  (func $exp (param $d f64) (result f64)
    (local $k f64) (local $r f64)
    (if (f64.ne (local.get $d) (local.get $d)) (then (return (local.get $d))))
    (if (f64.lt (local.get $d) (f64.const -700)) (then (return (f64.const 0))))
    (local.set $k (f64.nearest (f64.mul (local.get $d) (f64.const 1.4426950408889634))))
    (local.set $r (f64.sub
      (f64.sub (local.get $d) (f64.mul (local.get $k) (f64.const 6.93147180369123816490e-01)))
      (f64.mul (local.get $k) (f64.const 1.90821492927058770002e-10))))
    (f64.mul
      (f64.add (f64.const 1) (f64.mul (local.get $r)
      (f64.add (f64.const 1) (f64.mul (local.get $r)
      (f64.add (f64.const 0.5) (f64.mul (local.get $r)
      (f64.add (f64.const 0x1.5555555555555p-3) (f64.mul (local.get $r)
      (f64.add (f64.const 0x1.5555555555555p-5) (f64.mul (local.get $r)
      (f64.add (f64.const 0x1.1111111111111p-7) (f64.mul (local.get $r)
      (f64.add (f64.const 0x1.6c16c16c16c17p-10) (f64.mul (local.get $r)
      (f64.add (f64.const 0x1.a01a01a01a01ap-13) (f64.mul (local.get $r)
      (f64.add (f64.const 0x1.a01a01a01a01ap-16) (f64.mul (local.get $r)
      (f64.add (f64.const 0x1.71de3a556c734p-19) (f64.mul (local.get $r)
      (f64.add (f64.const 0x1.27e4fb7789f5cp-22) (f64.mul (local.get $r)
      (f64.add (f64.const 0x1.ae64567f544e4p-26) (f64.mul (local.get $r)
        (f64.const 0x1.1eed8eff8d898p-29)))))))))))))))))))))))))
      (f64.reinterpret_i64 (i64.shl
        (i64.add (i64.trunc_f64_s (local.get $k)) (i64.const 1023))
        (i64.const 52)))))

  ;; softmax: x[i] = exp(x[i]-max) / sum, in place, as package kernels'
  ;; pure Go does it (float32 difference, float64 exp and sum).
  (func $softmax (param $x i32) (param $n i32)
    (local $end i32) (local $q i32) (local $m f32) (local $sum f64)
    (if (i32.le_s (local.get $n) (i32.const 0)) (then (return)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $m (f32.load (local.get $x)))
    (local.set $q (local.get $x))
    (loop $max
      (local.set $m (f32.max (local.get $m) (f32.load (local.get $q))))
      (local.set $q (i32.add (local.get $q) (i32.const 4)))
      (br_if $max (i32.lt_u (local.get $q) (local.get $end))))
    (local.set $q (local.get $x))
    (loop $sum
      (local.set $sum (f64.add (local.get $sum)
        (call $exp (f64.promote_f32 (f32.sub (f32.load (local.get $q)) (local.get $m))))))
      (local.set $q (i32.add (local.get $q) (i32.const 4)))
      (br_if $sum (i32.lt_u (local.get $q) (local.get $end))))
    (local.set $q (local.get $x))
    (loop $div
      (f32.store (local.get $q) (f32.demote_f64 (f64.div
        (call $exp (f64.promote_f32 (f32.sub (f32.load (local.get $q)) (local.get $m))))
        (local.get $sum))))
      (local.set $q (i32.add (local.get $q) (i32.const 4)))
      (br_if $div (i32.lt_u (local.get $q) (local.get $end)))))
  ;; SOFTMAX-END

  ;; PRIMS-SHARED-BEGIN (the same text in scalar.wat and simd.wat; a test
  ;; checks). The convolution, pooling and activation primitives of package
  ;; kernels (prims.go). $im2col_conv, $dwconv and $pool read their sizes
  ;; from a block of int32 words at $g (package kernels' geom):
  ;;   0 C  4 IH  8 IW  12 OH  16 OW  20 KH  24 KW  28 SH  32 SW  36 DH
  ;;   40 DW  44 PH  48 PW  52 EH  56 EW  60 op  64 alpha (f32)  68 beta (f32)
  ;; (byte offsets). Input position of output o, tap k: o*S + k*D - P; a
  ;; position outside [0, I) is padding. Each variant supplies the row
  ;; functions $im2colRows, $dwPlane and $poolRowAll; every output is the
  ;; same bit for bit in both.

  ;; lo returns the first t in [0, n] with off + t*s >= 0 (s >= 1; no
  ;; division for s = 1).
  (func $lo (param $off i32) (param $s i32) (param $n i32) (result i32)
    (if (i32.ge_s (local.get $off) (i32.const 0)) (then (return (i32.const 0))))
    (if (i32.eq (local.get $s) (i32.const 1)) (then (return (call $umin (i32.sub (i32.const 0) (local.get $off)) (local.get $n)))))
    (call $umin (i32.div_u (i32.add (i32.sub (i32.const 0) (local.get $off)) (i32.sub (local.get $s) (i32.const 1))) (local.get $s)) (local.get $n)))

  ;; hi returns how many t in [0, n) have off + t*s < lim (s >= 1): the
  ;; positions below lim are t < hi.
  (func $hi (param $off i32) (param $s i32) (param $lim i32) (param $n i32) (result i32)
    (if (i32.ge_s (local.get $off) (local.get $lim)) (then (return (i32.const 0))))
    (if (i32.eq (local.get $s) (i32.const 1)) (then (return (call $umin (i32.sub (local.get $lim) (local.get $off)) (local.get $n)))))
    (call $umin (i32.div_u (i32.add (i32.sub (local.get $lim) (local.get $off)) (i32.sub (local.get $s) (i32.const 1))) (local.get $s)) (local.get $n)))

  (func $umin (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.lt_u (local.get $a) (local.get $b))))
  (func $smax (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.gt_s (local.get $a) (local.get $b))))

  ;; act1 applies activation op (package kernels' ActOp) to one value; ops
  ;; it does not know leave the value as it is. HardSwish, Sigmoid and
  ;; Tanh are computed in f64 and rounded once, as package kernels'
  ;; Activate does.
  (func $act1 (param $v f32) (param $op i32) (param $alpha f32) (param $beta f32) (result f32)
    (block $none
     (block $tanh
      (block $sig
      (block $scale
        (block $clip
          (block $hswish
            (block $hsig
              (block $leaky
                (block $relu
                  (br_table $none $relu $leaky $none $sig $hsig $hswish $tanh $clip
                    $none $none $none $none $none $none $none $none $none $none $none $none
                    $none $none $none $none $none $scale $none (local.get $op)))
                (return (select (f32.const 0) (local.get $v) (f32.lt (local.get $v) (f32.const 0)))))
              (return (select (f32.mul (local.get $alpha) (local.get $v)) (local.get $v) (f32.lt (local.get $v) (f32.const 0)))))
            (return (f32.max (f32.const 0) (f32.min (f32.const 1)
              (f32.add (f32.mul (local.get $alpha) (local.get $v)) (local.get $beta))))))
          (return (f32.demote_f64 (f64.mul (f64.promote_f32 (local.get $v)) (f64.max (f64.const 0) (f64.min (f64.const 1)
            (f64.add (f64.div (f64.promote_f32 (local.get $v)) (f64.const 6)) (f64.const 0.5))))))))
        (return (f32.min (f32.max (local.get $v) (local.get $alpha)) (local.get $beta))))
      (return (f32.add (f32.mul (local.get $alpha) (local.get $v)) (local.get $beta))))
      (return (call $sigmoid1 (local.get $v))))
     (return (call $tanh1 (local.get $v))))
    (local.get $v))

  ;; kexp is e^d for |d| <= 104 (not NaN) in f64: package kernels' kexp
  ;; (Go's math.Exp algorithm without its special cases), step for step.
  (func $kexp (param $d f64) (result f64)
    (local $ki i32) (local $k f64) (local $hi f64) (local $lo f64) (local $r f64) (local $t f64) (local $c f64)
    (local.set $ki (i32.trunc_f64_s (f64.add (f64.mul (f64.const 1.44269504088896338700e+00) (local.get $d))
      (f64.copysign (f64.const 0.5) (local.get $d)))))
    (local.set $k (f64.convert_i32_s (local.get $ki)))
    (local.set $hi (f64.sub (local.get $d) (f64.mul (local.get $k) (f64.const 6.93147180369123816490e-01))))
    (local.set $lo (f64.mul (local.get $k) (f64.const 1.90821492927058770002e-10)))
    (local.set $r (f64.sub (local.get $hi) (local.get $lo)))
    (local.set $t (f64.mul (local.get $r) (local.get $r)))
    (local.set $c (f64.sub (local.get $r) (f64.mul (local.get $t)
      (f64.add (f64.const 1.66666666666666657415e-01) (f64.mul (local.get $t)
      (f64.add (f64.const -2.77777777770155933842e-03) (f64.mul (local.get $t)
      (f64.add (f64.const 6.61375632143793436117e-05) (f64.mul (local.get $t)
      (f64.add (f64.const -1.65339022054652515390e-06) (f64.mul (local.get $t) (f64.const 4.13813679705723846039e-08))))))))))))
    (f64.mul
      (f64.sub (f64.const 1) (f64.sub (f64.sub (local.get $lo)
        (f64.div (f64.mul (local.get $r) (local.get $c)) (f64.sub (f64.const 2) (local.get $c)))) (local.get $hi)))
      (f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.add (local.get $ki) (i32.const 1023))) (i64.const 52)))))

  ;; sigmoid1 is package kernels' sigmoidKernel: 1/(1+e) for x >= 0, else
  ;; e/(1+e), with e = kexp(max(-|x|, -104)), in f64, rounded once.
  (func $sigmoid1 (param $v f32) (result f32)
    (local $x f64) (local $e f64)
    (if (f32.ne (local.get $v) (local.get $v)) (then (return (local.get $v))))
    (local.set $x (f64.promote_f32 (local.get $v)))
    (local.set $e (call $kexp (f64.max (f64.neg (f64.abs (local.get $x))) (f64.const -104))))
    (f32.demote_f64 (select
      (f64.div (f64.const 1) (f64.add (f64.const 1) (local.get $e)))
      (f64.div (local.get $e) (f64.add (f64.const 1) (local.get $e)))
      (f64.ge (local.get $x) (f64.const 0)))))

  ;; tanh1 is package kernels' tanhKernel: for z = |x| below 0.625 Go's
  ;; rational approximation, else 1 - 2/(kexp(2 min(z, 20)) + 1); then
  ;; the sign of x; in f64, rounded once.
  (func $tanh1 (param $v f32) (result f32)
    (local $x f64) (local $z f64) (local $s f64)
    (if (f32.ne (local.get $v) (local.get $v)) (then (return (local.get $v))))
    (local.set $x (f64.promote_f32 (local.get $v)))
    (local.set $z (f64.abs (local.get $x)))
    (if (f64.lt (local.get $z) (f64.const 0.625))
      (then
        (local.set $s (f64.mul (local.get $z) (local.get $z)))
        (local.set $z (f64.add (local.get $z) (f64.div
          (f64.mul (f64.mul (local.get $z) (local.get $s))
            (f64.add (f64.mul (f64.add (f64.mul (f64.const -9.64399179425052238628e-1) (local.get $s)) (f64.const -9.92877231001918586564e1))
              (local.get $s)) (f64.const -1.61468768441708447952e3)))
          (f64.add (f64.mul (f64.add (f64.mul (f64.add (local.get $s) (f64.const 1.12811678491632931402e2)) (local.get $s))
            (f64.const 2.23548839060100448583e3)) (local.get $s)) (f64.const 4.84406305325125486048e3))))))
      (else
        (local.set $z (f64.sub (f64.const 1) (f64.div (f64.const 2)
          (f64.add (call $kexp (f64.mul (f64.const 2) (f64.min (local.get $z) (f64.const 20)))) (f64.const 1)))))))
    (f32.demote_f64 (f64.copysign (local.get $z) (local.get $x))))

  ;; im2col_conv lays out the C channels at src as C*KH*KW rows of OH*OW
  ;; values at col: row (ic*KH+ky)*KW+kx holds the input at
  ;; (oy*SH+ky*DH-PH, ox*SW+kx*DW-PW), or 0 in the padding.
  (func $im2col_conv (param $col i32) (param $src i32) (param $g i32)
    (local $C i32) (local $IH i32) (local $IW i32) (local $OH i32) (local $OW i32) (local $KH i32) (local $KW i32)
    (local $SH i32) (local $SW i32) (local $DH i32) (local $DW i32) (local $PH i32) (local $PW i32)
    (local $ic i32) (local $ky i32) (local $kx i32) (local $off i32) (local $lo i32) (local $hi i32)
    (local.set $C (i32.load (local.get $g)))
    (local.set $IH (i32.load offset=4 (local.get $g)))
    (local.set $IW (i32.load offset=8 (local.get $g)))
    (local.set $OH (i32.load offset=12 (local.get $g)))
    (local.set $OW (i32.load offset=16 (local.get $g)))
    (local.set $KH (i32.load offset=20 (local.get $g)))
    (local.set $KW (i32.load offset=24 (local.get $g)))
    (local.set $SH (i32.load offset=28 (local.get $g)))
    (local.set $SW (i32.load offset=32 (local.get $g)))
    (local.set $DH (i32.load offset=36 (local.get $g)))
    (local.set $DW (i32.load offset=40 (local.get $g)))
    (local.set $PH (i32.load offset=44 (local.get $g)))
    (local.set $PW (i32.load offset=48 (local.get $g)))
    (block $dic (loop $lic
      (br_if $dic (i32.ge_s (local.get $ic) (local.get $C)))
      (local.set $ky (i32.const 0))
      (block $dky (loop $lky
        (br_if $dky (i32.ge_s (local.get $ky) (local.get $KH)))
        (local.set $kx (i32.const 0))
        (block $dkx (loop $lkx
          (br_if $dkx (i32.ge_s (local.get $kx) (local.get $KW)))
          (local.set $off (i32.sub (i32.mul (local.get $kx) (local.get $DW)) (local.get $PW)))
          (local.set $lo (call $lo (local.get $off) (local.get $SW) (local.get $OW)))
          (local.set $hi (call $smax (local.get $lo) (call $hi (local.get $off) (local.get $SW) (local.get $IW) (local.get $OW))))
          (call $im2colRows (local.get $col) (local.get $src) (local.get $g)
            (i32.sub (i32.mul (local.get $ky) (local.get $DH)) (local.get $PH)) (local.get $off) (local.get $lo) (local.get $hi))
          (local.set $col (i32.add (local.get $col) (i32.shl (i32.mul (local.get $OH) (local.get $OW)) (i32.const 2))))
          (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
          (br $lkx)))
        (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
        (br $lky)))
      (local.set $src (i32.add (local.get $src) (i32.shl (i32.mul (local.get $IH) (local.get $IW)) (i32.const 2))))
      (local.set $ic (i32.add (local.get $ic) (i32.const 1)))
      (br $lic))))

  ;; dwconv is a depthwise convolution of the C channels at src into dst:
  ;; channel c has the KH*KW weights at w + c*KH*KW and bias b[c] (b = 0:
  ;; none); each output starts at its bias, adds w*x over the taps inside
  ;; the input, ky then kx, and goes through $act1 with op, alpha, beta.
  ;; Each variant supplies $dwPlane, one channel's plane.
  (func $dwconv (param $dst i32) (param $src i32) (param $w i32) (param $b i32) (param $g i32)
    (local $C i32) (local $IH i32) (local $IW i32) (local $OH i32) (local $OW i32) (local $KH i32) (local $KW i32)
    (local $c i32) (local $bias f32)
    (local.set $C (i32.load (local.get $g)))
    (local.set $IH (i32.load offset=4 (local.get $g)))
    (local.set $IW (i32.load offset=8 (local.get $g)))
    (local.set $OH (i32.load offset=12 (local.get $g)))
    (local.set $OW (i32.load offset=16 (local.get $g)))
    (local.set $KH (i32.load offset=20 (local.get $g)))
    (local.set $KW (i32.load offset=24 (local.get $g)))
    (block $dc (loop $lc
      (br_if $dc (i32.ge_s (local.get $c) (local.get $C)))
      (local.set $bias (f32.const 0))
      (if (local.get $b) (then (local.set $bias (f32.load (i32.add (local.get $b) (i32.shl (local.get $c) (i32.const 2)))))))
      (call $dwPlane (local.get $g) (local.get $dst) (local.get $src) (local.get $w) (local.get $bias))
      (local.set $dst (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $OH) (local.get $OW)) (i32.const 2))))
      (local.set $src (i32.add (local.get $src) (i32.shl (i32.mul (local.get $IH) (local.get $IW)) (i32.const 2))))
      (local.set $w (i32.add (local.get $w) (i32.shl (i32.mul (local.get $KH) (local.get $KW)) (i32.const 2))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $lc))))

  ;; dwRow computes outputs [ox, to) of one row of dwconv at q (output ox)
  ;; one at a time: plane is the channel's input, wc its weights, base =
  ;; oy*SH-PH, and the rows ky in [kylo, kyhi) are inside the input.
  (func $dwRow (param $g i32) (param $q i32) (param $plane i32) (param $wc i32) (param $bias f32)
      (param $base i32) (param $kylo i32) (param $kyhi i32) (param $ox i32) (param $to i32)
    (local $IW i32) (local $KW i32) (local $SW i32) (local $DW i32) (local $PW i32) (local $DH i32)
    (local $op i32) (local $alpha f32) (local $beta f32)
    (local $bx i32) (local $kxlo i32) (local $kxhi i32) (local $ky i32) (local $kx i32) (local $s f32) (local $row i32) (local $wr i32)
    (local.set $IW (i32.load offset=8 (local.get $g)))
    (local.set $KW (i32.load offset=24 (local.get $g)))
    (local.set $SW (i32.load offset=32 (local.get $g)))
    (local.set $DH (i32.load offset=36 (local.get $g)))
    (local.set $DW (i32.load offset=40 (local.get $g)))
    (local.set $PW (i32.load offset=48 (local.get $g)))
    (local.set $op (i32.load offset=60 (local.get $g)))
    (local.set $alpha (f32.load offset=64 (local.get $g)))
    (local.set $beta (f32.load offset=68 (local.get $g)))
    (block $dx (loop $lx
      (br_if $dx (i32.ge_s (local.get $ox) (local.get $to)))
      (local.set $bx (i32.sub (i32.mul (local.get $ox) (local.get $SW)) (local.get $PW)))
      (local.set $kxlo (call $lo (local.get $bx) (local.get $DW) (local.get $KW)))
      (local.set $kxhi (call $smax (local.get $kxlo) (call $hi (local.get $bx) (local.get $DW) (local.get $IW) (local.get $KW))))
      (local.set $s (local.get $bias))
      (local.set $ky (local.get $kylo))
      (block $dy (loop $ly
        (br_if $dy (i32.ge_s (local.get $ky) (local.get $kyhi)))
        (local.set $row (i32.add (local.get $plane) (i32.shl (i32.add (i32.mul
          (i32.add (local.get $base) (i32.mul (local.get $ky) (local.get $DH))) (local.get $IW)) (local.get $bx)) (i32.const 2))))
        (local.set $wr (i32.add (local.get $wc) (i32.shl (i32.mul (local.get $ky) (local.get $KW)) (i32.const 2))))
        (local.set $kx (local.get $kxlo))
        (block $dk (loop $lk
          (br_if $dk (i32.ge_s (local.get $kx) (local.get $kxhi)))
          (local.set $s (f32.add (local.get $s) (f32.mul
            (f32.load (i32.add (local.get $wr) (i32.shl (local.get $kx) (i32.const 2))))
            (f32.load (i32.add (local.get $row) (i32.shl (i32.mul (local.get $kx) (local.get $DW)) (i32.const 2)))))))
          (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
          (br $lk)))
        (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
        (br $ly)))
      (f32.store (local.get $q) (call $act1 (local.get $s) (local.get $op) (local.get $alpha) (local.get $beta)))
      (local.set $q (i32.add (local.get $q) (i32.const 4)))
      (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
      (br $lx))))

  ;; pool is max pooling (op bit 1) or average pooling of the C planes at
  ;; src into dst. The average divides by the positions inside the input
  ;; or, with op bit 2, inside [-P, E) (E = In+PadEnd).
  (func $pool (param $dst i32) (param $src i32) (param $g i32)
    (local $C i32) (local $IH i32) (local $IW i32) (local $OH i32) (local $OW i32) (local $KH i32)
    (local $SH i32) (local $DH i32) (local $PH i32) (local $EH i32) (local $op i32)
    (local $c i32) (local $oy i32) (local $base i32) (local $kylo i32) (local $kyhi i32) (local $ny i32)
    (local.set $C (i32.load (local.get $g)))
    (local.set $IH (i32.load offset=4 (local.get $g)))
    (local.set $IW (i32.load offset=8 (local.get $g)))
    (local.set $OH (i32.load offset=12 (local.get $g)))
    (local.set $OW (i32.load offset=16 (local.get $g)))
    (local.set $KH (i32.load offset=20 (local.get $g)))
    (local.set $SH (i32.load offset=28 (local.get $g)))
    (local.set $DH (i32.load offset=36 (local.get $g)))
    (local.set $PH (i32.load offset=44 (local.get $g)))
    (local.set $EH (i32.load offset=52 (local.get $g)))
    (local.set $op (i32.load offset=60 (local.get $g)))
    (block $dc (loop $lc
      (br_if $dc (i32.ge_s (local.get $c) (local.get $C)))
      (local.set $oy (i32.const 0))
      (block $doy (loop $loy
        (br_if $doy (i32.ge_s (local.get $oy) (local.get $OH)))
        (local.set $base (i32.sub (i32.mul (local.get $oy) (local.get $SH)) (local.get $PH)))
        (local.set $kylo (call $lo (local.get $base) (local.get $DH) (local.get $KH)))
        (local.set $kyhi (call $smax (local.get $kylo) (call $hi (local.get $base) (local.get $DH) (local.get $IH) (local.get $KH))))
        (local.set $ny (i32.sub (local.get $kyhi) (local.get $kylo)))
        (if (i32.and (local.get $op) (i32.const 2))
          (then (local.set $ny (call $hi (local.get $base) (local.get $DH) (local.get $EH) (local.get $KH)))))
        (call $poolRowAll (local.get $g) (local.get $dst) (local.get $src) (local.get $base) (local.get $kylo) (local.get $kyhi) (local.get $ny))
        (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $OW) (i32.const 2))))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $loy)))
      (local.set $src (i32.add (local.get $src) (i32.shl (i32.mul (local.get $IH) (local.get $IW)) (i32.const 2))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $lc))))

  ;; poolRow computes outputs [ox, to) of one row of pool at q (output ox)
  ;; one at a time; ny is the row count of the divisor.
  (func $poolRow (param $g i32) (param $q i32) (param $plane i32) (param $base i32)
      (param $kylo i32) (param $kyhi i32) (param $ny i32) (param $ox i32) (param $to i32)
    (local $IW i32) (local $KW i32) (local $SW i32) (local $DW i32) (local $PW i32) (local $DH i32) (local $EW i32) (local $op i32)
    (local $bx i32) (local $kxlo i32) (local $kxhi i32) (local $nx i32) (local $ky i32) (local $kx i32) (local $row i32)
    (local $m f32) (local $s f32) (local $v f32)
    (local.set $IW (i32.load offset=8 (local.get $g)))
    (local.set $KW (i32.load offset=24 (local.get $g)))
    (local.set $SW (i32.load offset=32 (local.get $g)))
    (local.set $DH (i32.load offset=36 (local.get $g)))
    (local.set $DW (i32.load offset=40 (local.get $g)))
    (local.set $PW (i32.load offset=48 (local.get $g)))
    (local.set $EW (i32.load offset=56 (local.get $g)))
    (local.set $op (i32.load offset=60 (local.get $g)))
    (block $dx (loop $lx
      (br_if $dx (i32.ge_s (local.get $ox) (local.get $to)))
      (local.set $bx (i32.sub (i32.mul (local.get $ox) (local.get $SW)) (local.get $PW)))
      (local.set $kxlo (call $lo (local.get $bx) (local.get $DW) (local.get $KW)))
      (local.set $kxhi (call $smax (local.get $kxlo) (call $hi (local.get $bx) (local.get $DW) (local.get $IW) (local.get $KW))))
      (local.set $nx (i32.sub (local.get $kxhi) (local.get $kxlo)))
      (if (i32.and (local.get $op) (i32.const 2))
        (then (local.set $nx (call $hi (local.get $bx) (local.get $DW) (local.get $EW) (local.get $KW)))))
      (local.set $m (f32.const -inf))
      (local.set $s (f32.const 0))
      (local.set $ky (local.get $kylo))
      (block $dy (loop $ly
        (br_if $dy (i32.ge_s (local.get $ky) (local.get $kyhi)))
        (local.set $row (i32.add (local.get $plane) (i32.shl (i32.add (i32.mul
          (i32.add (local.get $base) (i32.mul (local.get $ky) (local.get $DH))) (local.get $IW)) (local.get $bx)) (i32.const 2))))
        (local.set $kx (local.get $kxlo))
        (block $dk (loop $lk
          (br_if $dk (i32.ge_s (local.get $kx) (local.get $kxhi)))
          (local.set $v (f32.load (i32.add (local.get $row) (i32.shl (i32.mul (local.get $kx) (local.get $DW)) (i32.const 2)))))
          (local.set $m (f32.max (local.get $m) (local.get $v)))
          (local.set $s (f32.add (local.get $s) (local.get $v)))
          (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
          (br $lk)))
        (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
        (br $ly)))
      (f32.store (local.get $q) (select (local.get $m)
        (f32.div (local.get $s) (f32.convert_i32_s (i32.mul (local.get $ny) (local.get $nx))))
        (i32.and (local.get $op) (i32.const 1))))
      (local.set $q (i32.add (local.get $q) (i32.const 4)))
      (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
      (br $lx))))
  ;; PRIMS-SHARED-END

  ;; The SIMD variant's row functions for the primitives above. They work
  ;; on 4 outputs at a time, each lane one output with the same order of
  ;; operations as the scalar code, so results are the same bit for bit.
  ;; Stride 2 gathers lanes x[i], x[i+2], x[i+4], x[i+6] from two loads
  ;; (at i and i+3) that stay inside the input.

  ;; sigmoid4 and tanh4 are $sigmoid1 and $tanh1 on four lanes, two f64
  ;; lanes at a time with the two halves' $kexp steps interleaved (no
  ;; calls): the same operations in the same order. NaN lanes pass through.
  (func $sigmoid4 (param $v v128) (result v128)
    (local $x0 v128) (local $x1 v128) (local $e0 v128) (local $e1 v128) (local $p0 v128) (local $p1 v128) (local $y0 v128) (local $y1 v128) (local $ki0 v128) (local $k0 v128) (local $hi0 v128) (local $lo0 v128) (local $r0 v128) (local $t0 v128) (local $c0 v128) (local $ki1 v128) (local $k1 v128) (local $hi1 v128) (local $lo1 v128) (local $r1 v128) (local $t1 v128) (local $c1 v128)
    (local.set $x0 (f64x2.promote_low_f32x4 (local.get $v)))
    (local.set $x1 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (local.set $ki0 (i32x4.trunc_sat_f64x2_s_zero (f64x2.add (f64x2.mul (v128.const f64x2 1.44269504088896338700e+00 1.44269504088896338700e+00) (f64x2.max (f64x2.neg (f64x2.abs (local.get $x0))) (v128.const f64x2 -104 -104))) (v128.or (v128.const f64x2 0.5 0.5) (v128.and (f64x2.max (f64x2.neg (f64x2.abs (local.get $x0))) (v128.const f64x2 -104 -104)) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))))
    (local.set $ki1 (i32x4.trunc_sat_f64x2_s_zero (f64x2.add (f64x2.mul (v128.const f64x2 1.44269504088896338700e+00 1.44269504088896338700e+00) (f64x2.max (f64x2.neg (f64x2.abs (local.get $x1))) (v128.const f64x2 -104 -104))) (v128.or (v128.const f64x2 0.5 0.5) (v128.and (f64x2.max (f64x2.neg (f64x2.abs (local.get $x1))) (v128.const f64x2 -104 -104)) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))))
    (local.set $k0 (f64x2.convert_low_i32x4_s (local.get $ki0)))
    (local.set $k1 (f64x2.convert_low_i32x4_s (local.get $ki1)))
    (local.set $hi0 (f64x2.sub (f64x2.max (f64x2.neg (f64x2.abs (local.get $x0))) (v128.const f64x2 -104 -104)) (f64x2.mul (local.get $k0) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01))))
    (local.set $hi1 (f64x2.sub (f64x2.max (f64x2.neg (f64x2.abs (local.get $x1))) (v128.const f64x2 -104 -104)) (f64x2.mul (local.get $k1) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01))))
    (local.set $lo0 (f64x2.mul (local.get $k0) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10)))
    (local.set $lo1 (f64x2.mul (local.get $k1) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10)))
    (local.set $r0 (f64x2.sub (local.get $hi0) (local.get $lo0)))
    (local.set $r1 (f64x2.sub (local.get $hi1) (local.get $lo1)))
    (local.set $t0 (f64x2.mul (local.get $r0) (local.get $r0)))
    (local.set $t1 (f64x2.mul (local.get $r1) (local.get $r1)))
    (local.set $c0 (f64x2.sub (local.get $r0) (f64x2.mul (local.get $t0) (f64x2.add (v128.const f64x2 1.66666666666666657415e-01 1.66666666666666657415e-01) (f64x2.mul (local.get $t0) (f64x2.add (v128.const f64x2 -2.77777777770155933842e-03 -2.77777777770155933842e-03) (f64x2.mul (local.get $t0) (f64x2.add (v128.const f64x2 6.61375632143793436117e-05 6.61375632143793436117e-05) (f64x2.mul (local.get $t0) (f64x2.add (v128.const f64x2 -1.65339022054652515390e-06 -1.65339022054652515390e-06) (f64x2.mul (local.get $t0) (v128.const f64x2 4.13813679705723846039e-08 4.13813679705723846039e-08))))))))))))
    (local.set $c1 (f64x2.sub (local.get $r1) (f64x2.mul (local.get $t1) (f64x2.add (v128.const f64x2 1.66666666666666657415e-01 1.66666666666666657415e-01) (f64x2.mul (local.get $t1) (f64x2.add (v128.const f64x2 -2.77777777770155933842e-03 -2.77777777770155933842e-03) (f64x2.mul (local.get $t1) (f64x2.add (v128.const f64x2 6.61375632143793436117e-05 6.61375632143793436117e-05) (f64x2.mul (local.get $t1) (f64x2.add (v128.const f64x2 -1.65339022054652515390e-06 -1.65339022054652515390e-06) (f64x2.mul (local.get $t1) (v128.const f64x2 4.13813679705723846039e-08 4.13813679705723846039e-08))))))))))))
    (local.set $e0 (f64x2.mul (f64x2.sub (v128.const f64x2 1 1) (f64x2.sub (f64x2.sub (local.get $lo0) (f64x2.div (f64x2.mul (local.get $r0) (local.get $c0)) (f64x2.sub (v128.const f64x2 2 2) (local.get $c0)))) (local.get $hi0))) (i64x2.shl (i64x2.extend_low_i32x4_s (i32x4.add (local.get $ki0) (v128.const i32x4 1023 1023 1023 1023))) (i32.const 52))))
    (local.set $e1 (f64x2.mul (f64x2.sub (v128.const f64x2 1 1) (f64x2.sub (f64x2.sub (local.get $lo1) (f64x2.div (f64x2.mul (local.get $r1) (local.get $c1)) (f64x2.sub (v128.const f64x2 2 2) (local.get $c1)))) (local.get $hi1))) (i64x2.shl (i64x2.extend_low_i32x4_s (i32x4.add (local.get $ki1) (v128.const i32x4 1023 1023 1023 1023))) (i32.const 52))))
    (local.set $p0 (f64x2.add (v128.const f64x2 1 1) (local.get $e0)))
    (local.set $p1 (f64x2.add (v128.const f64x2 1 1) (local.get $e1)))
    (local.set $y0 (v128.bitselect (f64x2.div (v128.const f64x2 1 1) (local.get $p0)) (f64x2.div (local.get $e0) (local.get $p0)) (f64x2.ge (local.get $x0) (v128.const f64x2 0 0))))
    (local.set $y1 (v128.bitselect (f64x2.div (v128.const f64x2 1 1) (local.get $p1)) (f64x2.div (local.get $e1) (local.get $p1)) (f64x2.ge (local.get $x1) (v128.const f64x2 0 0))))
    (v128.bitselect (local.get $v)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $y0)) (f32x4.demote_f64x2_zero (local.get $y1)))
      (f32x4.ne (local.get $v) (local.get $v))))
  
  (func $tanh4 (param $v v128) (result v128)
    (local $x0 v128) (local $x1 v128) (local $z0 v128) (local $z1 v128) (local $m0 v128) (local $m1 v128) (local $s0 v128) (local $s1 v128) (local $p0 v128) (local $p1 v128) (local $e0 v128) (local $e1 v128) (local $q0 v128) (local $q1 v128) (local $y0 v128) (local $y1 v128) (local $ki0 v128) (local $k0 v128) (local $hi0 v128) (local $lo0 v128) (local $r0 v128) (local $t0 v128) (local $c0 v128) (local $ki1 v128) (local $k1 v128) (local $hi1 v128) (local $lo1 v128) (local $r1 v128) (local $t1 v128) (local $c1 v128)
    (local.set $x0 (f64x2.promote_low_f32x4 (local.get $v)))
    (local.set $x1 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (local.set $z0 (f64x2.abs (local.get $x0)))
    (local.set $z1 (f64x2.abs (local.get $x1)))
    (local.set $m0 (f64x2.lt (local.get $z0) (v128.const f64x2 0.625 0.625)))
    (local.set $m1 (f64x2.lt (local.get $z1) (v128.const f64x2 0.625 0.625)))
    ;; each branch only when a lane takes it
    (if (v128.any_true (v128.or (local.get $m0) (local.get $m1))) (then
      (local.set $s0 (f64x2.mul (local.get $z0) (local.get $z0)))
      (local.set $s1 (f64x2.mul (local.get $z1) (local.get $z1)))
      (local.set $p0 (f64x2.add (local.get $z0) (f64x2.div (f64x2.mul (f64x2.mul (local.get $z0) (local.get $s0)) (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (v128.const f64x2 -9.64399179425052238628e-1 -9.64399179425052238628e-1) (local.get $s0)) (v128.const f64x2 -9.92877231001918586564e1 -9.92877231001918586564e1)) (local.get $s0)) (v128.const f64x2 -1.61468768441708447952e3 -1.61468768441708447952e3))) (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (local.get $s0) (v128.const f64x2 1.12811678491632931402e2 1.12811678491632931402e2)) (local.get $s0)) (v128.const f64x2 2.23548839060100448583e3 2.23548839060100448583e3)) (local.get $s0)) (v128.const f64x2 4.84406305325125486048e3 4.84406305325125486048e3)))))
      (local.set $p1 (f64x2.add (local.get $z1) (f64x2.div (f64x2.mul (f64x2.mul (local.get $z1) (local.get $s1)) (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (v128.const f64x2 -9.64399179425052238628e-1 -9.64399179425052238628e-1) (local.get $s1)) (v128.const f64x2 -9.92877231001918586564e1 -9.92877231001918586564e1)) (local.get $s1)) (v128.const f64x2 -1.61468768441708447952e3 -1.61468768441708447952e3))) (f64x2.add (f64x2.mul (f64x2.add (f64x2.mul (f64x2.add (local.get $s1) (v128.const f64x2 1.12811678491632931402e2 1.12811678491632931402e2)) (local.get $s1)) (v128.const f64x2 2.23548839060100448583e3 2.23548839060100448583e3)) (local.get $s1)) (v128.const f64x2 4.84406305325125486048e3 4.84406305325125486048e3)))))
    ))
    (if (i32.eqz (i32.and (i64x2.all_true (local.get $m0)) (i64x2.all_true (local.get $m1)))) (then
      (local.set $ki0 (i32x4.trunc_sat_f64x2_s_zero (f64x2.add (f64x2.mul (v128.const f64x2 1.44269504088896338700e+00 1.44269504088896338700e+00) (f64x2.mul (v128.const f64x2 2 2) (f64x2.min (local.get $z0) (v128.const f64x2 20 20)))) (v128.or (v128.const f64x2 0.5 0.5) (v128.and (f64x2.mul (v128.const f64x2 2 2) (f64x2.min (local.get $z0) (v128.const f64x2 20 20))) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))))
      (local.set $ki1 (i32x4.trunc_sat_f64x2_s_zero (f64x2.add (f64x2.mul (v128.const f64x2 1.44269504088896338700e+00 1.44269504088896338700e+00) (f64x2.mul (v128.const f64x2 2 2) (f64x2.min (local.get $z1) (v128.const f64x2 20 20)))) (v128.or (v128.const f64x2 0.5 0.5) (v128.and (f64x2.mul (v128.const f64x2 2 2) (f64x2.min (local.get $z1) (v128.const f64x2 20 20))) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))))
      (local.set $k0 (f64x2.convert_low_i32x4_s (local.get $ki0)))
      (local.set $k1 (f64x2.convert_low_i32x4_s (local.get $ki1)))
      (local.set $hi0 (f64x2.sub (f64x2.mul (v128.const f64x2 2 2) (f64x2.min (local.get $z0) (v128.const f64x2 20 20))) (f64x2.mul (local.get $k0) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01))))
      (local.set $hi1 (f64x2.sub (f64x2.mul (v128.const f64x2 2 2) (f64x2.min (local.get $z1) (v128.const f64x2 20 20))) (f64x2.mul (local.get $k1) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01))))
      (local.set $lo0 (f64x2.mul (local.get $k0) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10)))
      (local.set $lo1 (f64x2.mul (local.get $k1) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10)))
      (local.set $r0 (f64x2.sub (local.get $hi0) (local.get $lo0)))
      (local.set $r1 (f64x2.sub (local.get $hi1) (local.get $lo1)))
      (local.set $t0 (f64x2.mul (local.get $r0) (local.get $r0)))
      (local.set $t1 (f64x2.mul (local.get $r1) (local.get $r1)))
      (local.set $c0 (f64x2.sub (local.get $r0) (f64x2.mul (local.get $t0) (f64x2.add (v128.const f64x2 1.66666666666666657415e-01 1.66666666666666657415e-01) (f64x2.mul (local.get $t0) (f64x2.add (v128.const f64x2 -2.77777777770155933842e-03 -2.77777777770155933842e-03) (f64x2.mul (local.get $t0) (f64x2.add (v128.const f64x2 6.61375632143793436117e-05 6.61375632143793436117e-05) (f64x2.mul (local.get $t0) (f64x2.add (v128.const f64x2 -1.65339022054652515390e-06 -1.65339022054652515390e-06) (f64x2.mul (local.get $t0) (v128.const f64x2 4.13813679705723846039e-08 4.13813679705723846039e-08))))))))))))
      (local.set $c1 (f64x2.sub (local.get $r1) (f64x2.mul (local.get $t1) (f64x2.add (v128.const f64x2 1.66666666666666657415e-01 1.66666666666666657415e-01) (f64x2.mul (local.get $t1) (f64x2.add (v128.const f64x2 -2.77777777770155933842e-03 -2.77777777770155933842e-03) (f64x2.mul (local.get $t1) (f64x2.add (v128.const f64x2 6.61375632143793436117e-05 6.61375632143793436117e-05) (f64x2.mul (local.get $t1) (f64x2.add (v128.const f64x2 -1.65339022054652515390e-06 -1.65339022054652515390e-06) (f64x2.mul (local.get $t1) (v128.const f64x2 4.13813679705723846039e-08 4.13813679705723846039e-08))))))))))))
      (local.set $e0 (f64x2.mul (f64x2.sub (v128.const f64x2 1 1) (f64x2.sub (f64x2.sub (local.get $lo0) (f64x2.div (f64x2.mul (local.get $r0) (local.get $c0)) (f64x2.sub (v128.const f64x2 2 2) (local.get $c0)))) (local.get $hi0))) (i64x2.shl (i64x2.extend_low_i32x4_s (i32x4.add (local.get $ki0) (v128.const i32x4 1023 1023 1023 1023))) (i32.const 52))))
      (local.set $e1 (f64x2.mul (f64x2.sub (v128.const f64x2 1 1) (f64x2.sub (f64x2.sub (local.get $lo1) (f64x2.div (f64x2.mul (local.get $r1) (local.get $c1)) (f64x2.sub (v128.const f64x2 2 2) (local.get $c1)))) (local.get $hi1))) (i64x2.shl (i64x2.extend_low_i32x4_s (i32x4.add (local.get $ki1) (v128.const i32x4 1023 1023 1023 1023))) (i32.const 52))))
      (local.set $q0 (f64x2.sub (v128.const f64x2 1 1) (f64x2.div (v128.const f64x2 2 2) (f64x2.add (local.get $e0) (v128.const f64x2 1 1)))))
      (local.set $q1 (f64x2.sub (v128.const f64x2 1 1) (f64x2.div (v128.const f64x2 2 2) (f64x2.add (local.get $e1) (v128.const f64x2 1 1)))))
    ))
    ;; both branches are >= 0: the sign of x is or-ed in
    (local.set $y0 (v128.or (v128.bitselect (local.get $p0) (local.get $q0) (local.get $m0)) (v128.and (local.get $x0) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))
    (local.set $y1 (v128.or (v128.bitselect (local.get $p1) (local.get $q1) (local.get $m1)) (v128.and (local.get $x1) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))
    (v128.bitselect (local.get $v)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $y0)) (f32x4.demote_f64x2_zero (local.get $y1)))
      (f32x4.ne (local.get $v) (local.get $v))))

  ;; actv is $act1 on four lanes.
  (func $actv (param $v v128) (param $op i32) (param $alpha f32) (param $beta f32) (result v128)
    (local $lo v128) (local $hi v128)
    (block $none
     (block $tanh
      (block $sig
      (block $scale
        (block $clip
          (block $hswish
            (block $hsig
              (block $leaky
                (block $relu
                  (br_table $none $relu $leaky $none $sig $hsig $hswish $tanh $clip
                    $none $none $none $none $none $none $none $none $none $none $none $none
                    $none $none $none $none $none $scale $none (local.get $op)))
                (return (v128.andnot (local.get $v) (f32x4.lt (local.get $v) (v128.const i32x4 0 0 0 0)))))
              (return (v128.bitselect (f32x4.mul (f32x4.splat (local.get $alpha)) (local.get $v)) (local.get $v)
                (f32x4.lt (local.get $v) (v128.const i32x4 0 0 0 0)))))
            (return (f32x4.max (v128.const f32x4 0 0 0 0) (f32x4.min (v128.const f32x4 1 1 1 1)
              (f32x4.add (f32x4.mul (f32x4.splat (local.get $alpha)) (local.get $v)) (f32x4.splat (local.get $beta)))))))
          ;; in f64, two lanes at a time, rounded once
          (local.set $lo (f64x2.promote_low_f32x4 (local.get $v)))
          (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
          (local.set $lo (f64x2.mul (local.get $lo) (f64x2.max (v128.const f64x2 0 0) (f64x2.min (v128.const f64x2 1 1)
            (f64x2.add (f64x2.div (local.get $lo) (v128.const f64x2 6 6)) (v128.const f64x2 0.5 0.5))))))
          (local.set $hi (f64x2.mul (local.get $hi) (f64x2.max (v128.const f64x2 0 0) (f64x2.min (v128.const f64x2 1 1)
            (f64x2.add (f64x2.div (local.get $hi) (v128.const f64x2 6 6)) (v128.const f64x2 0.5 0.5))))))
          (return (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi)))))
        (return (f32x4.min (f32x4.max (local.get $v) (f32x4.splat (local.get $alpha))) (f32x4.splat (local.get $beta)))))
      (return (f32x4.add (f32x4.mul (f32x4.splat (local.get $alpha)) (local.get $v)) (f32x4.splat (local.get $beta)))))
      (return (call $sigmoid4 (local.get $v))))
     (return (call $tanh4 (local.get $v))))
    (local.get $v))

  ;; dwPlane computes one channel of dwconv, row by row, 4 outputs per
  ;; lane group, with what does not change along the plane worked out
  ;; once. Blocks
  ;; whose taps are all inside the input run 8, then 4 outputs at a time
  ;; with no test; the others (the edges, next to the padding) run 4 at a
  ;; time with a mask per tap: lanes whose input position is outside [0,
  ;; IW) keep their sum (v128.bitselect), so each output adds the same taps
  ;; in the same order as $dwRow. A masked load may read up to KW*DW+7
  ;; values beside the row (the neighbouring row or tensor, then masked
  ;; off): the plane is checked first to lie inside memory with that
  ;; margin, else the edges go through $dwRow. Strides above 2 and the last OW%4
  ;; outputs go through $dwRow.
  (func $dwPlane (param $g i32) (param $q i32) (param $plane i32) (param $wc i32) (param $bias f32)
    (local $IH i32) (local $OH i32) (local $KH i32) (local $SH i32) (local $PH i32)
    (local $oy i32) (local $base i32) (local $kylo i32) (local $kyhi i32)
    (local $IW i32) (local $OW i32) (local $KW i32) (local $SW i32) (local $DW i32) (local $PW i32) (local $DH i32)
    (local $xlo i32) (local $xhi i32) (local $ox i32) (local $ky i32) (local $p i32) (local $pend i32) (local $wr i32) (local $dstep i32)
    (local $acc v128) (local $acc1 v128) (local $wv v128) (local $bv v128) (local $x v128)
    (local $ix v128) (local $ix0 v128) (local $iwv v128) (local $dwv v128) (local $m0 v128) (local $m1 v128) (local $m2 v128)
    (local $op i32) (local $alpha f32) (local $beta f32) (local $masked i32) (local $av v128) (local $bt v128) (local $p1 i32) (local $p2 i32)
    (local.set $op (i32.load offset=60 (local.get $g)))
    (local.set $alpha (f32.load offset=64 (local.get $g)))
    (local.set $beta (f32.load offset=68 (local.get $g)))
    (local.set $av (f32x4.splat (local.get $alpha)))
    (local.set $bt (f32x4.splat (local.get $beta)))
    (local.set $IH (i32.load offset=4 (local.get $g)))
    (local.set $OH (i32.load offset=12 (local.get $g)))
    (local.set $KH (i32.load offset=20 (local.get $g)))
    (local.set $SH (i32.load offset=28 (local.get $g)))
    (local.set $PH (i32.load offset=44 (local.get $g)))
    (local.set $IW (i32.load offset=8 (local.get $g)))
    (local.set $OW (i32.load offset=16 (local.get $g)))
    (local.set $KW (i32.load offset=24 (local.get $g)))
    (local.set $SW (i32.load offset=32 (local.get $g)))
    (local.set $DH (i32.load offset=36 (local.get $g)))
    (local.set $DW (i32.load offset=40 (local.get $g)))
    (local.set $PW (i32.load offset=48 (local.get $g)))
    (local.set $xlo (call $lo (i32.sub (i32.const 0) (local.get $PW)) (local.get $SW) (local.get $OW)))
    (local.set $xhi (call $smax (local.get $xlo) (call $hi
      (i32.sub (i32.mul (i32.sub (local.get $KW) (i32.const 1)) (local.get $DW)) (local.get $PW)) (local.get $SW) (local.get $IW) (local.get $OW))))
    ;; The masked loads reach from PW values before a row's start to
    ;; (OW-1)*SW+(KW-1)*DW-PW+1 values past it (the stride-2 load reads no
    ;; further than its last lane): the whole plane with that margin must
    ;; be inside memory. In i64: no wrap.
    (local.set $masked (i32.and (i64.ge_u (i64.extend_i32_u (local.get $plane)) (i64.shl (i64.extend_i32_u (local.get $PW)) (i64.const 2)))
      (i64.le_u
        (i64.add (i64.extend_i32_u (local.get $plane)) (i64.shl (i64.add (i64.add
          (i64.mul (i64.extend_i32_u (local.get $IH)) (i64.extend_i32_u (local.get $IW)))
          (i64.mul (i64.extend_i32_u (local.get $OW)) (i64.extend_i32_u (local.get $SW))))
          (i64.mul (i64.extend_i32_u (local.get $KW)) (i64.extend_i32_u (local.get $DW)))) (i64.const 2)))
        (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16)))))
    (local.set $bv (f32x4.splat (local.get $bias)))
    (local.set $dstep (i32.shl (local.get $DW) (i32.const 2)))
    (local.set $iwv (i32x4.splat (local.get $IW)))
    (local.set $dwv (i32x4.splat (local.get $DW)))
    (block $doy (loop $loy
    (br_if $doy (i32.ge_s (local.get $oy) (local.get $OH)))
    (local.set $base (i32.sub (i32.mul (local.get $oy) (local.get $SH)) (local.get $PH)))
    (local.set $kylo (call $lo (local.get $base) (local.get $DH) (local.get $KH)))
    (local.set $kyhi (call $smax (local.get $kylo) (call $hi (local.get $base) (local.get $DH) (local.get $IH) (local.get $KH))))
    (if (i32.gt_u (local.get $SW) (i32.const 2)) (then
      (call $dwRow (local.get $g) (local.get $q) (local.get $plane) (local.get $wc) (local.get $bias)
        (local.get $base) (local.get $kylo) (local.get $kyhi) (i32.const 0) (local.get $OW))
      (local.set $ox (local.get $OW))))
    (block $dx (loop $lx
      (br_if $dx (i32.gt_s (i32.add (local.get $ox) (i32.const 4)) (local.get $OW)))
      (block $next
        ;; 8 interior outputs: two accumulators share each weight.
        (if (i32.and (i32.ge_s (local.get $ox) (local.get $xlo)) (i32.le_s (i32.add (local.get $ox) (i32.const 8)) (local.get $xhi))) (then
          (local.set $acc (local.get $bv))
          (local.set $acc1 (local.get $bv))
          (local.set $ky (local.get $kylo))
          (block $dy (loop $ly
            (br_if $dy (i32.ge_s (local.get $ky) (local.get $kyhi)))
            (local.set $p (i32.add (local.get $plane) (i32.shl (i32.sub (i32.add (i32.mul
              (i32.add (local.get $base) (i32.mul (local.get $ky) (local.get $DH))) (local.get $IW))
              (i32.mul (local.get $ox) (local.get $SW))) (local.get $PW)) (i32.const 2))))
            (if (i32.eq (local.get $KW) (i32.const 3)) (then
              ;; KW = 3: the taps unrolled
              (local.set $wr (i32.add (local.get $wc) (i32.mul (local.get $ky) (i32.const 12))))
              (local.set $p1 (i32.add (local.get $p) (local.get $dstep)))
              (local.set $p2 (i32.add (local.get $p1) (local.get $dstep)))
              (if (i32.eq (local.get $SW) (i32.const 1))
                (then
                  (local.set $wv (v128.load32_splat offset=0 (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (v128.load offset=0 (local.get $p)))))
                  (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $wv) (v128.load offset=16 (local.get $p)))))
                  (local.set $wv (v128.load32_splat offset=4 (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (v128.load offset=0 (local.get $p1)))))
                  (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $wv) (v128.load offset=16 (local.get $p1)))))
                  (local.set $wv (v128.load32_splat offset=8 (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (v128.load offset=0 (local.get $p2)))))
                  (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $wv) (v128.load offset=16 (local.get $p2))))))
                (else
                  (local.set $wv (v128.load32_splat offset=0 (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load offset=0 (local.get $p)) (v128.load offset=12 (local.get $p))))))
                  (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $wv) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load offset=32 (local.get $p)) (v128.load offset=44 (local.get $p))))))
                  (local.set $wv (v128.load32_splat offset=4 (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load offset=0 (local.get $p1)) (v128.load offset=12 (local.get $p1))))))
                  (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $wv) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load offset=32 (local.get $p1)) (v128.load offset=44 (local.get $p1))))))
                  (local.set $wv (v128.load32_splat offset=8 (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load offset=0 (local.get $p2)) (v128.load offset=12 (local.get $p2))))))
                  (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $wv) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load offset=32 (local.get $p2)) (v128.load offset=44 (local.get $p2))))))))
              (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
              (br $ly)))
            (local.set $wr (i32.add (local.get $wc) (i32.shl (i32.mul (local.get $ky) (local.get $KW)) (i32.const 2))))
            (local.set $pend (i32.add (local.get $wr) (i32.shl (local.get $KW) (i32.const 2))))
            (if (i32.eq (local.get $SW) (i32.const 1))
              (then
                (loop $lk
                  (local.set $wv (v128.load32_splat (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (v128.load (local.get $p)))))
                  (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $wv) (v128.load offset=16 (local.get $p)))))
                  (local.set $p (i32.add (local.get $p) (local.get $dstep)))
                  (local.set $wr (i32.add (local.get $wr) (i32.const 4)))
                  (br_if $lk (i32.lt_u (local.get $wr) (local.get $pend)))))
              (else
                (loop $lk
                  (local.set $wv (v128.load32_splat (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv)
                    (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load (local.get $p)) (v128.load offset=12 (local.get $p))))))
                  (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $wv)
                    (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load offset=32 (local.get $p)) (v128.load offset=44 (local.get $p))))))
                  (local.set $p (i32.add (local.get $p) (local.get $dstep)))
                  (local.set $wr (i32.add (local.get $wr) (i32.const 4)))
                  (br_if $lk (i32.lt_u (local.get $wr) (local.get $pend))))))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $ly)))
          (v128.store (i32.add (local.get $q) (i32.shl (local.get $ox) (i32.const 2)))
            (if (result v128) (i32.eq (local.get $op) (i32.const 8)) (then (f32x4.min (f32x4.max (local.get $acc) (local.get $av)) (local.get $bt))) (else (call $actv (local.get $acc) (local.get $op) (local.get $alpha) (local.get $beta)))))
          (v128.store offset=16 (i32.add (local.get $q) (i32.shl (local.get $ox) (i32.const 2)))
            (if (result v128) (i32.eq (local.get $op) (i32.const 8)) (then (f32x4.min (f32x4.max (local.get $acc1) (local.get $av)) (local.get $bt))) (else (call $actv (local.get $acc1) (local.get $op) (local.get $alpha) (local.get $beta)))))
          (local.set $ox (i32.add (local.get $ox) (i32.const 8)))
          (br $next)))
        ;; 4 interior outputs
        (if (i32.and (i32.ge_s (local.get $ox) (local.get $xlo)) (i32.le_s (i32.add (local.get $ox) (i32.const 4)) (local.get $xhi))) (then
          (local.set $acc (local.get $bv))
          (local.set $ky (local.get $kylo))
          (block $dy (loop $ly
            (br_if $dy (i32.ge_s (local.get $ky) (local.get $kyhi)))
            (local.set $p (i32.add (local.get $plane) (i32.shl (i32.sub (i32.add (i32.mul
              (i32.add (local.get $base) (i32.mul (local.get $ky) (local.get $DH))) (local.get $IW))
              (i32.mul (local.get $ox) (local.get $SW))) (local.get $PW)) (i32.const 2))))
            (if (i32.eq (local.get $KW) (i32.const 3)) (then
              ;; KW = 3: the taps unrolled
              (local.set $wr (i32.add (local.get $wc) (i32.mul (local.get $ky) (i32.const 12))))
              (local.set $p1 (i32.add (local.get $p) (local.get $dstep)))
              (local.set $p2 (i32.add (local.get $p1) (local.get $dstep)))
              (if (i32.eq (local.get $SW) (i32.const 1))
                (then
                  (local.set $wv (v128.load32_splat offset=0 (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (v128.load offset=0 (local.get $p)))))
                  (local.set $wv (v128.load32_splat offset=4 (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (v128.load offset=0 (local.get $p1)))))
                  (local.set $wv (v128.load32_splat offset=8 (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (v128.load offset=0 (local.get $p2))))))
                (else
                  (local.set $wv (v128.load32_splat offset=0 (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load offset=0 (local.get $p)) (v128.load offset=12 (local.get $p))))))
                  (local.set $wv (v128.load32_splat offset=4 (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load offset=0 (local.get $p1)) (v128.load offset=12 (local.get $p1))))))
                  (local.set $wv (v128.load32_splat offset=8 (local.get $wr)))
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $wv) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load offset=0 (local.get $p2)) (v128.load offset=12 (local.get $p2))))))))
              (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
              (br $ly)))
            (local.set $wr (i32.add (local.get $wc) (i32.shl (i32.mul (local.get $ky) (local.get $KW)) (i32.const 2))))
            (local.set $pend (i32.add (local.get $wr) (i32.shl (local.get $KW) (i32.const 2))))
            (if (i32.eq (local.get $SW) (i32.const 1))
              (then
                (loop $lk
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load32_splat (local.get $wr)) (v128.load (local.get $p)))))
                  (local.set $p (i32.add (local.get $p) (local.get $dstep)))
                  (local.set $wr (i32.add (local.get $wr) (i32.const 4)))
                  (br_if $lk (i32.lt_u (local.get $wr) (local.get $pend)))))
              (else
                (loop $lk
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load32_splat (local.get $wr))
                    (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load (local.get $p)) (v128.load offset=12 (local.get $p))))))
                  (local.set $p (i32.add (local.get $p) (local.get $dstep)))
                  (local.set $wr (i32.add (local.get $wr) (i32.const 4)))
                  (br_if $lk (i32.lt_u (local.get $wr) (local.get $pend))))))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $ly)))
          (v128.store (i32.add (local.get $q) (i32.shl (local.get $ox) (i32.const 2)))
            (if (result v128) (i32.eq (local.get $op) (i32.const 8)) (then (f32x4.min (f32x4.max (local.get $acc) (local.get $av)) (local.get $bt))) (else (call $actv (local.get $acc) (local.get $op) (local.get $alpha) (local.get $beta)))))
          (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
          (br $next)))
        ;; 4 edge outputs, lanes masked per tap
        (if (i32.eqz (local.get $masked)) (then
          (call $dwRow (local.get $g) (i32.add (local.get $q) (i32.shl (local.get $ox) (i32.const 2))) (local.get $plane) (local.get $wc) (local.get $bias)
            (local.get $base) (local.get $kylo) (local.get $kyhi) (local.get $ox) (i32.add (local.get $ox) (i32.const 4)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
          (br $next)))
        ;; ix0: the input column of each lane at tap kx = 0
        (local.set $ix0 (i32x4.add (i32x4.splat (i32.sub (i32.mul (local.get $ox) (local.get $SW)) (local.get $PW)))
          (select (v128.const i32x4 0 1 2 3) (v128.const i32x4 0 2 4 6) (i32.eq (local.get $SW) (i32.const 1)))))
        (local.set $acc (local.get $bv))
        ;; KW = 3: the three taps' masks once per block, taps unrolled
        (if (i32.eq (local.get $KW) (i32.const 3)) (then
          (local.set $m0 (v128.and (i32x4.ge_s (local.get $ix0) (v128.const i32x4 0 0 0 0)) (i32x4.lt_s (local.get $ix0) (local.get $iwv))))
          (local.set $ix (i32x4.add (local.get $ix0) (local.get $dwv)))
          (local.set $m1 (v128.and (i32x4.ge_s (local.get $ix) (v128.const i32x4 0 0 0 0)) (i32x4.lt_s (local.get $ix) (local.get $iwv))))
          (local.set $ix (i32x4.add (local.get $ix) (local.get $dwv)))
          (local.set $m2 (v128.and (i32x4.ge_s (local.get $ix) (v128.const i32x4 0 0 0 0)) (i32x4.lt_s (local.get $ix) (local.get $iwv))))
          (local.set $ky (local.get $kylo))
          (block $dy (loop $ly
            (br_if $dy (i32.ge_s (local.get $ky) (local.get $kyhi)))
            (local.set $p (i32.add (local.get $plane) (i32.shl (i32.sub (i32.add (i32.mul
              (i32.add (local.get $base) (i32.mul (local.get $ky) (local.get $DH))) (local.get $IW))
              (i32.mul (local.get $ox) (local.get $SW))) (local.get $PW)) (i32.const 2))))
            (local.set $wr (i32.add (local.get $wc) (i32.mul (local.get $ky) (i32.const 12))))
            (if (i32.eq (local.get $SW) (i32.const 1))
              (then
              (local.set $acc (v128.bitselect
                (f32x4.add (local.get $acc) (f32x4.mul (v128.load32_splat offset=0 (local.get $wr)) (v128.load (i32.add (local.get $p) (i32.const 0)))))
                (local.get $acc) (local.get $m0)))
              (local.set $acc (v128.bitselect
                (f32x4.add (local.get $acc) (f32x4.mul (v128.load32_splat offset=4 (local.get $wr)) (v128.load (i32.add (local.get $p) (local.get $dstep)))))
                (local.get $acc) (local.get $m1)))
              (local.set $acc (v128.bitselect
                (f32x4.add (local.get $acc) (f32x4.mul (v128.load32_splat offset=8 (local.get $wr)) (v128.load (i32.add (local.get $p) (i32.shl (local.get $dstep) (i32.const 1))))))
                (local.get $acc) (local.get $m2))))
              (else
              (local.set $acc (v128.bitselect
                (f32x4.add (local.get $acc) (f32x4.mul (v128.load32_splat offset=0 (local.get $wr)) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load (i32.add (local.get $p) (i32.const 0))) (v128.load offset=12 (i32.add (local.get $p) (i32.const 0))))))
                (local.get $acc) (local.get $m0)))
              (local.set $acc (v128.bitselect
                (f32x4.add (local.get $acc) (f32x4.mul (v128.load32_splat offset=4 (local.get $wr)) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load (i32.add (local.get $p) (local.get $dstep))) (v128.load offset=12 (i32.add (local.get $p) (local.get $dstep))))))
                (local.get $acc) (local.get $m1)))
              (local.set $acc (v128.bitselect
                (f32x4.add (local.get $acc) (f32x4.mul (v128.load32_splat offset=8 (local.get $wr)) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load (i32.add (local.get $p) (i32.shl (local.get $dstep) (i32.const 1)))) (v128.load offset=12 (i32.add (local.get $p) (i32.shl (local.get $dstep) (i32.const 1)))))))
                (local.get $acc) (local.get $m2)))))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $ly)))
          (v128.store (i32.add (local.get $q) (i32.shl (local.get $ox) (i32.const 2)))
            (if (result v128) (i32.eq (local.get $op) (i32.const 8)) (then (f32x4.min (f32x4.max (local.get $acc) (local.get $av)) (local.get $bt))) (else (call $actv (local.get $acc) (local.get $op) (local.get $alpha) (local.get $beta)))))
          (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
          (br $next)))
        (local.set $ky (local.get $kylo))
        (block $dy (loop $ly
          (br_if $dy (i32.ge_s (local.get $ky) (local.get $kyhi)))
          (local.set $p (i32.add (local.get $plane) (i32.shl (i32.sub (i32.add (i32.mul
            (i32.add (local.get $base) (i32.mul (local.get $ky) (local.get $DH))) (local.get $IW))
            (i32.mul (local.get $ox) (local.get $SW))) (local.get $PW)) (i32.const 2))))
          (local.set $wr (i32.add (local.get $wc) (i32.shl (i32.mul (local.get $ky) (local.get $KW)) (i32.const 2))))
          (local.set $pend (i32.add (local.get $wr) (i32.shl (local.get $KW) (i32.const 2))))
          (local.set $ix (local.get $ix0))
          (loop $lk
            (local.set $x (v128.load (local.get $p)))
            (if (i32.ne (local.get $SW) (i32.const 1)) (then
              (local.set $x (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (local.get $x) (v128.load offset=12 (local.get $p))))))
            (local.set $acc (v128.bitselect
              (f32x4.add (local.get $acc) (f32x4.mul (v128.load32_splat (local.get $wr)) (local.get $x)))
              (local.get $acc)
              (v128.and (i32x4.ge_s (local.get $ix) (v128.const i32x4 0 0 0 0)) (i32x4.lt_s (local.get $ix) (local.get $iwv)))))
            (local.set $ix (i32x4.add (local.get $ix) (local.get $dwv)))
            (local.set $p (i32.add (local.get $p) (local.get $dstep)))
            (local.set $wr (i32.add (local.get $wr) (i32.const 4)))
            (br_if $lk (i32.lt_u (local.get $wr) (local.get $pend))))
          (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
          (br $ly)))
        (v128.store (i32.add (local.get $q) (i32.shl (local.get $ox) (i32.const 2)))
          (if (result v128) (i32.eq (local.get $op) (i32.const 8)) (then (f32x4.min (f32x4.max (local.get $acc) (local.get $av)) (local.get $bt))) (else (call $actv (local.get $acc) (local.get $op) (local.get $alpha) (local.get $beta)))))
        (local.set $ox (i32.add (local.get $ox) (i32.const 4))))
      (br $lx)))
    (if (i32.lt_s (local.get $ox) (local.get $OW)) (then
      (call $dwRow (local.get $g) (i32.add (local.get $q) (i32.shl (local.get $ox) (i32.const 2))) (local.get $plane) (local.get $wc) (local.get $bias)
        (local.get $base) (local.get $kylo) (local.get $kyhi) (local.get $ox) (local.get $OW))))
    (local.set $q (i32.add (local.get $q) (i32.shl (local.get $OW) (i32.const 2))))
    (local.set $ox (i32.const 0))
    (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
    (br $loy))))

  ;; poolRowAll computes one row of pool: 4 outputs at a time where the
  ;; whole window row is inside the input (strides above 2 gather the
  ;; lanes), $poolRow elsewhere. A 2×2 max window with stride 2, no
  ;; dilation, both window rows inside the input and every window of the
  ;; row inside it (the max-pool of most CNNs) goes to $maxPool2Row.
  (func $poolRowAll (param $g i32) (param $q i32) (param $plane i32) (param $base i32)
      (param $kylo i32) (param $kyhi i32) (param $ny i32)
    (local $IW i32) (local $OW i32) (local $KW i32) (local $SW i32) (local $DW i32) (local $PW i32) (local $DH i32)
    (local $xlo i32) (local $xhi i32) (local $ox i32) (local $ky i32) (local $p i32) (local $pend i32) (local $dstep i32) (local $sstep i32)
    (local $m v128) (local $s v128) (local $v v128) (local $div v128)
    (local.set $IW (i32.load offset=8 (local.get $g)))
    (local.set $OW (i32.load offset=16 (local.get $g)))
    (local.set $KW (i32.load offset=24 (local.get $g)))
    (local.set $SW (i32.load offset=32 (local.get $g)))
    (local.set $DH (i32.load offset=36 (local.get $g)))
    (local.set $DW (i32.load offset=40 (local.get $g)))
    (local.set $PW (i32.load offset=48 (local.get $g)))
    (if (i32.and
          (i32.and
            (i32.and (i32.and (i32.load offset=60 (local.get $g)) (i32.const 1)) (i32.eq (local.get $KW) (i32.const 2)))
            (i32.and (i32.eq (local.get $SW) (i32.const 2)) (i32.eq (local.get $DW) (i32.const 1))))
          (i32.and
            (i32.and (i32.eqz (local.get $PW)) (i32.eq (local.get $DH) (i32.const 1)))
            (i32.and (i32.eq (i32.sub (local.get $kyhi) (local.get $kylo)) (i32.const 2))
              (i32.le_s (i32.shl (local.get $OW) (i32.const 1)) (local.get $IW)))))
      (then
        (call $maxPool2Row (local.get $q)
          (i32.add (local.get $plane) (i32.shl (i32.mul (i32.add (local.get $base) (local.get $kylo)) (local.get $IW)) (i32.const 2)))
          (i32.shl (local.get $IW) (i32.const 2)) (local.get $OW))
        (return)))
    (local.set $xlo (call $lo (i32.sub (i32.const 0) (local.get $PW)) (local.get $SW) (local.get $OW)))
    (local.set $xhi (call $smax (local.get $xlo) (call $hi
      (i32.sub (i32.mul (i32.sub (local.get $KW) (i32.const 1)) (local.get $DW)) (local.get $PW)) (local.get $SW) (local.get $IW) (local.get $OW))))
    (call $poolRow (local.get $g) (local.get $q) (local.get $plane) (local.get $base)
      (local.get $kylo) (local.get $kyhi) (local.get $ny) (i32.const 0) (local.get $xlo))
    (local.set $div (f32x4.splat (f32.convert_i32_s (i32.mul (local.get $ny) (local.get $KW)))))
    (local.set $dstep (i32.shl (local.get $DW) (i32.const 2)))
    (local.set $sstep (i32.shl (local.get $SW) (i32.const 2)))
    (local.set $ox (local.get $xlo))
    (block $dx (loop $lx
      (br_if $dx (i32.gt_s (i32.add (local.get $ox) (i32.const 4)) (local.get $xhi)))
      (local.set $m (v128.const f32x4 -inf -inf -inf -inf))
      (local.set $s (v128.const i32x4 0 0 0 0))
      (local.set $ky (local.get $kylo))
      (block $dy (loop $ly
        (br_if $dy (i32.ge_s (local.get $ky) (local.get $kyhi)))
        (local.set $p (i32.add (local.get $plane) (i32.shl (i32.sub (i32.add (i32.mul
          (i32.add (local.get $base) (i32.mul (local.get $ky) (local.get $DH))) (local.get $IW))
          (i32.mul (local.get $ox) (local.get $SW))) (local.get $PW)) (i32.const 2))))
        (local.set $pend (i32.add (local.get $p) (i32.mul (local.get $KW) (local.get $dstep))))
        (if (i32.eq (local.get $SW) (i32.const 1))
          (then
            (loop $lk
              (local.set $v (v128.load (local.get $p)))
              (local.set $m (f32x4.max (local.get $m) (local.get $v)))
              (local.set $s (f32x4.add (local.get $s) (local.get $v)))
              (local.set $p (i32.add (local.get $p) (local.get $dstep)))
              (br_if $lk (i32.ne (local.get $p) (local.get $pend)))))
          (else (if (i32.eq (local.get $SW) (i32.const 2))
            (then
              (loop $lk
                (local.set $v (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31 (v128.load (local.get $p)) (v128.load offset=12 (local.get $p))))
                (local.set $m (f32x4.max (local.get $m) (local.get $v)))
                (local.set $s (f32x4.add (local.get $s) (local.get $v)))
                (local.set $p (i32.add (local.get $p) (local.get $dstep)))
                (br_if $lk (i32.ne (local.get $p) (local.get $pend)))))
            (else
              ;; strides above 2: the four lanes gathered one by one (the
              ;; positions the scalar code reads, no others)
              (loop $lk
                (local.set $v (f32x4.replace_lane 3 (f32x4.replace_lane 2 (f32x4.replace_lane 1
                  (f32x4.splat (f32.load (local.get $p)))
                  (f32.load (i32.add (local.get $p) (local.get $sstep))))
                  (f32.load (i32.add (local.get $p) (i32.shl (local.get $sstep) (i32.const 1)))))
                  (f32.load (i32.add (local.get $p) (i32.mul (local.get $sstep) (i32.const 3))))))
                (local.set $m (f32x4.max (local.get $m) (local.get $v)))
                (local.set $s (f32x4.add (local.get $s) (local.get $v)))
                (local.set $p (i32.add (local.get $p) (local.get $dstep)))
                (br_if $lk (i32.ne (local.get $p) (local.get $pend))))))))
        (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
        (br $ly)))
      (if (i32.and (i32.load offset=60 (local.get $g)) (i32.const 1))
        (then (v128.store (i32.add (local.get $q) (i32.shl (local.get $ox) (i32.const 2))) (local.get $m)))
        (else (v128.store (i32.add (local.get $q) (i32.shl (local.get $ox) (i32.const 2))) (f32x4.div (local.get $s) (local.get $div)))))
      (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
      (br $lx)))
    (call $poolRow (local.get $g) (i32.add (local.get $q) (i32.shl (local.get $ox) (i32.const 2))) (local.get $plane) (local.get $base)
      (local.get $kylo) (local.get $kyhi) (local.get $ny) (local.get $ox) (local.get $OW)))

  ;; maxPool2Row writes n outputs at q, output i the largest of r[2i],
  ;; r[2i+1] and the same two a row below (rstep bytes on): 4 outputs from
  ;; two loads of each row, the rows' larger lanes and then the larger of
  ;; the even and odd lanes. f32.max is the same in any order (NaN wins,
  ;; -0 < +0), so these are $poolRow's bits.
  (func $maxPool2Row (param $q i32) (param $r i32) (param $rstep i32) (param $n i32)
    (local $end i32) (local $a v128) (local $b v128)
    (local.set $end (i32.add (local.get $q) (i32.shl (local.get $n) (i32.const 2))))
    (block $d4 (loop $l4
      (br_if $d4 (i32.gt_u (i32.add (local.get $q) (i32.const 16)) (local.get $end)))
      (local.set $a (f32x4.max (v128.load (local.get $r)) (v128.load (i32.add (local.get $r) (local.get $rstep)))))
      (local.set $b (f32x4.max (v128.load offset=16 (local.get $r)) (v128.load offset=16 (i32.add (local.get $r) (local.get $rstep)))))
      (v128.store (local.get $q) (f32x4.max
        (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a) (local.get $b))
        (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a) (local.get $b))))
      (local.set $q (i32.add (local.get $q) (i32.const 16)))
      (local.set $r (i32.add (local.get $r) (i32.const 32)))
      (br $l4)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $q) (local.get $end)))
      (f32.store (local.get $q) (f32.max
        (f32.max (f32.load (local.get $r)) (f32.load offset=4 (local.get $r)))
        (f32.max (f32.load (i32.add (local.get $r) (local.get $rstep))) (f32.load offset=4 (i32.add (local.get $r) (local.get $rstep))))))
      (local.set $q (i32.add (local.get $q) (i32.const 4)))
      (local.set $r (i32.add (local.get $r) (i32.const 8)))
      (br $l1))))

  ;; act: dst[i] = act1(x[i]), i < n; dst may be x. Four at a time: ReLU
  ;; and Clip inline, the other ops through $actv; the tail through $act1.
  (func $act (param $dst i32) (param $x i32) (param $n i32) (param $op i32) (param $alpha f32) (param $beta f32)
    (local $end i32) (local $v v128) (local $a v128) (local $b v128)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $a (f32x4.splat (local.get $alpha)))
    (local.set $b (f32x4.splat (local.get $beta)))
    (block $d4
      (if (i32.eq (local.get $op) (i32.const 1)) (then
        (loop $l4
          (br_if $d4 (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
          (local.set $v (v128.load (local.get $x)))
          (v128.store (local.get $dst) (v128.andnot (local.get $v) (f32x4.lt (local.get $v) (v128.const i32x4 0 0 0 0))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br $l4))))
      (if (i32.eq (local.get $op) (i32.const 2)) (then
        ;; LeakyReLU inline (the CNNs' activation after each convolution)
        (loop $l4
          (br_if $d4 (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
          (local.set $v (v128.load (local.get $x)))
          (v128.store (local.get $dst) (v128.bitselect (f32x4.mul (local.get $a) (local.get $v)) (local.get $v)
            (f32x4.lt (local.get $v) (v128.const i32x4 0 0 0 0))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br $l4))))
      (if (i32.eq (local.get $op) (i32.const 8)) (then
        (loop $l4
          (br_if $d4 (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
          (v128.store (local.get $dst) (f32x4.min (f32x4.max (v128.load (local.get $x)) (local.get $a)) (local.get $b)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br $l4))))
      (loop $l4
        (br_if $d4 (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $dst) (call $actv (v128.load (local.get $x)) (local.get $op) (local.get $alpha) (local.get $beta)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $l4)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $dst) (local.get $end)))
      (f32.store (local.get $dst) (call $act1 (f32.load (local.get $x)) (local.get $op) (local.get $alpha) (local.get $beta)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (br $l))))

  ;; copy4 copies n bytes (a multiple of 4) from src to dst, which do not
  ;; overlap, 16 at a time, then 4 (v128 loops: the module needs SIMD
  ;; and no other feature, not bulk memory).
  (func $copy4 (param $dst i32) (param $src i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (local.get $n)))
    (block $d16 (loop $l16
      (br_if $d16 (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $dst) (v128.load (local.get $src)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br $l16)))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $dst) (local.get $end)))
      (i32.store (local.get $dst) (i32.load (local.get $src)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (br $l4))))

  ;; zero4 sets n bytes (a multiple of 4) at dst to 0, 16 at a time, then 4.
  (func $zero4 (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (local.get $n)))
    (block $d16 (loop $l16
      (br_if $d16 (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $dst) (v128.const i32x4 0 0 0 0))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br $l16)))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $dst) (local.get $end)))
      (i32.store (local.get $dst) (i32.const 0))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (br $l4))))

  ;; im2colRows writes the OH rows of one (ic, ky, kx) row of im2col_conv
  ;; at q: input row oy*SH + yoff; in each row, 0 for ox < lo and ox >= hi,
  ;; else the input at (ox*SW + off). One call per OH rows, not per row.
  (func $im2colRows (param $q i32) (param $src i32) (param $g i32) (param $yoff i32) (param $off i32) (param $lo i32) (param $hi i32)
    (local $IH i32) (local $IW i32) (local $OH i32) (local $OW i32) (local $SH i32) (local $SW i32) (local $oy i32) (local $iy i32)
    (local $s i32) (local $p i32) (local $e i32) (local $step i32) (local $rowend i32)
    (local.set $IH (i32.load offset=4 (local.get $g)))
    (local.set $IW (i32.load offset=8 (local.get $g)))
    (local.set $OH (i32.load offset=12 (local.get $g)))
    (local.set $OW (i32.load offset=16 (local.get $g)))
    (local.set $SH (i32.load offset=28 (local.get $g)))
    (local.set $SW (i32.load offset=32 (local.get $g)))
    (local.set $step (i32.shl (local.get $SW) (i32.const 2)))
    ;; Unit strides and rows as long as the input's (1×k, k×1 and 1-D
    ;; convolutions that keep the width): the rows inside the input are
    ;; one run of the input, copied at once, then each row's padding
    ;; columns set back to 0; the rows outside are zeros.
    (if (i32.and (i32.and (i32.eq (local.get $SW) (i32.const 1)) (i32.eq (local.get $SH) (i32.const 1)))
          (i32.eq (local.get $OW) (local.get $IW))) (then
      ;; rows [oy, e) are inside the input
      (local.set $oy (call $smax (i32.const 0) (i32.sub (i32.const 0) (local.get $yoff))))
      (local.set $e (call $smax (local.get $oy) (select (local.get $OH) (i32.sub (local.get $IH) (local.get $yoff))
        (i32.lt_s (local.get $OH) (i32.sub (local.get $IH) (local.get $yoff))))))
      (if (i32.gt_s (local.get $oy) (local.get $OH)) (then (local.set $oy (local.get $OH)) (local.set $e (local.get $OH))))
      (local.set $rowend (i32.shl (local.get $OW) (i32.const 2)))
      (call $zero4 (local.get $q) (i32.mul (local.get $oy) (local.get $rowend)))
      (call $zero4 (i32.add (local.get $q) (i32.mul (local.get $e) (local.get $rowend)))
        (i32.mul (i32.sub (local.get $OH) (local.get $e)) (local.get $rowend)))
      (if (i32.le_s (local.get $e) (local.get $oy)) (then (return)))
      (if (i32.le_s (local.get $hi) (local.get $lo)) (then
        (call $zero4 (i32.add (local.get $q) (i32.mul (local.get $oy) (local.get $rowend)))
          (i32.mul (i32.sub (local.get $e) (local.get $oy)) (local.get $rowend)))
        (return)))
      (call $copy4
        (i32.add (local.get $q) (i32.shl (i32.add (i32.mul (local.get $oy) (local.get $OW)) (local.get $lo)) (i32.const 2)))
        (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (i32.add (local.get $oy) (local.get $yoff)) (local.get $IW))
          (i32.add (local.get $lo) (local.get $off))) (i32.const 2)))
        (i32.shl (i32.add (i32.mul (i32.sub (i32.sub (local.get $e) (local.get $oy)) (i32.const 1)) (local.get $OW))
          (i32.sub (local.get $hi) (local.get $lo))) (i32.const 2)))
      (if (i32.or (i32.gt_s (local.get $lo) (i32.const 0)) (i32.lt_s (local.get $hi) (local.get $OW))) (then
        (local.set $q (i32.add (local.get $q) (i32.mul (local.get $oy) (local.get $rowend))))
        (block $dz (loop $lz
          (br_if $dz (i32.ge_s (local.get $oy) (local.get $e)))
          (local.set $p (local.get $q))
          (local.set $s (i32.add (local.get $q) (i32.shl (local.get $lo) (i32.const 2))))
          (block $d (loop $l
            (br_if $d (i32.ge_u (local.get $p) (local.get $s)))
            (i32.store (local.get $p) (i32.const 0))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $l)))
          (local.set $p (i32.add (local.get $q) (i32.shl (local.get $hi) (i32.const 2))))
          (local.set $q (i32.add (local.get $q) (local.get $rowend)))
          (block $d (loop $l
            (br_if $d (i32.ge_u (local.get $p) (local.get $q)))
            (i32.store (local.get $p) (i32.const 0))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $l)))
          (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
          (br $lz)))))
      (return)))
    (block $doy (loop $loy
      (br_if $doy (i32.ge_s (local.get $oy) (local.get $OH)))
      (local.set $iy (i32.add (i32.mul (local.get $oy) (local.get $SH)) (local.get $yoff)))
      (local.set $rowend (i32.add (local.get $q) (i32.shl (local.get $OW) (i32.const 2))))
      (local.set $p (local.get $q))
      (if (i32.lt_u (local.get $iy) (local.get $IH)) (then
        ;; zeros before lo
        (local.set $e (i32.add (local.get $q) (i32.shl (local.get $lo) (i32.const 2))))
        (block $d (loop $l
          (br_if $d (i32.ge_u (local.get $p) (local.get $e)))
          (i32.store (local.get $p) (i32.const 0))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $l)))
        ;; the input, 4 at a time
        (local.set $s (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $iy) (local.get $IW))
          (i32.add (i32.mul (local.get $lo) (local.get $SW)) (local.get $off))) (i32.const 2))))
        (local.set $e (i32.add (local.get $q) (i32.shl (local.get $hi) (i32.const 2))))
        (if (i32.eq (local.get $SW) (i32.const 1)) (then
          (block $d4 (loop $l4
            (br_if $d4 (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $e)))
            (v128.store (local.get $p) (v128.load (local.get $s)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (br $l4)))
          ;; the last 1 to 3 values: one more vector ending at hi, over
          ;; values just written (the same ones again), when hi-lo >= 4
          (if (i32.and (i32.lt_u (local.get $p) (local.get $e))
                (i32.ge_s (i32.sub (local.get $hi) (local.get $lo)) (i32.const 4))) (then
            (v128.store (i32.sub (local.get $e) (i32.const 16))
              (v128.load (i32.sub (i32.add (local.get $s) (i32.sub (local.get $e) (local.get $p))) (i32.const 16))))
            (local.set $p (local.get $e))))))
        (if (i32.eq (local.get $SW) (i32.const 2)) (then
          (block $d4 (loop $l4
            (br_if $d4 (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $e)))
            (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 8 9 10 11 20 21 22 23 28 29 30 31
              (v128.load (local.get $s)) (v128.load offset=12 (local.get $s))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $s (i32.add (local.get $s) (i32.const 32)))
            (br $l4)))))
        (if (i32.gt_u (local.get $SW) (i32.const 2)) (then
          ;; strides above 2: four lanes gathered one by one (as bits)
          (block $d4 (loop $l4
            (br_if $d4 (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $e)))
            (v128.store (local.get $p) (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1
              (i32x4.splat (i32.load (local.get $s)))
              (i32.load (i32.add (local.get $s) (local.get $step))))
              (i32.load (i32.add (local.get $s) (i32.shl (local.get $step) (i32.const 1)))))
              (i32.load (i32.add (local.get $s) (i32.mul (local.get $step) (i32.const 3))))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $s (i32.add (local.get $s) (i32.shl (local.get $step) (i32.const 2))))
            (br $l4)))))
        (block $d (loop $l
          (br_if $d (i32.ge_u (local.get $p) (local.get $e)))
          (i32.store (local.get $p) (i32.load (local.get $s)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (local.set $s (i32.add (local.get $s) (local.get $step)))
          (br $l)))))
      ;; zeros to the end of the row (all of it in a padding row)
      (block $d4 (loop $l4
        (br_if $d4 (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $rowend)))
        (v128.store (local.get $p) (v128.const i32x4 0 0 0 0))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $l4)))
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $p) (local.get $rowend)))
        (i32.store (local.get $p) (i32.const 0))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $l)))
      (local.set $q (local.get $rowend))
      (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
      (br $loy))))

  ;; ---- Quantized weights (kernels/quant.go). a holds int8 (one byte) or
  ;; fp16 (two bytes) values; x, b, c, scale and bias are float32. The
  ;; weights are widened in registers (int8 → i16 → i32 → f32; fp16 bits →
  ;; f32 by the same exact rule as h2f), never in memory.

  ;; h2f converts fp16 bits to float32 (see scalar.wat).
  (func $h2f (param $h i32) (result f32)
    (f32.reinterpret_i32 (i32.or
      (i32.reinterpret_f32 (f32.mul
        (f32.reinterpret_i32 (i32.shl (i32.and (local.get $h) (i32.const 0x7fff)) (i32.const 13)))
        (f32.const 0x1p+112)))
      (i32.shl (i32.and (local.get $h) (i32.const 0x8000)) (i32.const 16)))))

  ;; h2f4 is h2f on four lanes of i32 holding fp16 bits.
  (func $h2f4 (param $h v128) (result v128)
    (v128.or
      (f32x4.mul
        (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13))
        (v128.const f32x4 0x1p+112 0x1p+112 0x1p+112 0x1p+112))
      (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))

  ;; i8f4 converts the low four int8 lanes of v to float32.
  (func $i8f4 (param $v v128) (result v128)
    (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v)))))

  ;; q8gemv: y[i] = s * scale[i] (+ b[i]). s sums in 16 lanes: four
  ;; accumulators over 16 values per step, added (A0+A1)+(A2+A3); then 4
  ;; values per step into that sum; then hsum; then one value at a time.
  (func $q8gemv (param $y i32) (param $a i32) (param $scale i32) (param $x i32) (param $b i32) (param $m i32) (param $n i32)
    (local $i i32) (local $ap i32) (local $aend i32) (local $xp i32) (local $s f32) (local $v f32)
    (local $lo v128) (local $hi v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $ap (local.get $a))
        (local.set $aend (i32.add (local.get $a) (local.get $n)))
        (local.set $xp (local.get $x))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (block $d16
          (loop $l16
            (br_if $d16 (i32.gt_u (i32.add (local.get $ap) (i32.const 16)) (local.get $aend)))
            ;; two sign-extending loads of 8 weights (no shuffle for the high half)
            (local.set $lo (v128.load8x8_s (local.get $ap)))
            (local.set $hi (v128.load8x8_s offset=8 (local.get $ap)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $lo))) (v128.load (local.get $xp)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul
              (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $lo))) (v128.load offset=16 (local.get $xp)))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul
              (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $hi))) (v128.load offset=32 (local.get $xp)))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul
              (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $hi))) (v128.load offset=48 (local.get $xp)))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 64)))
            (br $l16)))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
        (block $d4
          (loop $l4
            (br_if $d4 (i32.gt_u (i32.add (local.get $ap) (i32.const 4)) (local.get $aend)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (call $i8f4 (v128.load32_zero (local.get $ap))) (v128.load (local.get $xp)))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
            (br $l4)))
        (local.set $s (call $hsum (local.get $a0)))
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_u (local.get $ap) (local.get $aend)))
            (local.set $s (f32.add (local.get $s)
              (f32.mul (f32.convert_i32_s (i32.load8_s (local.get $ap))) (f32.load (local.get $xp)))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 1)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
            (br $l1)))
        (local.set $v (f32.mul (local.get $s) (f32.load (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 2))))))
        (if (local.get $b) (then
          (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))))))
        (f32.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))) (local.get $v))
        (local.set $a (local.get $aend))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; f16gemv: y[i] = (b[i] or 0) + s. s sums in 8 lanes: two accumulators
  ;; over 8 values per step, added; then 4 per step; then hsum; then one at
  ;; a time.
  (func $f16gemv (param $y i32) (param $a i32) (param $x i32) (param $b i32) (param $m i32) (param $n i32)
    (local $i i32) (local $ap i32) (local $aend i32) (local $xp i32) (local $s f32) (local $v f32)
    (local $w v128) (local $a0 v128) (local $a1 v128) (local $hv v128)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $ap (local.get $a))
        (local.set $aend (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 1))))
        (local.set $xp (local.get $x))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (block $d8
          (loop $l8
            (br_if $d8 (i32.gt_u (i32.add (local.get $ap) (i32.const 16)) (local.get $aend)))
            (local.set $w (v128.load (local.get $ap)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (v128.or (f32x4.mul (i32x4.shl (v128.and (local.tee $hv (i32x4.extend_low_i16x8_u (local.get $w))) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p+112 0x1p+112 0x1p+112 0x1p+112)) (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))) (v128.load (local.get $xp)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul
              (v128.or (f32x4.mul (i32x4.shl (v128.and (local.tee $hv (i32x4.extend_high_i16x8_u (local.get $w))) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p+112 0x1p+112 0x1p+112 0x1p+112)) (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))) (v128.load offset=16 (local.get $xp)))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 32)))
            (br $l8)))
        (local.set $a0 (f32x4.add (local.get $a0) (local.get $a1)))
        (if (i32.le_u (i32.add (local.get $ap) (i32.const 8)) (local.get $aend)) (then
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
            (v128.or (f32x4.mul (i32x4.shl (v128.and (local.tee $hv (i32x4.extend_low_i16x8_u (v128.load64_zero (local.get $ap)))) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p+112 0x1p+112 0x1p+112 0x1p+112)) (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))) (v128.load (local.get $xp)))))
          (local.set $ap (i32.add (local.get $ap) (i32.const 8)))
          (local.set $xp (i32.add (local.get $xp) (i32.const 16)))))
        (local.set $s (call $hsum (local.get $a0)))
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_u (local.get $ap) (local.get $aend)))
            (local.set $s (f32.add (local.get $s)
              (f32.mul (call $h2f (i32.load16_u (local.get $ap))) (f32.load (local.get $xp)))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 2)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
            (br $l1)))
        (local.set $v (f32.const 0))
        (if (local.get $b) (then
          (local.set $v (f32.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2)))))))
        (f32.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))) (f32.add (local.get $v) (local.get $s)))
        (local.set $a (local.get $aend))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; q8gemm: c (m×n) = scale ⊙ (a (m×k int8) · b (k×n)) (+ bias). Each value
  ;; sums a[i,p]*b[p,j] from 0 in the order p = 0, 1, ... (16 columns at a
  ;; time in four registers, then 4, then one), then is scaled, then gets
  ;; its bias: the same bits as Go.
  (func $q8gemm (param $c i32) (param $a i32) (param $scale i32) (param $b i32) (param $bias i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $j i32) (local $row i32) (local $hasb i32) (local $sp i32) (local $bv0 v128) (local $bv1 v128)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $hasb (i32.ne (local.get $bias) (i32.const 0)))
    (block $done
      (loop $pairs
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $m)))
        (local.set $sp (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 2))))
        (if (local.get $hasb) (then
          (local.set $bv0 (v128.load32_splat (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))
          (local.set $bv1 (v128.load32_splat offset=4 (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $j (call $q8gemmPair (local.get $c) (local.get $a)
          (v128.load32_splat (local.get $sp)) (v128.load32_splat offset=4 (local.get $sp))
          (local.get $bv0) (local.get $bv1) (local.get $hasb) (local.get $b) (local.get $k) (local.get $n)))
        ;; the columns left over, one row at a time
        (call $q8gemmRows (local.get $c) (local.get $a) (local.get $scale) (local.get $b) (local.get $bias)
          (i32.add (local.get $i) (i32.const 2)) (local.get $k) (local.get $n) (local.get $i) (local.get $j))
        (local.set $c (i32.add (local.get $c) (i32.shl (local.get $row) (i32.const 1))))
        (local.set $a (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_u (local.get $i) (local.get $m)) (then
      (call $q8gemmRows (local.get $c) (local.get $a) (local.get $scale) (local.get $b) (local.get $bias)
        (local.get $m) (local.get $k) (local.get $n) (local.get $i) (i32.const 0)))))

  ;; q8gemmRows is q8gemm for rows [i0, m) (c and a at row i0) from column
  ;; byte offset jstart: 16 columns at a time in four registers, then 4,
  ;; then one.
  (func $q8gemmRows (param $c i32) (param $a i32) (param $scale i32) (param $b i32) (param $bias i32) (param $m i32) (param $k i32) (param $n i32) (param $i0 i32) (param $jstart i32)
    (local $i i32) (local $row i32) (local $j i32) (local $p i32) (local $bp i32)
    (local $sc v128) (local $bv v128) (local $wv v128) (local $hasb i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $i (local.get $i0))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $sc (v128.load32_splat (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $hasb (i32.ne (local.get $bias) (i32.const 0)))
        (if (local.get $hasb) (then
          (local.set $bv (v128.load32_splat (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $j (local.get $jstart))
        (block $d16
          (loop $l16
            (br_if $d16 (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $row)))
            (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (local.get $a0))
            (local.set $a2 (local.get $a0)) (local.set $a3 (local.get $a0))
            (local.set $p (i32.const 0))
            (local.set $bp (i32.add (local.get $b) (local.get $j)))
            (block $pd
              (loop $pl
                (br_if $pd (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $wv (f32x4.splat (f32.convert_i32_s (i32.load8_s (i32.add (local.get $a) (local.get $p))))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $wv) (v128.load (local.get $bp)))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $wv) (v128.load offset=16 (local.get $bp)))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $wv) (v128.load offset=32 (local.get $bp)))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $wv) (v128.load offset=48 (local.get $bp)))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $bp (i32.add (local.get $bp) (local.get $row)))
                (br $pl)))
            (local.set $a0 (f32x4.mul (local.get $a0) (local.get $sc)))
            (local.set $a1 (f32x4.mul (local.get $a1) (local.get $sc)))
            (local.set $a2 (f32x4.mul (local.get $a2) (local.get $sc)))
            (local.set $a3 (f32x4.mul (local.get $a3) (local.get $sc)))
            (if (local.get $hasb) (then
              (local.set $a0 (f32x4.add (local.get $a0) (local.get $bv)))
              (local.set $a1 (f32x4.add (local.get $a1) (local.get $bv)))
              (local.set $a2 (f32x4.add (local.get $a2) (local.get $bv)))
              (local.set $a3 (f32x4.add (local.get $a3) (local.get $bv)))))
            (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $a0))
            (v128.store offset=16 (i32.add (local.get $c) (local.get $j)) (local.get $a1))
            (v128.store offset=32 (i32.add (local.get $c) (local.get $j)) (local.get $a2))
            (v128.store offset=48 (i32.add (local.get $c) (local.get $j)) (local.get $a3))
            (local.set $j (i32.add (local.get $j) (i32.const 64)))
            (br $l16)))
        (block $d4
          (loop $l4
            (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $row)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $p (i32.const 0))
            (local.set $bp (i32.add (local.get $b) (local.get $j)))
            (block $pd
              (loop $pl
                (br_if $pd (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
                  (f32x4.splat (f32.convert_i32_s (i32.load8_s (i32.add (local.get $a) (local.get $p))))) (v128.load (local.get $bp)))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $bp (i32.add (local.get $bp) (local.get $row)))
                (br $pl)))
            (local.set $a0 (f32x4.mul (local.get $a0) (local.get $sc)))
            (if (local.get $hasb) (then
              (local.set $a0 (f32x4.add (local.get $a0) (local.get $bv)))))
            (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $a0))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $l4)))
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_u (local.get $j) (local.get $row)))
            (local.set $s (f32.const 0))
            (local.set $p (i32.const 0))
            (local.set $bp (i32.add (local.get $b) (local.get $j)))
            (block $pd
              (loop $pl
                (br_if $pd (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $s (f32.add (local.get $s) (f32.mul
                  (f32.convert_i32_s (i32.load8_s (i32.add (local.get $a) (local.get $p)))) (f32.load (local.get $bp)))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $bp (i32.add (local.get $bp) (local.get $row)))
                (br $pl)))
            (local.set $s (f32.mul (local.get $s) (f32x4.extract_lane 0 (local.get $sc))))
            (if (local.get $hasb) (then
              (local.set $s (f32.add (local.get $s) (f32x4.extract_lane 0 (local.get $bv))))))
            (f32.store (i32.add (local.get $c) (local.get $j)) (local.get $s))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $l1)))
        (local.set $c (i32.add (local.get $c) (local.get $row)))
        (local.set $a (i32.add (local.get $a) (local.get $k)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; q8gemmPair computes columns [0, j) of rows c and c+n of q8gemm, 16 at
  ;; a time (two rows share each load of b, eight registers), scaled and
  ;; with their biases, and returns j (in bytes): the columns it did not do.
  (func $q8gemmPair (param $c i32) (param $a i32) (param $sc0 v128) (param $sc1 v128) (param $b0v v128) (param $b1v v128)
    (param $hasb i32) (param $b i32) (param $k i32) (param $n i32) (result i32)
    (local $row i32) (local $j i32) (local $bp i32) (local $p i32) (local $c2 i32) (local $a2 i32)
    (local $w0 v128) (local $w1 v128) (local $x0 v128) (local $x1 v128) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (local $q0 v128) (local $q1 v128) (local $q2 v128) (local $q3 v128)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $c2 (i32.add (local.get $c) (local.get $row)))
    (local.set $a2 (i32.add (local.get $a) (local.get $k)))
    (block $d16
      (loop $l16
        (br_if $d16 (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $row)))
        (local.set $p0 (v128.const i32x4 0 0 0 0)) (local.set $p1 (local.get $p0))
        (local.set $p2 (local.get $p0)) (local.set $p3 (local.get $p0))
        (local.set $q0 (local.get $p0)) (local.set $q1 (local.get $p0))
        (local.set $q2 (local.get $p0)) (local.set $q3 (local.get $p0))
        (local.set $p (i32.const 0))
        (local.set $bp (i32.add (local.get $b) (local.get $j)))
        ;; four k at a time: their int8 weights of both rows converted in
        ;; one register each, then each splat by a shuffle (the same
        ;; products, added in the same order)
        (block $pd4
          (loop $pl4
            (br_if $pd4 (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $k)))
            (local.set $w0 (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (i32.add (local.get $a) (local.get $p)))))))
            (local.set $w1 (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero (i32.add (local.get $a2) (local.get $p)))))))
            (local.set $x0 (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $w0) (local.get $w0)))
            (local.set $x1 (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $w1) (local.get $w1)))
            (local.set $v0 (v128.load (local.get $bp)))
            (local.set $v1 (v128.load offset=16 (local.get $bp)))
            (local.set $v2 (v128.load offset=32 (local.get $bp)))
            (local.set $v3 (v128.load offset=48 (local.get $bp)))
            (local.set $p0 (f32x4.add (local.get $p0) (f32x4.mul (local.get $x0) (local.get $v0))))
            (local.set $p1 (f32x4.add (local.get $p1) (f32x4.mul (local.get $x0) (local.get $v1))))
            (local.set $p2 (f32x4.add (local.get $p2) (f32x4.mul (local.get $x0) (local.get $v2))))
            (local.set $p3 (f32x4.add (local.get $p3) (f32x4.mul (local.get $x0) (local.get $v3))))
            (local.set $q0 (f32x4.add (local.get $q0) (f32x4.mul (local.get $x1) (local.get $v0))))
            (local.set $q1 (f32x4.add (local.get $q1) (f32x4.mul (local.get $x1) (local.get $v1))))
            (local.set $q2 (f32x4.add (local.get $q2) (f32x4.mul (local.get $x1) (local.get $v2))))
            (local.set $q3 (f32x4.add (local.get $q3) (f32x4.mul (local.get $x1) (local.get $v3))))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (local.set $x0 (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $w0) (local.get $w0)))
            (local.set $x1 (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $w1) (local.get $w1)))
            (local.set $v0 (v128.load (local.get $bp)))
            (local.set $v1 (v128.load offset=16 (local.get $bp)))
            (local.set $v2 (v128.load offset=32 (local.get $bp)))
            (local.set $v3 (v128.load offset=48 (local.get $bp)))
            (local.set $p0 (f32x4.add (local.get $p0) (f32x4.mul (local.get $x0) (local.get $v0))))
            (local.set $p1 (f32x4.add (local.get $p1) (f32x4.mul (local.get $x0) (local.get $v1))))
            (local.set $p2 (f32x4.add (local.get $p2) (f32x4.mul (local.get $x0) (local.get $v2))))
            (local.set $p3 (f32x4.add (local.get $p3) (f32x4.mul (local.get $x0) (local.get $v3))))
            (local.set $q0 (f32x4.add (local.get $q0) (f32x4.mul (local.get $x1) (local.get $v0))))
            (local.set $q1 (f32x4.add (local.get $q1) (f32x4.mul (local.get $x1) (local.get $v1))))
            (local.set $q2 (f32x4.add (local.get $q2) (f32x4.mul (local.get $x1) (local.get $v2))))
            (local.set $q3 (f32x4.add (local.get $q3) (f32x4.mul (local.get $x1) (local.get $v3))))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (local.set $x0 (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $w0) (local.get $w0)))
            (local.set $x1 (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $w1) (local.get $w1)))
            (local.set $v0 (v128.load (local.get $bp)))
            (local.set $v1 (v128.load offset=16 (local.get $bp)))
            (local.set $v2 (v128.load offset=32 (local.get $bp)))
            (local.set $v3 (v128.load offset=48 (local.get $bp)))
            (local.set $p0 (f32x4.add (local.get $p0) (f32x4.mul (local.get $x0) (local.get $v0))))
            (local.set $p1 (f32x4.add (local.get $p1) (f32x4.mul (local.get $x0) (local.get $v1))))
            (local.set $p2 (f32x4.add (local.get $p2) (f32x4.mul (local.get $x0) (local.get $v2))))
            (local.set $p3 (f32x4.add (local.get $p3) (f32x4.mul (local.get $x0) (local.get $v3))))
            (local.set $q0 (f32x4.add (local.get $q0) (f32x4.mul (local.get $x1) (local.get $v0))))
            (local.set $q1 (f32x4.add (local.get $q1) (f32x4.mul (local.get $x1) (local.get $v1))))
            (local.set $q2 (f32x4.add (local.get $q2) (f32x4.mul (local.get $x1) (local.get $v2))))
            (local.set $q3 (f32x4.add (local.get $q3) (f32x4.mul (local.get $x1) (local.get $v3))))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (local.set $x0 (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $w0) (local.get $w0)))
            (local.set $x1 (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $w1) (local.get $w1)))
            (local.set $v0 (v128.load (local.get $bp)))
            (local.set $v1 (v128.load offset=16 (local.get $bp)))
            (local.set $v2 (v128.load offset=32 (local.get $bp)))
            (local.set $v3 (v128.load offset=48 (local.get $bp)))
            (local.set $p0 (f32x4.add (local.get $p0) (f32x4.mul (local.get $x0) (local.get $v0))))
            (local.set $p1 (f32x4.add (local.get $p1) (f32x4.mul (local.get $x0) (local.get $v1))))
            (local.set $p2 (f32x4.add (local.get $p2) (f32x4.mul (local.get $x0) (local.get $v2))))
            (local.set $p3 (f32x4.add (local.get $p3) (f32x4.mul (local.get $x0) (local.get $v3))))
            (local.set $q0 (f32x4.add (local.get $q0) (f32x4.mul (local.get $x1) (local.get $v0))))
            (local.set $q1 (f32x4.add (local.get $q1) (f32x4.mul (local.get $x1) (local.get $v1))))
            (local.set $q2 (f32x4.add (local.get $q2) (f32x4.mul (local.get $x1) (local.get $v2))))
            (local.set $q3 (f32x4.add (local.get $q3) (f32x4.mul (local.get $x1) (local.get $v3))))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $pl4)))
        (block $pd
          (loop $pl
            (br_if $pd (i32.ge_u (local.get $p) (local.get $k)))
            (local.set $x0 (f32x4.splat (f32.convert_i32_s (i32.load8_s (i32.add (local.get $a) (local.get $p))))))
            (local.set $x1 (f32x4.splat (f32.convert_i32_s (i32.load8_s (i32.add (i32.add (local.get $a) (local.get $k)) (local.get $p))))))
            (local.set $v0 (v128.load (local.get $bp)))
            (local.set $v1 (v128.load offset=16 (local.get $bp)))
            (local.set $v2 (v128.load offset=32 (local.get $bp)))
            (local.set $v3 (v128.load offset=48 (local.get $bp)))
            (local.set $p0 (f32x4.add (local.get $p0) (f32x4.mul (local.get $x0) (local.get $v0))))
            (local.set $p1 (f32x4.add (local.get $p1) (f32x4.mul (local.get $x0) (local.get $v1))))
            (local.set $p2 (f32x4.add (local.get $p2) (f32x4.mul (local.get $x0) (local.get $v2))))
            (local.set $p3 (f32x4.add (local.get $p3) (f32x4.mul (local.get $x0) (local.get $v3))))
            (local.set $q0 (f32x4.add (local.get $q0) (f32x4.mul (local.get $x1) (local.get $v0))))
            (local.set $q1 (f32x4.add (local.get $q1) (f32x4.mul (local.get $x1) (local.get $v1))))
            (local.set $q2 (f32x4.add (local.get $q2) (f32x4.mul (local.get $x1) (local.get $v2))))
            (local.set $q3 (f32x4.add (local.get $q3) (f32x4.mul (local.get $x1) (local.get $v3))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (br $pl)))
        (local.set $p0 (f32x4.mul (local.get $p0) (local.get $sc0)))
        (local.set $p1 (f32x4.mul (local.get $p1) (local.get $sc0)))
        (local.set $p2 (f32x4.mul (local.get $p2) (local.get $sc0)))
        (local.set $p3 (f32x4.mul (local.get $p3) (local.get $sc0)))
        (local.set $q0 (f32x4.mul (local.get $q0) (local.get $sc1)))
        (local.set $q1 (f32x4.mul (local.get $q1) (local.get $sc1)))
        (local.set $q2 (f32x4.mul (local.get $q2) (local.get $sc1)))
        (local.set $q3 (f32x4.mul (local.get $q3) (local.get $sc1)))
        (if (local.get $hasb) (then
          (local.set $p0 (f32x4.add (local.get $p0) (local.get $b0v)))
          (local.set $p1 (f32x4.add (local.get $p1) (local.get $b0v)))
          (local.set $p2 (f32x4.add (local.get $p2) (local.get $b0v)))
          (local.set $p3 (f32x4.add (local.get $p3) (local.get $b0v)))
          (local.set $q0 (f32x4.add (local.get $q0) (local.get $b1v)))
          (local.set $q1 (f32x4.add (local.get $q1) (local.get $b1v)))
          (local.set $q2 (f32x4.add (local.get $q2) (local.get $b1v)))
          (local.set $q3 (f32x4.add (local.get $q3) (local.get $b1v)))))
        (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $p0))
        (v128.store offset=16 (i32.add (local.get $c) (local.get $j)) (local.get $p1))
        (v128.store offset=32 (i32.add (local.get $c) (local.get $j)) (local.get $p2))
        (v128.store offset=48 (i32.add (local.get $c) (local.get $j)) (local.get $p3))
        (v128.store (i32.add (local.get $c2) (local.get $j)) (local.get $q0))
        (v128.store offset=16 (i32.add (local.get $c2) (local.get $j)) (local.get $q1))
        (v128.store offset=32 (i32.add (local.get $c2) (local.get $j)) (local.get $q2))
        (v128.store offset=48 (i32.add (local.get $c2) (local.get $j)) (local.get $q3))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $l16)))
    (local.get $j))

  ;; f16gemm: c (m×n) = a (m×k fp16) · b (k×n) + bias: each value starts at
  ;; its bias (or 0) and adds h2f(a[i,p])*b[p,j] in order p = 0, 1, ...
  ;; (16 columns at a time, then 4, then one): the same bits as Go.
  (func $f16gemm (param $c i32) (param $a i32) (param $b i32) (param $bias i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $row i32) (local $j i32) (local $p i32) (local $bp i32)
    (local $bv v128) (local $wv v128) (local $v f32) (local $hs i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $v (f32.const 0))
        (if (local.get $bias) (then
          (local.set $v (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $bv (f32x4.splat (local.get $v)))
        (local.set $j (i32.const 0))
        (block $d16
          (loop $l16
            (br_if $d16 (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $row)))
            (local.set $a0 (local.get $bv)) (local.set $a1 (local.get $bv))
            (local.set $a2 (local.get $bv)) (local.set $a3 (local.get $bv))
            (local.set $p (i32.const 0))
            (local.set $bp (i32.add (local.get $b) (local.get $j)))
            (block $pd
              (loop $pl
                (br_if $pd (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $wv (f32x4.splat (f32.reinterpret_i32 (i32.or (i32.reinterpret_f32 (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (local.tee $hs (i32.load16_u (i32.add (local.get $a) (i32.shl (local.get $p) (i32.const 1))))) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p+112))) (i32.shl (i32.and (local.get $hs) (i32.const 0x8000)) (i32.const 16))))))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $wv) (v128.load (local.get $bp)))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $wv) (v128.load offset=16 (local.get $bp)))))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $wv) (v128.load offset=32 (local.get $bp)))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $wv) (v128.load offset=48 (local.get $bp)))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $bp (i32.add (local.get $bp) (local.get $row)))
                (br $pl)))
            (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $a0))
            (v128.store offset=16 (i32.add (local.get $c) (local.get $j)) (local.get $a1))
            (v128.store offset=32 (i32.add (local.get $c) (local.get $j)) (local.get $a2))
            (v128.store offset=48 (i32.add (local.get $c) (local.get $j)) (local.get $a3))
            (local.set $j (i32.add (local.get $j) (i32.const 64)))
            (br $l16)))
        (block $d4
          (loop $l4
            (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $row)))
            (local.set $a0 (local.get $bv))
            (local.set $p (i32.const 0))
            (local.set $bp (i32.add (local.get $b) (local.get $j)))
            (block $pd
              (loop $pl
                (br_if $pd (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
                  (f32x4.splat (f32.reinterpret_i32 (i32.or (i32.reinterpret_f32 (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (local.tee $hs (i32.load16_u (i32.add (local.get $a) (i32.shl (local.get $p) (i32.const 1))))) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p+112))) (i32.shl (i32.and (local.get $hs) (i32.const 0x8000)) (i32.const 16))))) (v128.load (local.get $bp)))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $bp (i32.add (local.get $bp) (local.get $row)))
                (br $pl)))
            (v128.store (i32.add (local.get $c) (local.get $j)) (local.get $a0))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $l4)))
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_u (local.get $j) (local.get $row)))
            (local.set $s (local.get $v))
            (local.set $p (i32.const 0))
            (local.set $bp (i32.add (local.get $b) (local.get $j)))
            (block $pd
              (loop $pl
                (br_if $pd (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $s (f32.add (local.get $s) (f32.mul
                  (f32.reinterpret_i32 (i32.or (i32.reinterpret_f32 (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (local.tee $hs (i32.load16_u (i32.add (local.get $a) (i32.shl (local.get $p) (i32.const 1))))) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p+112))) (i32.shl (i32.and (local.get $hs) (i32.const 0x8000)) (i32.const 16)))) (f32.load (local.get $bp)))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (local.set $bp (i32.add (local.get $bp) (local.get $row)))
                (br $pl)))
            (f32.store (i32.add (local.get $c) (local.get $j)) (local.get $s))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $l1)))
        (local.set $c (i32.add (local.get $c) (local.get $row)))
        (local.set $a (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; TX-SHARED-BEGIN (the same text in scalar.wat and simd.wat; a test
  ;; checks). The transformer primitives of package kernels (prims_tx.go):
  ;; layer norm and softmax row by row, and gemm over a batch. Each variant
  ;; supplies $lnRow, $smRow and $gelu, which keep the pure-Go twins' order
  ;; (sums in four lanes, (l0+l2)+(l1+l3), then the tail) and formulas
  ;; (exp, erf), so results match bit for bit.

  ;; layernorm: rows rows of cols values, scale and bias (0: none) of cols.
  (func $layernorm (param $dst i32) (param $x i32) (param $scale i32) (param $bias i32) (param $rows i32) (param $cols i32) (param $eps f32)
    (local $row i32)
    (local.set $row (i32.shl (local.get $cols) (i32.const 2)))
    (block $done
      (loop $l
        (br_if $done (i32.le_s (local.get $rows) (i32.const 0)))
        (call $lnRow (local.get $dst) (local.get $x) (local.get $scale) (local.get $bias) (local.get $cols) (local.get $eps))
        (local.set $dst (i32.add (local.get $dst) (local.get $row)))
        (local.set $x (i32.add (local.get $x) (local.get $row)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $l))))

  ;; softmax_rows: rows rows of n values, each exp(x-max)/sum.
  (func $softmax_rows (param $dst i32) (param $x i32) (param $rows i32) (param $n i32)
    (local $row i32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $l
        (br_if $done (i32.le_s (local.get $rows) (i32.const 0)))
        (call $smRow (local.get $dst) (local.get $x) (local.get $n))
        (local.set $dst (i32.add (local.get $dst) (local.get $row)))
        (local.set $x (i32.add (local.get $x) (local.get $row)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $l))))

  ;; bmm: batch products c = a·b (m×k by k×n), a advancing by sa values per
  ;; product and b by sb (0: shared), c by m·n: $gemm each, no bias.
  (func $bmm (param $c i32) (param $a i32) (param $b i32) (param $batch i32) (param $m i32) (param $k i32) (param $n i32) (param $sa i32) (param $sb i32)
    (local $cs i32)
    (local.set $cs (i32.shl (i32.mul (local.get $m) (local.get $n)) (i32.const 2)))
    (local.set $sa (i32.shl (local.get $sa) (i32.const 2)))
    (local.set $sb (i32.shl (local.get $sb) (i32.const 2)))
    (block $done
      (loop $l
        (br_if $done (i32.le_s (local.get $batch) (i32.const 0)))
        (call $gemm (local.get $c) (local.get $a) (local.get $b) (i32.const 0) (local.get $m) (local.get $k) (local.get $n))
        (local.set $c (i32.add (local.get $c) (local.get $cs)))
        (local.set $a (i32.add (local.get $a) (local.get $sa)))
        (local.set $b (i32.add (local.get $b) (local.get $sb)))
        (local.set $batch (i32.sub (local.get $batch) (i32.const 1)))
        (br $l))))
  ;; TX-SHARED-END

  ;; The SIMD variant's transformer row functions: four values per step,
  ;; the tail one value at a time through the same vector code (splat, then
  ;; lane 0), so every value sees the same operations.

  ;; exp4: exp of each lane, as package kernels' exp32: d > 88 gives +Inf;
  ;; d is raised to -87; k = nearest(d·log2 e); r = d - k·ln2hi - k·ln2lo;
  ;; Taylor to r^7 by Horner; times 2^k built in the exponent bits.
  (func $exp4 (param $d v128) (result v128)
    (local $big v128) (local $k v128) (local $r v128) (local $p v128)
    (local.set $big (f32x4.gt (local.get $d) (v128.const f32x4 88 88 88 88)))
    (local.set $d (f32x4.max (local.get $d) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $k (f32x4.nearest (f32x4.mul (local.get $d) (v128.const f32x4 0x1.715476p+00 0x1.715476p+00 0x1.715476p+00 0x1.715476p+00))))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $d) (f32x4.mul (local.get $k) (v128.const f32x4 0x1.63p-01 0x1.63p-01 0x1.63p-01 0x1.63p-01)))
      (f32x4.mul (local.get $k) (v128.const f32x4 -0x1.bd0106p-13 -0x1.bd0106p-13 -0x1.bd0106p-13 -0x1.bd0106p-13))))
    (local.set $p (f32x4.add (f32x4.mul (v128.const f32x4 0x1.a01a02p-13 0x1.a01a02p-13 0x1.a01a02p-13 0x1.a01a02p-13) (local.get $r))
      (v128.const f32x4 0x1.6c16c2p-10 0x1.6c16c2p-10 0x1.6c16c2p-10 0x1.6c16c2p-10)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0x1.111112p-07 0x1.111112p-07 0x1.111112p-07 0x1.111112p-07)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0x1.555556p-05 0x1.555556p-05 0x1.555556p-05 0x1.555556p-05)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0x1.555556p-03 0x1.555556p-03 0x1.555556p-03 0x1.555556p-03)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (v128.bitselect
      (v128.const f32x4 inf inf inf inf)
      (f32x4.mul (local.get $p)
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (v128.const i32x4 127 127 127 127)) (i32.const 23)))
      (local.get $big)))

  ;; erf4: erf of each lane, as package kernels' erf32: x clamped to
  ;; [-4, 4], x·P(x²)/Q(x²).
  (func $erf4 (param $x v128) (result v128)
    (local $z2 v128) (local $p v128) (local $q v128)
    (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -4 -4 -4 -4)) (v128.const f32x4 4 4 4 4)))
    (local.set $z2 (f32x4.mul (local.get $x) (local.get $x)))
    (local.set $p (f32x4.add (f32x4.mul (v128.const f32x4 -0x1.2bbe16p-32 -0x1.2bbe16p-32 -0x1.2bbe16p-32 -0x1.2bbe16p-32) (local.get $z2))
      (v128.const f32x4 0x1.dbffdcp-26 0x1.dbffdcp-26 0x1.dbffdcp-26 0x1.dbffdcp-26)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 -0x1.19fea2p-19 -0x1.19fea2p-19 -0x1.19fea2p-19 -0x1.19fea2p-19)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 -0x1.dd85a4p-15 -0x1.dd85a4p-15 -0x1.dd85a4p-15 -0x1.dd85a4p-15)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 -0x1.8158c6p-11 -0x1.8158c6p-11 -0x1.8158c6p-11 -0x1.8158c6p-11)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 -0x1.8343ecp-09 -0x1.8343ecp-09 -0x1.8343ecp-09 -0x1.8343ecp-09)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 -0x1.07b7a8p-06 -0x1.07b7a8p-06 -0x1.07b7a8p-06 -0x1.07b7a8p-06)))
    (local.set $p (f32x4.mul (local.get $x) (local.get $p)))
    (local.set $q (f32x4.add (f32x4.mul (v128.const f32x4 -0x1.e8c19ap-17 -0x1.e8c19ap-17 -0x1.e8c19ap-17 -0x1.e8c19ap-17) (local.get $z2))
      (v128.const f32x4 -0x1.bf7a52p-13 -0x1.bf7a52p-13 -0x1.bf7a52p-13 -0x1.bf7a52p-13)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z2)) (v128.const f32x4 -0x1.b9249cp-10 -0x1.b9249cp-10 -0x1.b9249cp-10 -0x1.b9249cp-10)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z2)) (v128.const f32x4 -0x1.e337fp-08 -0x1.e337fp-08 -0x1.e337fp-08 -0x1.e337fp-08)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z2)) (v128.const f32x4 -0x1.d36d4ep-07 -0x1.d36d4ep-07 -0x1.d36d4ep-07 -0x1.d36d4ep-07)))
    (f32x4.div (local.get $p) (local.get $q)))

  ;; gelu4: GELU of each lane, as package kernels' gelu32: exact
  ;; (x·0.5)·(erf(x/√2)+1), or with $tanh x/(1+exp(-2√(2/π)(x+0.044715x³))).
  (func $gelu4 (param $x v128) (param $tanh i32) (result v128)
    (if (result v128) (local.get $tanh)
      (then
        (f32x4.div (local.get $x) (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp4
          (f32x4.mul
            (f32x4.add (local.get $x) (f32x4.mul (v128.const f32x4 0x1.6e4e26p-05 0x1.6e4e26p-05 0x1.6e4e26p-05 0x1.6e4e26p-05)
              (f32x4.mul (f32x4.mul (local.get $x) (local.get $x)) (local.get $x))))
            (v128.const f32x4 -0x1.988454p+00 -0x1.988454p+00 -0x1.988454p+00 -0x1.988454p+00))))))
      (else
        (f32x4.mul (f32x4.mul (local.get $x) (v128.const f32x4 0.5 0.5 0.5 0.5))
          (f32x4.add (call $erf4 (f32x4.mul (local.get $x) (v128.const f32x4 0x1.6a09e6p-01 0x1.6a09e6p-01 0x1.6a09e6p-01 0x1.6a09e6p-01)))
            (v128.const f32x4 1 1 1 1))))))

  ;; gelu: dst[i] = GELU(x[i]), i < n; dst may be x.
  (func $gelu (param $dst i32) (param $x i32) (param $n i32) (param $tanh i32)
    (local $i i32) (local $nb i32) (local $n4 i32)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $n4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $i) (local.get $n4)))
      (v128.store (i32.add (local.get $dst) (local.get $i)) (call $gelu4 (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $tanh)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l4)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $i) (local.get $nb)))
      (f32.store (i32.add (local.get $dst) (local.get $i))
        (f32x4.extract_lane 0 (call $gelu4 (f32x4.splat (f32.load (i32.add (local.get $x) (local.get $i)))) (local.get $tanh))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l1))))

  ;; smRow: one softmax row of n >= 1 values: the max, exp(x-max) into dst
  ;; summed in four lanes, then dst / sum.
  (func $smRow (param $dst i32) (param $x i32) (param $n i32)
    (local $i i32) (local $nb i32) (local $n4 i32) (local $mv v128) (local $m f32)
    (local $acc v128) (local $e v128) (local $s f32) (local $v f32) (local $sv v128)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $n4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $mv (v128.load32_splat (local.get $x)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $mv (f32x4.max (local.get $mv) (v128.load (i32.add (local.get $x) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l1)))
    (local.set $m (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $mv)) (f32x4.extract_lane 1 (local.get $mv)))
      (f32.max (f32x4.extract_lane 2 (local.get $mv)) (f32x4.extract_lane 3 (local.get $mv)))))
    (block $d2 (loop $l2
      (br_if $d2 (i32.ge_u (local.get $i) (local.get $nb)))
      (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $x) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l2)))
    (local.set $mv (f32x4.splat (local.get $m)))
    (local.set $i (i32.const 0))
    (block $d3 (loop $l3
      (br_if $d3 (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $e (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $mv))))
      (v128.store (i32.add (local.get $dst) (local.get $i)) (local.get $e))
      (local.set $acc (f32x4.add (local.get $acc) (local.get $e)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l3)))
    (local.set $s (call $hsum (local.get $acc)))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $i) (local.get $nb)))
      (local.set $v (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $m))))))
      (f32.store (i32.add (local.get $dst) (local.get $i)) (local.get $v))
      (local.set $s (f32.add (local.get $s) (local.get $v)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l4)))
    (local.set $sv (f32x4.splat (local.get $s)))
    (local.set $i (i32.const 0))
    (block $d5 (loop $l5
      (br_if $d5 (i32.ge_u (local.get $i) (local.get $n4)))
      (v128.store (i32.add (local.get $dst) (local.get $i)) (f32x4.div (v128.load (i32.add (local.get $dst) (local.get $i))) (local.get $sv)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l5)))
    (block $d6 (loop $l6
      (br_if $d6 (i32.ge_u (local.get $i) (local.get $nb)))
      (f32.store (i32.add (local.get $dst) (local.get $i)) (f32.div (f32.load (i32.add (local.get $dst) (local.get $i))) (local.get $s)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l6))))

  ;; lnRow: one layer-norm row of n >= 1 values: the mean and the mean
  ;; square deviation summed in four lanes, then ((x-mean)·inv)·scale
  ;; (+ bias), inv = 1/sqrt(var+eps).
  (func $lnRow (param $dst i32) (param $x i32) (param $scale i32) (param $bias i32) (param $n i32) (param $eps f32)
    (local $i i32) (local $nb i32) (local $n4 i32) (local $nf f32) (local $acc v128) (local $s f32)
    (local $mean f32) (local $mv v128) (local $d v128) (local $t f32) (local $inv f32) (local $iv v128) (local $y v128)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $n4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $nf (f32.convert_i32_u (local.get $n)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $x) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l1)))
    (local.set $s (call $hsum (local.get $acc)))
    (block $d2 (loop $l2
      (br_if $d2 (i32.ge_u (local.get $i) (local.get $nb)))
      (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $x) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l2)))
    (local.set $mean (f32.div (local.get $s) (local.get $nf)))
    (local.set $mv (f32x4.splat (local.get $mean)))
    (local.set $acc (v128.const i32x4 0 0 0 0))
    (local.set $i (i32.const 0))
    (block $d3 (loop $l3
      (br_if $d3 (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $d (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $mv)))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $d) (local.get $d))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l3)))
    (local.set $s (call $hsum (local.get $acc)))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $i) (local.get $nb)))
      (local.set $t (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $mean)))
      (local.set $s (f32.add (local.get $s) (f32.mul (local.get $t) (local.get $t))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l4)))
    (local.set $inv (f32.div (f32.const 1) (f32.sqrt (f32.add (f32.div (local.get $s) (local.get $nf)) (local.get $eps)))))
    (local.set $iv (f32x4.splat (local.get $inv)))
    (local.set $i (i32.const 0))
    (block $d5 (loop $l5
      (br_if $d5 (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $y (f32x4.mul
        (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $mv)) (local.get $iv))
        (v128.load (i32.add (local.get $scale) (local.get $i)))))
      (if (local.get $bias) (then
        (local.set $y (f32x4.add (local.get $y) (v128.load (i32.add (local.get $bias) (local.get $i)))))))
      (v128.store (i32.add (local.get $dst) (local.get $i)) (local.get $y))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l5)))
    (block $d6 (loop $l6
      (br_if $d6 (i32.ge_u (local.get $i) (local.get $nb)))
      (local.set $t (f32.mul
        (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $mean)) (local.get $inv))
        (f32.load (i32.add (local.get $scale) (local.get $i)))))
      (if (local.get $bias) (then
        (local.set $t (f32.add (local.get $t) (f32.load (i32.add (local.get $bias) (local.get $i)))))))
      (f32.store (i32.add (local.get $dst) (local.get $i)) (local.get $t))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l6))))

  ;; q8act quantizes the k×n float32 matrix at x to int16 pairs along k at
  ;; dst (kernels/quant_dot.go, Q8Act): m = max|x| by bits, inv = 4095/m,
  ;; q = nearest(x*inv) (|q| <= 4095); returns m/4095, or 0 when m is 0, not
  ;; finite, or inv overflows (dst then untouched). A vector (n = 1) is
  ;; stored as its int16 values in order, 8 at a time; a matrix 4 columns
  ;; of two rows at a time, narrowed and interleaved.
  (func $q8act (param $dst i32) (param $x i32) (param $k i32) (param $n i32) (result f32)
    (local $p i32) (local $end i32) (local $mx i32) (local $v i32) (local $mv v128) (local $m f32) (local $inv f32) (local $iv v128)
    (local $t i32) (local $pairs i32) (local $row i32) (local $src i32) (local $send i32) (local $send4 i32) (local $r v128) (local $mg v128)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $p (local.get $x))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $k) (local.get $row))))
    (block $d
      (loop $l
        (br_if $d (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (local.set $mv (i32x4.max_u (local.get $mv) (v128.and (v128.load (local.get $p)) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $l)))
    (local.set $mv (i32x4.max_u (local.get $mv) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $mv) (local.get $mv))))
    (local.set $mv (i32x4.max_u (local.get $mv) (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $mv) (local.get $mv))))
    (local.set $mx (i32x4.extract_lane 0 (local.get $mv)))
    (block $d
      (loop $l
        (br_if $d (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (i32.and (i32.load (local.get $p)) (i32.const 0x7fffffff)))
        (if (i32.gt_u (local.get $v) (local.get $mx)) (then (local.set $mx (local.get $v))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $l)))
    (if (i32.or (i32.eqz (local.get $mx)) (i32.ge_u (local.get $mx) (i32.const 0x7f800000)))
      (then (return (f32.const 0))))
    (local.set $m (f32.reinterpret_i32 (local.get $mx)))
    (local.set $inv (f32.div (f32.const 4095) (local.get $m)))
    (if (f32.eq (local.get $inv) (f32.const inf)) (then (return (f32.const 0))))
    (local.set $iv (f32x4.splat (local.get $inv)))
    ;; x*inv rounds to an integer, ties to even, as f32.nearest does, when
    ;; 1.5·2^23 is added (|x*inv| <= 4095.001 < 2^22); the bits of the sum
    ;; minus those of 1.5·2^23 are that integer: an add and a subtract
    ;; where nearest and trunc_sat take about ten instructions on x64
    (local.set $mg (v128.const f32x4 0x1.8p23 0x1.8p23 0x1.8p23 0x1.8p23))
    (if (i32.eq (local.get $n) (i32.const 1)) (then
      (local.set $p (local.get $x))
      (block $d
        (loop $l
          (br_if $d (i32.gt_u (i32.add (local.get $p) (i32.const 32)) (local.get $end)))
          (v128.store (local.get $dst) (i16x8.narrow_i32x4_s
            (i32x4.sub (f32x4.add (f32x4.mul (v128.load (local.get $p)) (local.get $iv)) (local.get $mg)) (local.get $mg))
            (i32x4.sub (f32x4.add (f32x4.mul (v128.load offset=16 (local.get $p)) (local.get $iv)) (local.get $mg)) (local.get $mg))))
          (local.set $p (i32.add (local.get $p) (i32.const 32)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (br $l)))
      (block $d
        (loop $l
          (br_if $d (i32.ge_u (local.get $p) (local.get $end)))
          (i32.store16 (local.get $dst) (i32.trunc_f32_s (f32.nearest (f32.mul (f32.load (local.get $p)) (local.get $inv)))))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 2)))
          (br $l)))
      (if (i32.and (local.get $k) (i32.const 1)) (then (i32.store16 (local.get $dst) (i32.const 0))))
      (return (f32.div (local.get $m) (f32.const 4095)))))
    (local.set $pairs (i32.shr_u (local.get $k) (i32.const 1)))
    (local.set $src (local.get $x))
    (block $pd
      (loop $pl
        (br_if $pd (i32.ge_u (local.get $t) (local.get $pairs)))
        (local.set $send (i32.add (local.get $src) (local.get $row)))
        (local.set $send4 (i32.add (local.get $src) (i32.and (local.get $row) (i32.const -16))))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $src) (local.get $send4)))
            (local.set $r (i16x8.narrow_i32x4_s (i32x4.sub (f32x4.add (f32x4.mul (v128.load (local.get $src)) (local.get $iv)) (local.get $mg)) (local.get $mg)) (i32x4.sub (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $src) (local.get $row))) (local.get $iv)) (local.get $mg)) (local.get $mg))))
            (v128.store (local.get $dst) (i8x16.shuffle 0 1 8 9 2 3 10 11 4 5 12 13 6 7 14 15 (local.get $r) (local.get $r)))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br $jl)))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $src) (local.get $send)))
            (i32.store (local.get $dst) (i32.or (i32.and (i32.trunc_f32_s (f32.nearest (f32.mul (f32.load (local.get $src)) (local.get $inv)))) (i32.const 0xffff)) (i32.shl (i32.trunc_f32_s (f32.nearest (f32.mul (f32.load (i32.add (local.get $src) (local.get $row))) (local.get $inv)))) (i32.const 16))))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (br $jl)))
        (local.set $src (i32.add (local.get $src) (local.get $row)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $pl)))
    (if (i32.and (local.get $k) (i32.const 1)) (then
      (local.set $send (i32.add (local.get $src) (local.get $row)))
      (local.set $send4 (i32.add (local.get $src) (i32.and (local.get $row) (i32.const -16))))
      (block $jd
        (loop $jl
          (br_if $jd (i32.ge_u (local.get $src) (local.get $send4)))
          (local.set $r (i16x8.narrow_i32x4_s (i32x4.sub (f32x4.add (f32x4.mul (v128.load (local.get $src)) (local.get $iv)) (local.get $mg)) (local.get $mg)) (v128.const i32x4 0 0 0 0)))
          (v128.store (local.get $dst) (i8x16.shuffle 0 1 8 9 2 3 10 11 4 5 12 13 6 7 14 15 (local.get $r) (local.get $r)))
          (local.set $src (i32.add (local.get $src) (i32.const 16)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (br $jl)))
      (block $jd
        (loop $jl
          (br_if $jd (i32.ge_u (local.get $src) (local.get $send)))
          (i32.store (local.get $dst) (i32.and (i32.trunc_f32_s (f32.nearest (f32.mul (f32.load (local.get $src)) (local.get $inv)))) (i32.const 0xffff)))
          (local.set $src (i32.add (local.get $src) (i32.const 4)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (br $jl)))))
    (f32.div (local.get $m) (f32.const 4095)))

  ;; q8dotgemv: y[i] = float(sum_j a[i,j]*xq[j]) * (scale[i]*sa) (+ b[i]):
  ;; int8 weights (load8x8_s) times q8act's int16 activations, 8 products
  ;; per i32x4.dot_i16x8_s, summed in i32 (exact for n <= 4096, see
  ;; kernels/quant_dot.go, so the lanes' order does not matter).
  (func $q8dotgemv (param $y i32) (param $a i32) (param $scale i32) (param $xq i32) (param $sa f32) (param $b i32) (param $m i32) (param $n i32)
    (local $i i32) (local $ap i32) (local $aend i32) (local $xp i32) (local $acc i32) (local $v f32) (local $a0 v128) (local $a1 v128)
    (local $a2 v128) (local $a3 v128) (local $x v128) (local $n2 i32) (local $n3 i32) (local $j i32) (local $xj i32) (local $o i32)
    ;; Four rows at a time share each load of the activations; their four
    ;; sums are gathered into one vector (integer adds: any order) and
    ;; scaled four lanes at a time, each lane as the single-row code does.
    (local.set $n2 (i32.shl (local.get $n) (i32.const 1)))
    (local.set $n3 (i32.add (local.get $n2) (local.get $n)))
    (block $d4
      (loop $l4
        (br_if $d4 (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $ap (local.get $a))
        (local.set $aend (i32.add (local.get $a) (i32.and (local.get $n) (i32.const -8))))
        (local.set $xp (local.get $xq))
        (block $d8
          (loop $l8
            (br_if $d8 (i32.ge_u (local.get $ap) (local.get $aend)))
            (local.set $x (v128.load (local.get $xp)))
            (local.set $a0 (i32x4.add (local.get $a0) (i32x4.dot_i16x8_s (v128.load8x8_s (local.get $ap)) (local.get $x))))
            (local.set $a1 (i32x4.add (local.get $a1) (i32x4.dot_i16x8_s (v128.load8x8_s (i32.add (local.get $ap) (local.get $n))) (local.get $x))))
            (local.set $a2 (i32x4.add (local.get $a2) (i32x4.dot_i16x8_s (v128.load8x8_s (i32.add (local.get $ap) (local.get $n2))) (local.get $x))))
            (local.set $a3 (i32x4.add (local.get $a3) (i32x4.dot_i16x8_s (v128.load8x8_s (i32.add (local.get $ap) (local.get $n3))) (local.get $x))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 8)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
            (br $l8)))
        ;; (a0, a1, a2, a3) -> (sum a0, sum a1, sum a2, sum a3)
        (local.set $a0 (i32x4.add
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a0) (local.get $a1))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a0) (local.get $a1))))
        (local.set $a2 (i32x4.add
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a2) (local.get $a3))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a2) (local.get $a3))))
        (local.set $a0 (i32x4.add
          (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a0) (local.get $a2))
          (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a0) (local.get $a2))))
        ;; the last n%8 products of each row
        (block $dt
          (loop $lt
            (br_if $dt (i32.ge_u (local.get $ap) (i32.add (local.get $a) (local.get $n))))
            (local.set $xj (i32.load16_s (local.get $xp)))
            (local.set $a0 (i32x4.add (local.get $a0) (i32x4.mul (i32x4.splat (local.get $xj)) (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1
              (i32x4.splat (i32.load8_s (local.get $ap)))
              (i32.load8_s (i32.add (local.get $ap) (local.get $n))))
              (i32.load8_s (i32.add (local.get $ap) (local.get $n2))))
              (i32.load8_s (i32.add (local.get $ap) (local.get $n3)))))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 1)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 2)))
            (br $lt)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (local.set $x (f32x4.mul (f32x4.convert_i32x4_s (local.get $a0))
          (f32x4.mul (v128.load (i32.add (local.get $scale) (local.get $o))) (f32x4.splat (local.get $sa)))))
        (if (local.get $b) (then
          (local.set $x (f32x4.add (local.get $x) (v128.load (i32.add (local.get $b) (local.get $o)))))))
        (v128.store (i32.add (local.get $y) (local.get $o)) (local.get $x))
        (local.set $a (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $l4)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $ap (local.get $a))
        (local.set $aend (i32.add (local.get $a) (local.get $n)))
        (local.set $xp (local.get $xq))
        (block $d16
          (loop $l16
            (br_if $d16 (i32.gt_u (i32.add (local.get $ap) (i32.const 16)) (local.get $aend)))
            (local.set $a0 (i32x4.add (local.get $a0) (i32x4.dot_i16x8_s (v128.load8x8_s (local.get $ap)) (v128.load (local.get $xp)))))
            (local.set $a1 (i32x4.add (local.get $a1) (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (local.get $ap)) (v128.load offset=16 (local.get $xp)))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 32)))
            (br $l16)))
        (if (i32.le_u (i32.add (local.get $ap) (i32.const 8)) (local.get $aend)) (then
          (local.set $a0 (i32x4.add (local.get $a0) (i32x4.dot_i16x8_s (v128.load8x8_s (local.get $ap)) (v128.load (local.get $xp)))))
          (local.set $ap (i32.add (local.get $ap) (i32.const 8)))
          (local.set $xp (i32.add (local.get $xp) (i32.const 16)))))
        (local.set $a0 (i32x4.add (local.get $a0) (local.get $a1)))
        (local.set $acc (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $a0)) (i32x4.extract_lane 1 (local.get $a0)))
          (i32.add (i32x4.extract_lane 2 (local.get $a0)) (i32x4.extract_lane 3 (local.get $a0)))))
        (block $rd
          (loop $cols
            (br_if $rd (i32.ge_u (local.get $ap) (local.get $aend)))
            (local.set $acc (i32.add (local.get $acc) (i32.mul (i32.load8_s (local.get $ap)) (i32.load16_s (local.get $xp)))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 1)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 2)))
            (br $cols)))
        (local.set $v (f32.mul (f32.convert_i32_s (local.get $acc))
          (f32.mul (f32.load (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 2)))) (local.get $sa))))
        (if (local.get $b) (then
          (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))))))
        (f32.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))) (local.get $v))
        (local.set $a (local.get $aend))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; q8dotgemm: c (m×n) = float(a (m×k int8) · bq) * (scale[i]*sa) (+ bias):
  ;; bq is q8act's pairs (ceil(k/2) rows of n i32: rows 2t and 2t+1 of the
  ;; activations interleaved). Two rows share each load of bq, 16 columns
  ;; in eight i32x4 sums ($q8dotPair); each i32x4.dot_i16x8_s multiplies
  ;; the splat weight pair (a[i,2t], a[i,2t+1]) by four columns' pairs.
  ;; The columns left over and an odd last row run through $q8dotRow.
  (func $q8dotgemm (param $c i32) (param $a i32) (param $scale i32) (param $bq i32) (param $sa f32) (param $bias i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $row i32) (local $j i32) (local $bp i32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $pairs
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $m)))
        (local.set $bp (select (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2))) (i32.const 0) (local.get $bias)))
        (local.set $j (call $q8dotPair (local.get $c) (local.get $a) (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 2)))
          (local.get $bq) (local.get $sa) (local.get $bp) (local.get $k) (local.get $n)))
        (call $q8dotRow (local.get $c) (local.get $a) (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 2)))
          (local.get $bq) (local.get $sa) (local.get $bp) (local.get $k) (local.get $n) (local.get $j))
        (call $q8dotRow (i32.add (local.get $c) (local.get $row)) (i32.add (local.get $a) (local.get $k)) (i32.add (local.get $scale) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2)))
          (local.get $bq) (local.get $sa) (select (i32.add (local.get $bp) (i32.const 4)) (i32.const 0) (local.get $bias)) (local.get $k) (local.get $n) (local.get $j))
        (local.set $c (i32.add (local.get $c) (i32.shl (local.get $row) (i32.const 1))))
        (local.set $a (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_u (local.get $i) (local.get $m)) (then
      (call $q8dotRow (local.get $c) (local.get $a) (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 2)))
        (local.get $bq) (local.get $sa) (select (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2))) (i32.const 0) (local.get $bias))
        (local.get $k) (local.get $n) (i32.const 0)))))

  ;; q8w2 is the pair (a[p], a[p+1]) of int8 weights as two i16 in an i32;
  ;; q8w1 the last weight of an odd row, (a[p], 0).
  (func $q8w2 (param $ap i32) (result i32)
    (i32.or (i32.and (i32.load8_s (local.get $ap)) (i32.const 0xffff)) (i32.shl (i32.load8_s offset=1 (local.get $ap)) (i32.const 16))))
  (func $q8w1 (param $ap i32) (result i32)
    (i32.and (i32.load8_s (local.get $ap)) (i32.const 0xffff)))

  ;; q8dotPair computes columns [0, j) of rows c and c+n of q8dotgemm, 16 at
  ;; a time, and returns j (bytes). Eight k per step: each row's eight
  ;; weights widened by one load8x8_s, each pair splat by a shuffle. sp
  ;; points at the rows' scales, bias at their biases (0: none).
  (func $q8dotPair (param $c i32) (param $a i32) (param $sp i32) (param $bq i32) (param $sa f32) (param $bias i32) (param $k i32) (param $n i32) (result i32)
    (local $row i32) (local $j i32) (local $bp i32) (local $p i32) (local $k8 i32) (local $a2 i32) (local $c2 i32)
    (local $w0 v128) (local $w1 v128) (local $x0 v128) (local $x1 v128) (local $v v128)
    (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (local $q0 v128) (local $q1 v128) (local $q2 v128) (local $q3 v128)
    (local $s0 v128) (local $s1 v128) (local $b0 v128) (local $b1 v128)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $c2 (i32.add (local.get $c) (local.get $row)))
    (local.set $a2 (i32.add (local.get $a) (local.get $k)))
    (local.set $k8 (i32.and (local.get $k) (i32.const -8)))
    (local.set $s0 (f32x4.splat (f32.mul (f32.load (local.get $sp)) (local.get $sa))))
    (local.set $s1 (f32x4.splat (f32.mul (f32.load offset=4 (local.get $sp)) (local.get $sa))))
    ;; without a bias, add -0: x + -0 is x for every x, -0 included
    (local.set $b0 (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
    (local.set $b1 (local.get $b0))
    (if (local.get $bias) (then
      (local.set $b0 (v128.load32_splat (local.get $bias)))
      (local.set $b1 (v128.load32_splat offset=4 (local.get $bias)))))
    (block $d16
      (loop $l16
        (br_if $d16 (i32.gt_u (i32.add (local.get $j) (i32.const 64)) (local.get $row)))
        (local.set $p0 (v128.const i32x4 0 0 0 0)) (local.set $p1 (local.get $p0))
        (local.set $p2 (local.get $p0)) (local.set $p3 (local.get $p0))
        (local.set $q0 (local.get $p0)) (local.set $q1 (local.get $p0))
        (local.set $q2 (local.get $p0)) (local.set $q3 (local.get $p0))
        (local.set $p (i32.const 0))
        (local.set $bp (i32.add (local.get $bq) (local.get $j)))
        (block $pd8
          (loop $pl8
            (br_if $pd8 (i32.ge_u (local.get $p) (local.get $k8)))
            (local.set $w0 (v128.load8x8_s (i32.add (local.get $a) (local.get $p))))
            (local.set $w1 (v128.load8x8_s (i32.add (local.get $a2) (local.get $p))))
            (local.set $x0 (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $w0) (local.get $w0)))
            (local.set $x1 (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $w1) (local.get $w1)))
            (local.set $v (v128.load (local.get $bp)))
            (local.set $p0 (i32x4.add (local.get $p0) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q0 (i32x4.add (local.get $q0) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=16 (local.get $bp)))
            (local.set $p1 (i32x4.add (local.get $p1) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q1 (i32x4.add (local.get $q1) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=32 (local.get $bp)))
            (local.set $p2 (i32x4.add (local.get $p2) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q2 (i32x4.add (local.get $q2) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=48 (local.get $bp)))
            (local.set $p3 (i32x4.add (local.get $p3) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q3 (i32x4.add (local.get $q3) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (local.set $x0 (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $w0) (local.get $w0)))
            (local.set $x1 (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $w1) (local.get $w1)))
            (local.set $v (v128.load (local.get $bp)))
            (local.set $p0 (i32x4.add (local.get $p0) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q0 (i32x4.add (local.get $q0) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=16 (local.get $bp)))
            (local.set $p1 (i32x4.add (local.get $p1) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q1 (i32x4.add (local.get $q1) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=32 (local.get $bp)))
            (local.set $p2 (i32x4.add (local.get $p2) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q2 (i32x4.add (local.get $q2) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=48 (local.get $bp)))
            (local.set $p3 (i32x4.add (local.get $p3) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q3 (i32x4.add (local.get $q3) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (local.set $x0 (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $w0) (local.get $w0)))
            (local.set $x1 (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $w1) (local.get $w1)))
            (local.set $v (v128.load (local.get $bp)))
            (local.set $p0 (i32x4.add (local.get $p0) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q0 (i32x4.add (local.get $q0) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=16 (local.get $bp)))
            (local.set $p1 (i32x4.add (local.get $p1) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q1 (i32x4.add (local.get $q1) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=32 (local.get $bp)))
            (local.set $p2 (i32x4.add (local.get $p2) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q2 (i32x4.add (local.get $q2) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=48 (local.get $bp)))
            (local.set $p3 (i32x4.add (local.get $p3) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q3 (i32x4.add (local.get $q3) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (local.set $x0 (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $w0) (local.get $w0)))
            (local.set $x1 (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $w1) (local.get $w1)))
            (local.set $v (v128.load (local.get $bp)))
            (local.set $p0 (i32x4.add (local.get $p0) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q0 (i32x4.add (local.get $q0) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=16 (local.get $bp)))
            (local.set $p1 (i32x4.add (local.get $p1) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q1 (i32x4.add (local.get $q1) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=32 (local.get $bp)))
            (local.set $p2 (i32x4.add (local.get $p2) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q2 (i32x4.add (local.get $q2) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=48 (local.get $bp)))
            (local.set $p3 (i32x4.add (local.get $p3) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q3 (i32x4.add (local.get $q3) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $pl8)))
        (block $pd
          (loop $pl
            (br_if $pd (i32.ge_u (local.get $p) (local.get $k)))
            (if (i32.lt_u (i32.add (local.get $p) (i32.const 1)) (local.get $k)) (then
              (local.set $x0 (i32x4.splat (call $q8w2 (i32.add (local.get $a) (local.get $p)))))
              (local.set $x1 (i32x4.splat (call $q8w2 (i32.add (local.get $a2) (local.get $p))))))
            (else
              (local.set $x0 (i32x4.splat (call $q8w1 (i32.add (local.get $a) (local.get $p)))))
              (local.set $x1 (i32x4.splat (call $q8w1 (i32.add (local.get $a2) (local.get $p)))))))
            (local.set $v (v128.load (local.get $bp)))
            (local.set $p0 (i32x4.add (local.get $p0) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q0 (i32x4.add (local.get $q0) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=16 (local.get $bp)))
            (local.set $p1 (i32x4.add (local.get $p1) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q1 (i32x4.add (local.get $q1) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=32 (local.get $bp)))
            (local.set $p2 (i32x4.add (local.get $p2) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q2 (i32x4.add (local.get $q2) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $v (v128.load offset=48 (local.get $bp)))
            (local.set $p3 (i32x4.add (local.get $p3) (i32x4.dot_i16x8_s (local.get $x0) (local.get $v))))
            (local.set $q3 (i32x4.add (local.get $q3) (i32x4.dot_i16x8_s (local.get $x1) (local.get $v))))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (local.set $p (i32.add (local.get $p) (i32.const 2)))
            (br $pl)))
        (v128.store (i32.add (local.get $c) (local.get $j)) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $p0)) (local.get $s0)) (local.get $b0)))
        (v128.store (i32.add (local.get $c2) (local.get $j)) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $q0)) (local.get $s1)) (local.get $b1)))
        (v128.store offset=16 (i32.add (local.get $c) (local.get $j)) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $p1)) (local.get $s0)) (local.get $b0)))
        (v128.store offset=16 (i32.add (local.get $c2) (local.get $j)) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $q1)) (local.get $s1)) (local.get $b1)))
        (v128.store offset=32 (i32.add (local.get $c) (local.get $j)) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $p2)) (local.get $s0)) (local.get $b0)))
        (v128.store offset=32 (i32.add (local.get $c2) (local.get $j)) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $q2)) (local.get $s1)) (local.get $b1)))
        (v128.store offset=48 (i32.add (local.get $c) (local.get $j)) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $p3)) (local.get $s0)) (local.get $b0)))
        (v128.store offset=48 (i32.add (local.get $c2) (local.get $j)) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $q3)) (local.get $s1)) (local.get $b1)))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $l16)))
    (local.get $j))

  ;; q8dotRow computes row c of q8dotgemm (a its weights, sp its scale, bias
  ;; its bias or 0) from column byte offset j: 4 columns at a time, then one.
  (func $q8dotRow (param $c i32) (param $a i32) (param $sp i32) (param $bq i32) (param $sa f32) (param $bias i32) (param $k i32) (param $n i32) (param $j i32)
    (local $row i32) (local $bp i32) (local $p i32) (local $acc v128) (local $s f32) (local $b f32) (local $x v128) (local $ai i32) (local $pv i32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $s (f32.mul (f32.load (local.get $sp)) (local.get $sa)))
    (local.set $b (f32.const -0))
    (if (local.get $bias) (then (local.set $b (f32.load (local.get $bias)))))
    (block $d4
      (loop $l4
        (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $row)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $p (i32.const 0))
        (local.set $bp (i32.add (local.get $bq) (local.get $j)))
        (block $pd
          (loop $pl
            (br_if $pd (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (local.get $k)))
            (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s
              (i32x4.splat (call $q8w2 (i32.add (local.get $a) (local.get $p)))) (v128.load (local.get $bp)))))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (local.set $p (i32.add (local.get $p) (i32.const 2)))
            (br $pl)))
        (if (i32.lt_u (local.get $p) (local.get $k)) (then
          (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s
            (i32x4.splat (call $q8w1 (i32.add (local.get $a) (local.get $p)))) (v128.load (local.get $bp)))))))
        (v128.store (i32.add (local.get $c) (local.get $j))
          (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $acc)) (f32x4.splat (local.get $s))) (f32x4.splat (local.get $b))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l4)))
    (block $d1
      (loop $l1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $row)))
        (local.set $ai (i32.const 0))
        (local.set $p (i32.const 0))
        (local.set $bp (i32.add (local.get $bq) (local.get $j)))
        (block $pd
          (loop $pl
            (br_if $pd (i32.ge_u (local.get $p) (local.get $k)))
            (local.set $pv (i32.load (local.get $bp)))
            (local.set $ai (i32.add (local.get $ai)
              (i32.mul (i32.load8_s (i32.add (local.get $a) (local.get $p))) (i32.shr_s (i32.shl (local.get $pv) (i32.const 16)) (i32.const 16)))))
            (if (i32.lt_u (i32.add (local.get $p) (i32.const 1)) (local.get $k)) (then
              (local.set $ai (i32.add (local.get $ai)
                (i32.mul (i32.load8_s offset=1 (i32.add (local.get $a) (local.get $p))) (i32.shr_s (local.get $pv) (i32.const 16)))))))
            (local.set $bp (i32.add (local.get $bp) (local.get $row)))
            (local.set $p (i32.add (local.get $p) (i32.const 2)))
            (br $pl)))
        (f32.store (i32.add (local.get $c) (local.get $j)) (f32.add (f32.mul (f32.convert_i32_s (local.get $ai)) (local.get $s)) (local.get $b)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l1))))

  ;; q8dwact quantizes the C planes at src (geom g, kernels/quant_dw.go) to
  ;; int16 planes of hp rows of wp values at dst, the padding written as
  ;; zeros, then q8dwMargin (16) zeros: hp = max(IH+PH, (OH-1)*SH+(KH-1)*DH+1),
  ;; wp = max(IW+PW, (OW-1)*SW+(KW-1)*DW+1) (OH, OW >= 1). Scale and
  ;; rounding as $q8act: returns m/4095, or 0 (dst then untouched). Each
  ;; value is written once, the input rows quantized 8 values at a time.
  (func $q8dwact (param $dst i32) (param $src i32) (param $g i32) (result f32)
    (local $C i32) (local $IH i32) (local $IW i32) (local $PH i32) (local $PW i32) (local $hp i32) (local $wp i32)
    (local $p i32) (local $end i32) (local $mx i32) (local $v i32) (local $m f32) (local $inv f32) (local $row i32) (local $rend i32) (local $rend8 i32)
    (local $mv v128) (local $iv v128) (local $mg v128)
    (local.set $C (i32.load (local.get $g)))
    (local.set $IH (i32.load offset=4 (local.get $g)))
    (local.set $IW (i32.load offset=8 (local.get $g)))
    (local.set $PH (i32.load offset=44 (local.get $g)))
    (local.set $PW (i32.load offset=48 (local.get $g)))
    (local.set $hp (call $q8dwHP (local.get $g)))
    (local.set $wp (call $q8dwWP (local.get $g)))
    (local.set $p (local.get $src))
    (local.set $end (i32.add (local.get $src) (i32.shl (i32.mul (local.get $C) (i32.mul (local.get $IH) (local.get $IW))) (i32.const 2))))
    (block $d
      (loop $l
        (br_if $d (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (local.set $mv (i32x4.max_u (local.get $mv) (v128.and (v128.load (local.get $p)) (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $l)))
    (local.set $mv (i32x4.max_u (local.get $mv) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $mv) (local.get $mv))))
    (local.set $mv (i32x4.max_u (local.get $mv) (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $mv) (local.get $mv))))
    (local.set $mx (i32x4.extract_lane 0 (local.get $mv)))
    (block $d
      (loop $l
        (br_if $d (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (i32.and (i32.load (local.get $p)) (i32.const 0x7fffffff)))
        (if (i32.gt_u (local.get $v) (local.get $mx)) (then (local.set $mx (local.get $v))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $l)))
    (if (i32.or (i32.eqz (local.get $mx)) (i32.ge_u (local.get $mx) (i32.const 0x7f800000)))
      (then (return (f32.const 0))))
    (local.set $m (f32.reinterpret_i32 (local.get $mx)))
    (local.set $inv (f32.div (f32.const 4095) (local.get $m)))
    (if (f32.eq (local.get $inv) (f32.const inf)) (then (return (f32.const 0))))
    (local.set $iv (f32x4.splat (local.get $inv)))
    (local.set $mg (v128.const f32x4 0x1.8p23 0x1.8p23 0x1.8p23 0x1.8p23))
    ;; each value is written once: per channel the padding rows above, per
    ;; input row its left padding, its values and its right padding, then
    ;; the padding rows below; the margin after the last channel
    (local.set $p (local.get $src))
    (local.set $row (local.get $dst))
    (block $dc
      (loop $lc
        (br_if $dc (i32.eqz (local.get $C)))
        (local.set $row (call $zero16 (local.get $row) (i32.mul (local.get $PH) (local.get $wp))))
        (local.set $v (local.get $IH))
        (block $dy
          (loop $ly
            (br_if $dy (i32.eqz (local.get $v)))
            (local.set $end (call $zero16 (local.get $row) (local.get $PW)))
            (local.set $rend (i32.add (local.get $p) (i32.shl (local.get $IW) (i32.const 2))))
            (local.set $rend8 (i32.add (local.get $p) (i32.shl (i32.and (local.get $IW) (i32.const -8)) (i32.const 2))))
            (block $dx
              (loop $lx
                (br_if $dx (i32.ge_u (local.get $p) (local.get $rend8)))
                (v128.store (local.get $end) (i16x8.narrow_i32x4_s
                  (i32x4.sub (f32x4.add (f32x4.mul (v128.load (local.get $p)) (local.get $iv)) (local.get $mg)) (local.get $mg))
                  (i32x4.sub (f32x4.add (f32x4.mul (v128.load offset=16 (local.get $p)) (local.get $iv)) (local.get $mg)) (local.get $mg))))
                (local.set $p (i32.add (local.get $p) (i32.const 32)))
                (local.set $end (i32.add (local.get $end) (i32.const 16)))
                (br $lx)))
            (block $dx
              (loop $lx
                (br_if $dx (i32.ge_u (local.get $p) (local.get $rend)))
                (i32.store16 (local.get $end) (i32.trunc_f32_s (f32.nearest (f32.mul (f32.load (local.get $p)) (local.get $inv)))))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (local.set $end (i32.add (local.get $end) (i32.const 2)))
                (br $lx)))
            (local.set $row (call $zero16 (local.get $end) (i32.sub (i32.sub (local.get $wp) (local.get $PW)) (local.get $IW))))
            (local.set $v (i32.sub (local.get $v) (i32.const 1)))
            (br $ly)))
        (local.set $row (call $zero16 (local.get $row) (i32.mul (i32.sub (i32.sub (local.get $hp) (local.get $PH)) (local.get $IH)) (local.get $wp))))
        (local.set $C (i32.sub (local.get $C) (i32.const 1)))
        (br $lc)))
    (drop (call $zero16 (local.get $row) (i32.const 16)))
    (f32.div (local.get $m) (f32.const 4095)))

  ;; zero16 writes n int16 zeros at p, 8 at a time then one at a time,
  ;; and returns the address after them.
  (func $zero16 (param $p i32) (param $n i32) (result i32)
    (local $end i32) (local $end8 i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 1))))
    (local.set $end8 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 1))))
    (block $d
      (loop $l
        (br_if $d (i32.ge_u (local.get $p) (local.get $end8)))
        (v128.store (local.get $p) (v128.const i32x4 0 0 0 0))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $l)))
    (block $d
      (loop $l
        (br_if $d (i32.ge_u (local.get $p) (local.get $end)))
        (i32.store16 (local.get $p) (i32.const 0))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (br $l)))
    (local.get $p))

  ;; q8dwHP and q8dwWP are q8dwact's padded rows and row length.
  (func $q8dwHP (param $g i32) (result i32)
    (call $smax (i32.add (i32.load offset=4 (local.get $g)) (i32.load offset=44 (local.get $g)))
      (i32.add (i32.add (i32.mul (i32.sub (i32.load offset=12 (local.get $g)) (i32.const 1)) (i32.load offset=28 (local.get $g)))
        (i32.mul (i32.sub (i32.load offset=20 (local.get $g)) (i32.const 1)) (i32.load offset=36 (local.get $g)))) (i32.const 1))))
  (func $q8dwWP (param $g i32) (result i32)
    (call $smax (i32.add (i32.load offset=8 (local.get $g)) (i32.load offset=48 (local.get $g)))
      (i32.add (i32.add (i32.mul (i32.sub (i32.load offset=16 (local.get $g)) (i32.const 1)) (i32.load offset=32 (local.get $g)))
        (i32.mul (i32.sub (i32.load offset=24 (local.get $g)) (i32.const 1)) (i32.load offset=40 (local.get $g)))) (i32.const 1))))

  ;; q8dwPlane computes rows [oy, OH) of channel plane (q8dwact's) into q:
  ;; each output the int32 sum of its KH*KW products int8 weight (at wc) ×
  ;; int16 activation, then float(acc)*s + bias through $act1.
  (func $q8dwPlane (param $g i32) (param $q i32) (param $plane i32) (param $wc i32) (param $s f32) (param $bias f32)
    (local $OH i32) (local $OW i32) (local $KH i32) (local $KW i32) (local $SH i32) (local $SW i32) (local $DH i32) (local $DW i32)
    (local $wp i32) (local $oy i32) (local $ox i32) (local $ky i32) (local $kx i32) (local $acc i32) (local $row i32)
    (local $op i32) (local $alpha f32) (local $beta f32)
    (local.set $OH (i32.load offset=12 (local.get $g)))
    (local.set $OW (i32.load offset=16 (local.get $g)))
    (local.set $KH (i32.load offset=20 (local.get $g)))
    (local.set $KW (i32.load offset=24 (local.get $g)))
    (local.set $SH (i32.load offset=28 (local.get $g)))
    (local.set $SW (i32.load offset=32 (local.get $g)))
    (local.set $DH (i32.load offset=36 (local.get $g)))
    (local.set $DW (i32.load offset=40 (local.get $g)))
    (local.set $op (i32.load offset=60 (local.get $g)))
    (local.set $alpha (f32.load offset=64 (local.get $g)))
    (local.set $beta (f32.load offset=68 (local.get $g)))
    (local.set $wp (call $q8dwWP (local.get $g)))
    (block $dy (loop $ly
      (br_if $dy (i32.ge_s (local.get $oy) (local.get $OH)))
      (local.set $ox (i32.const 0))
      (block $dx (loop $lx
        (br_if $dx (i32.ge_s (local.get $ox) (local.get $OW)))
        (local.set $acc (i32.const 0))
        (local.set $ky (i32.const 0))
        (block $dk (loop $lk
          (br_if $dk (i32.ge_s (local.get $ky) (local.get $KH)))
          (local.set $row (i32.add (local.get $plane) (i32.shl (i32.add
            (i32.mul (i32.add (i32.mul (local.get $oy) (local.get $SH)) (i32.mul (local.get $ky) (local.get $DH))) (local.get $wp))
            (i32.mul (local.get $ox) (local.get $SW))) (i32.const 1))))
          (local.set $kx (i32.const 0))
          (block $dj (loop $lj
            (br_if $dj (i32.ge_s (local.get $kx) (local.get $KW)))
            (local.set $acc (i32.add (local.get $acc) (i32.mul
              (i32.load8_s (i32.add (local.get $wc) (i32.add (i32.mul (local.get $ky) (local.get $KW)) (local.get $kx))))
              (i32.load16_s (i32.add (local.get $row) (i32.shl (i32.mul (local.get $kx) (local.get $DW)) (i32.const 1)))))))
            (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
            (br $lj)))
          (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
          (br $lk)))
        (f32.store (local.get $q) (call $act1 (f32.add (f32.mul (f32.convert_i32_s (local.get $acc)) (local.get $s)) (local.get $bias))
          (local.get $op) (local.get $alpha) (local.get $beta)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
        (br $lx)))
      (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
      (br $ly))))

  ;; q8dwconv: each channel c of q8dwact's planes at xq into dst, with s =
  ;; scale[c]*sa and bias b[c] (b = 0: none). 3×3 kernels with DW = 1 and
  ;; SW of 1 or 2 run 4 outputs at a time: per kernel row, taps (0, 1) as
  ;; one i32x4.dot_i16x8_s of the splat weight pair by four outputs' input
  ;; pairs, tap 2 paired with a zero weight; SW = 1 takes both from one
  ;; load by two shuffles (and runs eight outputs at a time inside a row),
  ;; SW = 2 loads them as they lie. Lanes past OW are
  ;; computed (from the padding, the next row or the margin) and not
  ;; stored. Other kernels go through $q8dwPlane.
  (func $q8dwconv (param $dst i32) (param $xq i32) (param $w i32) (param $scale i32) (param $sa f32) (param $b i32) (param $g i32)
    (local $C i32) (local $c i32) (local $plane i32) (local $out i32) (local $taps i32) (local $bias f32) (local $s f32)
    (local $OH i32) (local $OW i32) (local $SH i32) (local $SW i32) (local $DH i32) (local $wp i32) (local $fast i32)
    (local $op i32) (local $alpha f32) (local $beta f32)
    (local $oy i32) (local $ox i32) (local $q i32) (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $dr i32) (local $o i32) (local $left i32)
    (local $wa0 v128) (local $wb0 v128) (local $wa1 v128) (local $wb1 v128) (local $wa2 v128) (local $wb2 v128)
    (local $s4 v128) (local $b4 v128) (local $acc v128) (local $x v128) (local $v v128) (local $av v128) (local $bt v128)
    (local $x1 v128) (local $acc1 v128) (local $v1 v128)
    (local.set $C (i32.load (local.get $g)))
    (local.set $OH (i32.load offset=12 (local.get $g)))
    (local.set $OW (i32.load offset=16 (local.get $g)))
    (local.set $SH (i32.load offset=28 (local.get $g)))
    (local.set $SW (i32.load offset=32 (local.get $g)))
    (local.set $DH (i32.load offset=36 (local.get $g)))
    (local.set $op (i32.load offset=60 (local.get $g)))
    (local.set $alpha (f32.load offset=64 (local.get $g)))
    (local.set $beta (f32.load offset=68 (local.get $g)))
    (local.set $av (f32x4.splat (local.get $alpha)))
    (local.set $bt (f32x4.splat (local.get $beta)))
    (local.set $wp (call $q8dwWP (local.get $g)))
    (local.set $fast (i32.and (i32.and (i32.eq (i32.load offset=20 (local.get $g)) (i32.const 3)) (i32.eq (i32.load offset=24 (local.get $g)) (i32.const 3)))
      (i32.and (i32.eq (i32.load offset=40 (local.get $g)) (i32.const 1)) (i32.le_u (i32.sub (local.get $SW) (i32.const 1)) (i32.const 1)))))
    (local.set $plane (i32.shl (i32.mul (call $q8dwHP (local.get $g)) (local.get $wp)) (i32.const 1)))
    (local.set $out (i32.shl (i32.mul (local.get $OH) (local.get $OW)) (i32.const 2)))
    (local.set $taps (i32.mul (i32.load offset=20 (local.get $g)) (i32.load offset=24 (local.get $g))))
    (local.set $dr (i32.shl (i32.mul (local.get $DH) (local.get $wp)) (i32.const 1)))
    (block $dc (loop $lc
      (br_if $dc (i32.ge_s (local.get $c) (local.get $C)))
      (local.set $bias (f32.const 0))
      (if (local.get $b) (then (local.set $bias (f32.load (i32.add (local.get $b) (i32.shl (local.get $c) (i32.const 2)))))))
      (local.set $s (f32.mul (f32.load (i32.add (local.get $scale) (i32.shl (local.get $c) (i32.const 2)))) (local.get $sa)))
      (if (local.get $fast)
        (then
          (local.set $wa0 (i32x4.splat (i32.or (i32.and (i32.load8_s (local.get $w)) (i32.const 0xffff)) (i32.shl (i32.load8_s offset=1 (local.get $w)) (i32.const 16)))))
          (local.set $wb0 (i32x4.splat (i32.and (i32.load8_s offset=2 (local.get $w)) (i32.const 0xffff))))
          (local.set $wa1 (i32x4.splat (i32.or (i32.and (i32.load8_s offset=3 (local.get $w)) (i32.const 0xffff)) (i32.shl (i32.load8_s offset=4 (local.get $w)) (i32.const 16)))))
          (local.set $wb1 (i32x4.splat (i32.and (i32.load8_s offset=5 (local.get $w)) (i32.const 0xffff))))
          (local.set $wa2 (i32x4.splat (i32.or (i32.and (i32.load8_s offset=6 (local.get $w)) (i32.const 0xffff)) (i32.shl (i32.load8_s offset=7 (local.get $w)) (i32.const 16)))))
          (local.set $wb2 (i32x4.splat (i32.and (i32.load8_s offset=8 (local.get $w)) (i32.const 0xffff))))
          (local.set $s4 (f32x4.splat (local.get $s)))
          (local.set $b4 (f32x4.splat (local.get $bias)))
          (local.set $q (local.get $dst))
          (local.set $oy (i32.const 0))
          (block $dy (loop $ly
            (br_if $dy (i32.ge_s (local.get $oy) (local.get $OH)))
            (local.set $r0 (i32.add (local.get $xq) (i32.shl (i32.mul (i32.mul (local.get $oy) (local.get $SH)) (local.get $wp)) (i32.const 1))))
            (local.set $r1 (i32.add (local.get $r0) (local.get $dr)))
            (local.set $r2 (i32.add (local.get $r1) (local.get $dr)))
            (local.set $ox (i32.const 0))
            (block $dx (loop $lx
              (br_if $dx (i32.ge_s (local.get $ox) (local.get $OW)))
              ;; stride 1, eight outputs inside the row: two blocks of four
              ;; in flight, each as below
              (if (i32.and (i32.eq (local.get $SW) (i32.const 1)) (i32.le_s (i32.add (local.get $ox) (i32.const 8)) (local.get $OW))) (then
                (local.set $o (i32.shl (local.get $ox) (i32.const 1)))
                (local.set $x (v128.load (i32.add (local.get $r0) (local.get $o))))
                (local.set $x1 (v128.load offset=8 (i32.add (local.get $r0) (local.get $o))))
                (local.set $acc (i32x4.add
                  (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9 (local.get $x) (local.get $x)) (local.get $wa0))
                  (i32x4.dot_i16x8_s (i8x16.shuffle 4 5 6 7 6 7 8 9 8 9 10 11 10 11 12 13 (local.get $x) (local.get $x)) (local.get $wb0))))
                (local.set $acc1 (i32x4.add
                  (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9 (local.get $x1) (local.get $x1)) (local.get $wa0))
                  (i32x4.dot_i16x8_s (i8x16.shuffle 4 5 6 7 6 7 8 9 8 9 10 11 10 11 12 13 (local.get $x1) (local.get $x1)) (local.get $wb0))))
                (local.set $x (v128.load (i32.add (local.get $r1) (local.get $o))))
                (local.set $x1 (v128.load offset=8 (i32.add (local.get $r1) (local.get $o))))
                (local.set $acc (i32x4.add (local.get $acc) (i32x4.add
                  (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9 (local.get $x) (local.get $x)) (local.get $wa1))
                  (i32x4.dot_i16x8_s (i8x16.shuffle 4 5 6 7 6 7 8 9 8 9 10 11 10 11 12 13 (local.get $x) (local.get $x)) (local.get $wb1)))))
                (local.set $acc1 (i32x4.add (local.get $acc1) (i32x4.add
                  (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9 (local.get $x1) (local.get $x1)) (local.get $wa1))
                  (i32x4.dot_i16x8_s (i8x16.shuffle 4 5 6 7 6 7 8 9 8 9 10 11 10 11 12 13 (local.get $x1) (local.get $x1)) (local.get $wb1)))))
                (local.set $x (v128.load (i32.add (local.get $r2) (local.get $o))))
                (local.set $x1 (v128.load offset=8 (i32.add (local.get $r2) (local.get $o))))
                (local.set $acc (i32x4.add (local.get $acc) (i32x4.add
                  (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9 (local.get $x) (local.get $x)) (local.get $wa2))
                  (i32x4.dot_i16x8_s (i8x16.shuffle 4 5 6 7 6 7 8 9 8 9 10 11 10 11 12 13 (local.get $x) (local.get $x)) (local.get $wb2)))))
                (local.set $acc1 (i32x4.add (local.get $acc1) (i32x4.add
                  (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9 (local.get $x1) (local.get $x1)) (local.get $wa2))
                  (i32x4.dot_i16x8_s (i8x16.shuffle 4 5 6 7 6 7 8 9 8 9 10 11 10 11 12 13 (local.get $x1) (local.get $x1)) (local.get $wb2)))))
                (local.set $v (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $acc)) (local.get $s4)) (local.get $b4)))
                (local.set $v1 (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $acc1)) (local.get $s4)) (local.get $b4)))
                (if (i32.eq (local.get $op) (i32.const 8))
                  (then
                    (local.set $v (f32x4.min (f32x4.max (local.get $v) (local.get $av)) (local.get $bt)))
                    (local.set $v1 (f32x4.min (f32x4.max (local.get $v1) (local.get $av)) (local.get $bt))))
                  (else (if (local.get $op) (then
                    (local.set $v (call $actv (local.get $v) (local.get $op) (local.get $alpha) (local.get $beta)))
                    (local.set $v1 (call $actv (local.get $v1) (local.get $op) (local.get $alpha) (local.get $beta)))))))
                (v128.store (local.get $q) (local.get $v))
                (v128.store offset=16 (local.get $q) (local.get $v1))
                (local.set $q (i32.add (local.get $q) (i32.const 32)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 8)))
                (br $lx)))
              (if (i32.eq (local.get $SW) (i32.const 1))
                (then
                  (local.set $o (i32.shl (local.get $ox) (i32.const 1)))
                  (local.set $x (v128.load (i32.add (local.get $r0) (local.get $o))))
                  (local.set $acc (i32x4.add
                    (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9 (local.get $x) (local.get $x)) (local.get $wa0))
                    (i32x4.dot_i16x8_s (i8x16.shuffle 4 5 6 7 6 7 8 9 8 9 10 11 10 11 12 13 (local.get $x) (local.get $x)) (local.get $wb0))))
                  (local.set $x (v128.load (i32.add (local.get $r1) (local.get $o))))
                  (local.set $acc (i32x4.add (local.get $acc) (i32x4.add
                    (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9 (local.get $x) (local.get $x)) (local.get $wa1))
                    (i32x4.dot_i16x8_s (i8x16.shuffle 4 5 6 7 6 7 8 9 8 9 10 11 10 11 12 13 (local.get $x) (local.get $x)) (local.get $wb1)))))
                  (local.set $x (v128.load (i32.add (local.get $r2) (local.get $o))))
                  (local.set $acc (i32x4.add (local.get $acc) (i32x4.add
                    (i32x4.dot_i16x8_s (i8x16.shuffle 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9 (local.get $x) (local.get $x)) (local.get $wa2))
                    (i32x4.dot_i16x8_s (i8x16.shuffle 4 5 6 7 6 7 8 9 8 9 10 11 10 11 12 13 (local.get $x) (local.get $x)) (local.get $wb2))))))
                (else
                  (local.set $o (i32.shl (local.get $ox) (i32.const 2)))
                  (local.set $acc (i32x4.add
                    (i32x4.dot_i16x8_s (v128.load (i32.add (local.get $r0) (local.get $o))) (local.get $wa0))
                    (i32x4.dot_i16x8_s (v128.load offset=4 (i32.add (local.get $r0) (local.get $o))) (local.get $wb0))))
                  (local.set $acc (i32x4.add (local.get $acc) (i32x4.add
                    (i32x4.dot_i16x8_s (v128.load (i32.add (local.get $r1) (local.get $o))) (local.get $wa1))
                    (i32x4.dot_i16x8_s (v128.load offset=4 (i32.add (local.get $r1) (local.get $o))) (local.get $wb1)))))
                  (local.set $acc (i32x4.add (local.get $acc) (i32x4.add
                    (i32x4.dot_i16x8_s (v128.load (i32.add (local.get $r2) (local.get $o))) (local.get $wa2))
                    (i32x4.dot_i16x8_s (v128.load offset=4 (i32.add (local.get $r2) (local.get $o))) (local.get $wb2)))))))
              (local.set $v (f32x4.add (f32x4.mul (f32x4.convert_i32x4_s (local.get $acc)) (local.get $s4)) (local.get $b4)))
              ;; Clip (ReLU6, op 8) as $actv computes it, without the call
              (if (i32.eq (local.get $op) (i32.const 8))
                (then (local.set $v (f32x4.min (f32x4.max (local.get $v) (local.get $av)) (local.get $bt))))
                (else (if (local.get $op) (then
                  (local.set $v (call $actv (local.get $v) (local.get $op) (local.get $alpha) (local.get $beta)))))))
              (local.set $left (i32.sub (local.get $OW) (local.get $ox)))
              (if (i32.ge_s (local.get $left) (i32.const 4))
                (then (v128.store (local.get $q) (local.get $v)))
                (else
                  (f32.store (local.get $q) (f32x4.extract_lane 0 (local.get $v)))
                  (if (i32.gt_s (local.get $left) (i32.const 1)) (then (f32.store offset=4 (local.get $q) (f32x4.extract_lane 1 (local.get $v)))))
                  (if (i32.gt_s (local.get $left) (i32.const 2)) (then (f32.store offset=8 (local.get $q) (f32x4.extract_lane 2 (local.get $v)))))))
              (local.set $q (i32.add (local.get $q) (i32.shl (call $umin (local.get $left) (i32.const 4)) (i32.const 2))))
              (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
              (br $lx)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $ly))))
        (else
          (call $q8dwPlane (local.get $g) (local.get $dst) (local.get $xq) (local.get $w) (local.get $s) (local.get $bias))))
      (local.set $dst (i32.add (local.get $dst) (local.get $out)))
      (local.set $xq (i32.add (local.get $xq) (local.get $plane)))
      (local.set $w (i32.add (local.get $w) (local.get $taps)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $lc))))
)
