;; pwagen's scalar kernels: MVP WebAssembly, for browsers without SIMD.
;; They work in the model's memory (imported, no maximum), have no data
;; section and no stack of their own, and check nothing: the Go package
;; kernels checks every length before calling. Pointers are byte addresses;
;; sizes count float32 values. Loops keep Go's summation order, so results
;; match package kernels' pure Go bit for bit.
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

  ;; dot returns sum x[i]*y[i], i < n.
  (func $dot (param $x i32) (param $y i32) (param $n i32) (result f32)
    (local $s f32) (local $end i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $l
        (local.set $s (f32.add (local.get $s)
          (f32.mul (f32.load (local.get $x)) (f32.load (local.get $y)))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br_if $l (i32.lt_u (local.get $x) (local.get $end)))))
    (local.get $s))

  ;; axpy: y[i] += alpha*x[i], i < n.
  (func $axpy (param $alpha f32) (param $x i32) (param $y i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (loop $l
        (f32.store (local.get $y) (f32.add (f32.load (local.get $y))
          (f32.mul (local.get $alpha) (f32.load (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br_if $l (i32.lt_u (local.get $x) (local.get $end))))))

  ;; gemv: y[i] = b[i] + dot(a[i*n:], x, n), i < m; b = 0 means no bias.
  (func $gemv (param $y i32) (param $a i32) (param $x i32) (param $b i32) (param $m i32) (param $n i32)
    (local $end i32) (local $row i32) (local $s f32)
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $m) (i32.const 2))))
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
      (loop $l
        (local.set $s (f32.const 0))
        (if (local.get $b) (then
          (local.set $s (f32.load (local.get $b)))
          (local.set $b (i32.add (local.get $b) (i32.const 4)))))
        (f32.store (local.get $y) (f32.add (local.get $s) (call $dot (local.get $a) (local.get $x) (local.get $n))))
        (local.set $a (i32.add (local.get $a) (local.get $row)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br_if $l (i32.lt_u (local.get $y) (local.get $end))))))

  ;; gemm: c (m×n) = a (m×k) · b (k×n) + bias (one per row, 0 = none).
  ;; Row by row: set the row to its bias, then add a[i,p]*b[p,:] for each p.
  (func $gemm (param $c i32) (param $a i32) (param $b i32) (param $bias i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $p i32) (local $row i32) (local $end i32) (local $q i32) (local $v f32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $v (f32.const 0))
        (if (local.get $bias) (then
          (local.set $v (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $end (i32.add (local.get $c) (local.get $row)))
        (local.set $q (local.get $c))
        (block $filled
          (br_if $filled (i32.ge_u (local.get $q) (local.get $end)))
          (loop $fill
            (f32.store (local.get $q) (local.get $v))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (br_if $fill (i32.lt_u (local.get $q) (local.get $end)))))
        (local.set $p (i32.const 0))
        (block $summed
          (loop $terms
            (br_if $summed (i32.ge_u (local.get $p) (local.get $k)))
            (call $axpy
              (f32.load (i32.add (local.get $a) (i32.shl (local.get $p) (i32.const 2))))
              (i32.add (local.get $b) (i32.mul (local.get $p) (local.get $row)))
              (local.get $c) (local.get $n))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $terms)))
        (local.set $a (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $c (local.get $end))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; add: dst[i] = x[i] + y[i]; dst may be x or y.
  (func $add (param $dst i32) (param $x i32) (param $y i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (loop $l
        (f32.store (local.get $dst) (f32.add (f32.load (local.get $x)) (f32.load (local.get $y))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br_if $l (i32.lt_u (local.get $dst) (local.get $end))))))

  ;; mul: dst[i] = x[i] * y[i]; dst may be x or y.
  (func $mul (param $dst i32) (param $x i32) (param $y i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (loop $l
        (f32.store (local.get $dst) (f32.mul (f32.load (local.get $x)) (f32.load (local.get $y))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br_if $l (i32.lt_u (local.get $dst) (local.get $end))))))

  ;; relu: dst[i] = x[i] < 0 ? 0 : x[i]; dst may be x.
  (func $relu (param $dst i32) (param $x i32) (param $n i32)
    (local $end i32) (local $v f32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (loop $l
        (local.set $v (f32.load (local.get $x)))
        (f32.store (local.get $dst)
          (select (f32.const 0) (local.get $v) (f32.lt (local.get $v) (f32.const 0))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br_if $l (i32.lt_u (local.get $dst) (local.get $end))))))

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

  ;; The scalar variant's row functions for the primitives above.

  ;; zero sets n values at q to 0.
  (func $zero (param $q i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $q) (i32.shl (local.get $n) (i32.const 2))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $q) (local.get $end)))
      (i32.store (local.get $q) (i32.const 0))
      (local.set $q (i32.add (local.get $q) (i32.const 4)))
      (br $l))))

  ;; im2colRow writes one row of ow values at q: 0 for ox < lo and ox >=
  ;; hi, else the input at row + (ox*sw + off)*4.
  (func $im2colRow (param $q i32) (param $row i32) (param $off i32) (param $lo i32) (param $hi i32) (param $ow i32) (param $sw i32)
    (local $s i32) (local $end i32) (local $step i32)
    (call $zero (local.get $q) (local.get $lo))
    (local.set $s (i32.add (local.get $row) (i32.shl (i32.add (i32.mul (local.get $lo) (local.get $sw)) (local.get $off)) (i32.const 2))))
    (local.set $end (i32.add (local.get $q) (i32.shl (local.get $hi) (i32.const 2))))
    (local.set $q (i32.add (local.get $q) (i32.shl (local.get $lo) (i32.const 2))))
    (local.set $step (i32.shl (local.get $sw) (i32.const 2)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $q) (local.get $end)))
      (i32.store (local.get $q) (i32.load (local.get $s)))
      (local.set $q (i32.add (local.get $q) (i32.const 4)))
      (local.set $s (i32.add (local.get $s) (local.get $step)))
      (br $l)))
    (call $zero (local.get $q) (i32.sub (local.get $ow) (local.get $hi))))

  ;; dwPlane computes one channel of dwconv, one output at a time.
  (func $dwPlane (param $g i32) (param $q i32) (param $plane i32) (param $wc i32) (param $bias f32)
    (local $IH i32) (local $OH i32) (local $OW i32) (local $KH i32) (local $SH i32) (local $DH i32) (local $PH i32)
    (local $oy i32) (local $base i32) (local $kylo i32)
    (local.set $IH (i32.load offset=4 (local.get $g)))
    (local.set $OH (i32.load offset=12 (local.get $g)))
    (local.set $OW (i32.load offset=16 (local.get $g)))
    (local.set $KH (i32.load offset=20 (local.get $g)))
    (local.set $SH (i32.load offset=28 (local.get $g)))
    (local.set $DH (i32.load offset=36 (local.get $g)))
    (local.set $PH (i32.load offset=44 (local.get $g)))
    (block $doy (loop $loy
      (br_if $doy (i32.ge_s (local.get $oy) (local.get $OH)))
      (local.set $base (i32.sub (i32.mul (local.get $oy) (local.get $SH)) (local.get $PH)))
      (local.set $kylo (call $lo (local.get $base) (local.get $DH) (local.get $KH)))
      (call $dwRow (local.get $g) (local.get $q) (local.get $plane) (local.get $wc) (local.get $bias) (local.get $base)
        (local.get $kylo) (call $smax (local.get $kylo) (call $hi (local.get $base) (local.get $DH) (local.get $IH) (local.get $KH)))
        (i32.const 0) (local.get $OW))
      (local.set $q (i32.add (local.get $q) (i32.shl (local.get $OW) (i32.const 2))))
      (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
      (br $loy))))

  (func $poolRowAll (param $g i32) (param $q i32) (param $plane i32) (param $base i32)
      (param $kylo i32) (param $kyhi i32) (param $ny i32)
    (call $poolRow (local.get $g) (local.get $q) (local.get $plane) (local.get $base)
      (local.get $kylo) (local.get $kyhi) (local.get $ny) (i32.const 0) (i32.load offset=16 (local.get $g))))

  ;; act: dst[i] = act1(x[i]), i < n; dst may be x. ReLU and Clip have
  ;; their own loops.
  (func $act (param $dst i32) (param $x i32) (param $n i32) (param $op i32) (param $alpha f32) (param $beta f32)
    (local $end i32) (local $v f32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (if (i32.eq (local.get $op) (i32.const 1)) (then
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $dst) (local.get $end)))
        ;; an i32 select: engines compile it without a branch
        (local.set $v (f32.load (local.get $x)))
        (i32.store (local.get $dst) (select (i32.const 0) (i32.reinterpret_f32 (local.get $v)) (f32.lt (local.get $v) (f32.const 0))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $l)))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 8)) (then
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $dst) (local.get $end)))
        (f32.store (local.get $dst) (f32.min (f32.max (f32.load (local.get $x)) (local.get $alpha)) (local.get $beta)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $l)))
      (return)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $dst) (local.get $end)))
      (f32.store (local.get $dst) (call $act1 (f32.load (local.get $x)) (local.get $op) (local.get $alpha) (local.get $beta)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (br $l))))

  ;; im2colRows writes the OH rows of one (ic, ky, kx) row of im2col_conv
  ;; at q: input row oy*SH + yoff, columns as $im2colRow.
  (func $im2colRows (param $q i32) (param $src i32) (param $g i32) (param $yoff i32) (param $off i32) (param $lo i32) (param $hi i32)
    (local $IH i32) (local $IW i32) (local $OH i32) (local $OW i32) (local $SH i32) (local $SW i32) (local $oy i32) (local $iy i32)
    (local.set $IH (i32.load offset=4 (local.get $g)))
    (local.set $IW (i32.load offset=8 (local.get $g)))
    (local.set $OH (i32.load offset=12 (local.get $g)))
    (local.set $OW (i32.load offset=16 (local.get $g)))
    (local.set $SH (i32.load offset=28 (local.get $g)))
    (local.set $SW (i32.load offset=32 (local.get $g)))
    (block $doy (loop $loy
      (br_if $doy (i32.ge_s (local.get $oy) (local.get $OH)))
      (local.set $iy (i32.add (i32.mul (local.get $oy) (local.get $SH)) (local.get $yoff)))
      (if (i32.lt_u (local.get $iy) (local.get $IH))
        (then (call $im2colRow (local.get $q)
          (i32.add (local.get $src) (i32.shl (i32.mul (local.get $iy) (local.get $IW)) (i32.const 2)))
          (local.get $off) (local.get $lo) (local.get $hi) (local.get $OW) (local.get $SW)))
        (else (call $zero (local.get $q) (local.get $OW))))
      (local.set $q (i32.add (local.get $q) (i32.shl (local.get $OW) (i32.const 2))))
      (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
      (br $loy))))

  ;; ---- Quantized weights (kernels/quant.go). a holds int8 (one byte) or
  ;; fp16 (two bytes) values; x, b, c, scale and bias are float32.

  ;; h2f converts fp16 bits to float32: the magnitude moves to float32's
  ;; place times 2^112 (exact for finite values, subnormals included), then
  ;; the sign is copied.
  (func $h2f (param $h i32) (result f32)
    (f32.reinterpret_i32 (i32.or
      (i32.reinterpret_f32 (f32.mul
        (f32.reinterpret_i32 (i32.shl (i32.and (local.get $h) (i32.const 0x7fff)) (i32.const 13)))
        (f32.const 0x1p+112)))
      (i32.shl (i32.and (local.get $h) (i32.const 0x8000)) (i32.const 16)))))

  ;; q8gemv: y[i] = (sum_j float(a[i,j])*x[j]) * scale[i] (+ b[i]), j in
  ;; order; b = 0 means no bias.
  (func $q8gemv (param $y i32) (param $a i32) (param $scale i32) (param $x i32) (param $b i32) (param $m i32) (param $n i32)
    (local $i i32) (local $ap i32) (local $aend i32) (local $xp i32) (local $s f32) (local $v f32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $s (f32.const 0))
        (local.set $ap (local.get $a))
        (local.set $aend (i32.add (local.get $a) (local.get $n)))
        (local.set $xp (local.get $x))
        (block $rd
          (loop $cols
            (br_if $rd (i32.ge_u (local.get $ap) (local.get $aend)))
            (local.set $s (f32.add (local.get $s)
              (f32.mul (f32.convert_i32_s (i32.load8_s (local.get $ap))) (f32.load (local.get $xp)))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 1)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
            (br $cols)))
        (local.set $v (f32.mul (local.get $s) (f32.load (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 2))))))
        (if (local.get $b) (then
          (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))))))
        (f32.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))) (local.get $v))
        (local.set $a (local.get $aend))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; q8gemm: c (m×n) = scale ⊙ (a (m×k int8) · b (k×n)) (+ bias, one per
  ;; row). Row by row: zero it, add a[i,p]*b[p,:] for each p, then scale and
  ;; add the bias.
  (func $q8gemm (param $c i32) (param $a i32) (param $scale i32) (param $b i32) (param $bias i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $p i32) (local $row i32) (local $end i32) (local $q i32) (local $sc f32) (local $bv f32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $end (i32.add (local.get $c) (local.get $row)))
        (local.set $q (local.get $c))
        (block $filled
          (br_if $filled (i32.ge_u (local.get $q) (local.get $end)))
          (loop $fill
            (f32.store (local.get $q) (f32.const 0))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (br_if $fill (i32.lt_u (local.get $q) (local.get $end)))))
        (local.set $p (i32.const 0))
        (block $summed
          (loop $terms
            (br_if $summed (i32.ge_u (local.get $p) (local.get $k)))
            (call $axpy
              (f32.convert_i32_s (i32.load8_s (i32.add (local.get $a) (local.get $p))))
              (i32.add (local.get $b) (i32.mul (local.get $p) (local.get $row)))
              (local.get $c) (local.get $n))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $terms)))
        (local.set $sc (f32.load (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $q (local.get $c))
        (block $scaled
          (br_if $scaled (i32.ge_u (local.get $q) (local.get $end)))
          (if (local.get $bias) (then
            (local.set $bv (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))
            (loop $sb
              (f32.store (local.get $q) (f32.add (f32.mul (f32.load (local.get $q)) (local.get $sc)) (local.get $bv)))
              (local.set $q (i32.add (local.get $q) (i32.const 4)))
              (br_if $sb (i32.lt_u (local.get $q) (local.get $end))))
            (br $scaled)))
          (loop $s
            (f32.store (local.get $q) (f32.mul (f32.load (local.get $q)) (local.get $sc)))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (br_if $s (i32.lt_u (local.get $q) (local.get $end)))))
        (local.set $a (i32.add (local.get $a) (local.get $k)))
        (local.set $c (local.get $end))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; f16gemv: y[i] = (b[i] or 0) + sum_j h2f(a[i,j])*x[j], j in order.
  (func $f16gemv (param $y i32) (param $a i32) (param $x i32) (param $b i32) (param $m i32) (param $n i32)
    (local $i i32) (local $ap i32) (local $aend i32) (local $xp i32) (local $s f32) (local $v f32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $s (f32.const 0))
        (local.set $ap (local.get $a))
        (local.set $aend (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 1))))
        (local.set $xp (local.get $x))
        (block $rd
          (loop $cols
            (br_if $rd (i32.ge_u (local.get $ap) (local.get $aend)))
            (local.set $s (f32.add (local.get $s)
              (f32.mul (call $h2f (i32.load16_u (local.get $ap))) (f32.load (local.get $xp)))))
            (local.set $ap (i32.add (local.get $ap) (i32.const 2)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
            (br $cols)))
        (local.set $v (f32.const 0))
        (if (local.get $b) (then
          (local.set $v (f32.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2)))))))
        (f32.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))) (f32.add (local.get $v) (local.get $s)))
        (local.set $a (local.get $aend))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; f16gemm: c (m×n) = a (m×k fp16) · b (k×n) + bias (one per row, 0 =
  ;; none): each row starts at its bias and adds h2f(a[i,p])*b[p,:] in order.
  (func $f16gemm (param $c i32) (param $a i32) (param $b i32) (param $bias i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $p i32) (local $row i32) (local $end i32) (local $q i32) (local $v f32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $v (f32.const 0))
        (if (local.get $bias) (then
          (local.set $v (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $end (i32.add (local.get $c) (local.get $row)))
        (local.set $q (local.get $c))
        (block $filled
          (br_if $filled (i32.ge_u (local.get $q) (local.get $end)))
          (loop $fill
            (f32.store (local.get $q) (local.get $v))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (br_if $fill (i32.lt_u (local.get $q) (local.get $end)))))
        (local.set $p (i32.const 0))
        (block $summed
          (loop $terms
            (br_if $summed (i32.ge_u (local.get $p) (local.get $k)))
            (call $axpy
              (call $h2f (i32.load16_u (i32.add (local.get $a) (i32.shl (local.get $p) (i32.const 1)))))
              (i32.add (local.get $b) (i32.mul (local.get $p) (local.get $row)))
              (local.get $c) (local.get $n))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $terms)))
        (local.set $a (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 1))))
        (local.set $c (local.get $end))
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

  ;; The scalar variant's transformer row functions: one value at a time,
  ;; with four accumulators where the SIMD variant sums in four lanes.

  ;; exp1: as package kernels' exp32 (see $exp4 in simd.wat).
  (func $exp1 (param $d f32) (result f32)
    (local $k f32) (local $r f32) (local $p f32) (local $ki i32)
    (if (f32.gt (local.get $d) (f32.const 88)) (then (return (f32.const inf))))
    (local.set $d (f32.max (local.get $d) (f32.const -87)))
    (local.set $k (f32.nearest (f32.mul (local.get $d) (f32.const 0x1.715476p+00))))
    (local.set $r (f32.sub
      (f32.sub (local.get $d) (f32.mul (local.get $k) (f32.const 0x1.63p-01)))
      (f32.mul (local.get $k) (f32.const -0x1.bd0106p-13))))
    (local.set $p (f32.add (f32.mul (f32.const 0x1.a01a02p-13) (local.get $r)) (f32.const 0x1.6c16c2p-10)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 0x1.111112p-07)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 0x1.555556p-05)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 0x1.555556p-03)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 0.5)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 1)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $r)) (f32.const 1)))
    ;; NaN gives k = 0, as i32x4.trunc_sat_f32x4_s (and no trap).
    (if (f32.eq (local.get $k) (local.get $k)) (then (local.set $ki (i32.trunc_f32_s (local.get $k)))))
    (f32.mul (local.get $p)
      (f32.reinterpret_i32 (i32.shl (i32.add (local.get $ki) (i32.const 127)) (i32.const 23)))))

  ;; erf1: as package kernels' erf32.
  (func $erf1 (param $x f32) (result f32)
    (local $z2 f32) (local $p f32) (local $q f32)
    (local.set $x (f32.min (f32.max (local.get $x) (f32.const -4)) (f32.const 4)))
    (local.set $z2 (f32.mul (local.get $x) (local.get $x)))
    (local.set $p (f32.add (f32.mul (f32.const -0x1.2bbe16p-32) (local.get $z2)) (f32.const 0x1.dbffdcp-26)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $z2)) (f32.const -0x1.19fea2p-19)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $z2)) (f32.const -0x1.dd85a4p-15)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $z2)) (f32.const -0x1.8158c6p-11)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $z2)) (f32.const -0x1.8343ecp-09)))
    (local.set $p (f32.add (f32.mul (local.get $p) (local.get $z2)) (f32.const -0x1.07b7a8p-06)))
    (local.set $p (f32.mul (local.get $x) (local.get $p)))
    (local.set $q (f32.add (f32.mul (f32.const -0x1.e8c19ap-17) (local.get $z2)) (f32.const -0x1.bf7a52p-13)))
    (local.set $q (f32.add (f32.mul (local.get $q) (local.get $z2)) (f32.const -0x1.b9249cp-10)))
    (local.set $q (f32.add (f32.mul (local.get $q) (local.get $z2)) (f32.const -0x1.e337fp-08)))
    (local.set $q (f32.add (f32.mul (local.get $q) (local.get $z2)) (f32.const -0x1.d36d4ep-07)))
    (f32.div (local.get $p) (local.get $q)))

  ;; gelu: dst[i] = GELU(x[i]), i < n, as package kernels' gelu32; dst may
  ;; be x.
  (func $gelu (param $dst i32) (param $x i32) (param $n i32) (param $tanh i32)
    (local $i i32) (local $nb i32) (local $v f32)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $nb)))
      (local.set $v (f32.load (i32.add (local.get $x) (local.get $i))))
      (f32.store (i32.add (local.get $dst) (local.get $i))
        (if (result f32) (local.get $tanh)
          (then
            (f32.div (local.get $v) (f32.add (f32.const 1) (call $exp1
              (f32.mul
                (f32.add (local.get $v) (f32.mul (f32.const 0x1.6e4e26p-05)
                  (f32.mul (f32.mul (local.get $v) (local.get $v)) (local.get $v))))
                (f32.const -0x1.988454p+00))))))
          (else
            (f32.mul (f32.mul (local.get $v) (f32.const 0.5))
              (f32.add (call $erf1 (f32.mul (local.get $v) (f32.const 0x1.6a09e6p-01))) (f32.const 1))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l))))

  ;; smRow: one softmax row of n >= 1 values (see simd.wat).
  (func $smRow (param $dst i32) (param $x i32) (param $n i32)
    (local $i i32) (local $nb i32) (local $n4 i32) (local $m f32) (local $q i32)
    (local $a0 f32) (local $a1 f32) (local $a2 f32) (local $a3 f32) (local $e f32) (local $s f32)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $n4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $m (f32.load (local.get $x)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $i) (local.get $nb)))
      (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $x) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l1)))
    (local.set $i (i32.const 0))
    (block $d2 (loop $l2
      (br_if $d2 (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $q (i32.add (local.get $x) (local.get $i)))
      (local.set $e (call $exp1 (f32.sub (f32.load (local.get $q)) (local.get $m))))
      (f32.store (i32.add (local.get $dst) (local.get $i)) (local.get $e))
      (local.set $a0 (f32.add (local.get $a0) (local.get $e)))
      (local.set $e (call $exp1 (f32.sub (f32.load offset=4 (local.get $q)) (local.get $m))))
      (f32.store offset=4 (i32.add (local.get $dst) (local.get $i)) (local.get $e))
      (local.set $a1 (f32.add (local.get $a1) (local.get $e)))
      (local.set $e (call $exp1 (f32.sub (f32.load offset=8 (local.get $q)) (local.get $m))))
      (f32.store offset=8 (i32.add (local.get $dst) (local.get $i)) (local.get $e))
      (local.set $a2 (f32.add (local.get $a2) (local.get $e)))
      (local.set $e (call $exp1 (f32.sub (f32.load offset=12 (local.get $q)) (local.get $m))))
      (f32.store offset=12 (i32.add (local.get $dst) (local.get $i)) (local.get $e))
      (local.set $a3 (f32.add (local.get $a3) (local.get $e)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l2)))
    (local.set $s (f32.add (f32.add (local.get $a0) (local.get $a2)) (f32.add (local.get $a1) (local.get $a3))))
    (block $d3 (loop $l3
      (br_if $d3 (i32.ge_u (local.get $i) (local.get $nb)))
      (local.set $e (call $exp1 (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $m))))
      (f32.store (i32.add (local.get $dst) (local.get $i)) (local.get $e))
      (local.set $s (f32.add (local.get $s) (local.get $e)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l3)))
    (local.set $i (i32.const 0))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $i) (local.get $nb)))
      (local.set $q (i32.add (local.get $dst) (local.get $i)))
      (f32.store (local.get $q) (f32.div (f32.load (local.get $q)) (local.get $s)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l4))))

  ;; lnRow: one layer-norm row of n >= 1 values (see simd.wat).
  (func $lnRow (param $dst i32) (param $x i32) (param $scale i32) (param $bias i32) (param $n i32) (param $eps f32)
    (local $i i32) (local $nb i32) (local $n4 i32) (local $nf f32) (local $q i32) (local $t f32)
    (local $a0 f32) (local $a1 f32) (local $a2 f32) (local $a3 f32) (local $s f32) (local $mean f32) (local $inv f32)
    (local.set $nb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $n4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $nf (f32.convert_i32_u (local.get $n)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $q (i32.add (local.get $x) (local.get $i)))
      (local.set $a0 (f32.add (local.get $a0) (f32.load (local.get $q))))
      (local.set $a1 (f32.add (local.get $a1) (f32.load offset=4 (local.get $q))))
      (local.set $a2 (f32.add (local.get $a2) (f32.load offset=8 (local.get $q))))
      (local.set $a3 (f32.add (local.get $a3) (f32.load offset=12 (local.get $q))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l1)))
    (local.set $s (f32.add (f32.add (local.get $a0) (local.get $a2)) (f32.add (local.get $a1) (local.get $a3))))
    (block $d2 (loop $l2
      (br_if $d2 (i32.ge_u (local.get $i) (local.get $nb)))
      (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $x) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l2)))
    (local.set $mean (f32.div (local.get $s) (local.get $nf)))
    (local.set $a0 (f32.const 0))
    (local.set $a1 (f32.const 0))
    (local.set $a2 (f32.const 0))
    (local.set $a3 (f32.const 0))
    (local.set $i (i32.const 0))
    (block $d3 (loop $l3
      (br_if $d3 (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $q (i32.add (local.get $x) (local.get $i)))
      (local.set $t (f32.sub (f32.load (local.get $q)) (local.get $mean)))
      (local.set $a0 (f32.add (local.get $a0) (f32.mul (local.get $t) (local.get $t))))
      (local.set $t (f32.sub (f32.load offset=4 (local.get $q)) (local.get $mean)))
      (local.set $a1 (f32.add (local.get $a1) (f32.mul (local.get $t) (local.get $t))))
      (local.set $t (f32.sub (f32.load offset=8 (local.get $q)) (local.get $mean)))
      (local.set $a2 (f32.add (local.get $a2) (f32.mul (local.get $t) (local.get $t))))
      (local.set $t (f32.sub (f32.load offset=12 (local.get $q)) (local.get $mean)))
      (local.set $a3 (f32.add (local.get $a3) (f32.mul (local.get $t) (local.get $t))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l3)))
    (local.set $s (f32.add (f32.add (local.get $a0) (local.get $a2)) (f32.add (local.get $a1) (local.get $a3))))
    (block $d4 (loop $l4
      (br_if $d4 (i32.ge_u (local.get $i) (local.get $nb)))
      (local.set $t (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $mean)))
      (local.set $s (f32.add (local.get $s) (f32.mul (local.get $t) (local.get $t))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l4)))
    (local.set $inv (f32.div (f32.const 1) (f32.sqrt (f32.add (f32.div (local.get $s) (local.get $nf)) (local.get $eps)))))
    (local.set $i (i32.const 0))
    (block $d5 (loop $l5
      (br_if $d5 (i32.ge_u (local.get $i) (local.get $nb)))
      (local.set $t (f32.mul
        (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $mean)) (local.get $inv))
        (f32.load (i32.add (local.get $scale) (local.get $i)))))
      (if (local.get $bias) (then
        (local.set $t (f32.add (local.get $t) (f32.load (i32.add (local.get $bias) (local.get $i)))))))
      (f32.store (i32.add (local.get $dst) (local.get $i)) (local.get $t))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l5))))

  ;; q8act quantizes the k×n float32 matrix at x to int16 pairs along k at
  ;; dst (kernels/quant_dot.go, Q8Act): m = max|x| by bits, inv = 4095/m,
  ;; q = nearest(x*inv); returns m/4095, or 0 when m is 0, not finite, or
  ;; inv overflows (dst then untouched).
  (func $q8act (param $dst i32) (param $x i32) (param $k i32) (param $n i32) (result f32)
    (local $p i32) (local $end i32) (local $mx i32) (local $v i32) (local $m f32) (local $inv f32)
    (local $t i32) (local $pairs i32) (local $row i32) (local $src i32) (local $send i32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $p (local.get $x))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $k) (local.get $row))))
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
    (local.set $pairs (i32.shr_u (local.get $k) (i32.const 1)))
    (local.set $src (local.get $x))
    (block $pd
      (loop $pl
        (br_if $pd (i32.ge_u (local.get $t) (local.get $pairs)))
        (local.set $send (i32.add (local.get $src) (local.get $row)))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $src) (local.get $send)))
            (i32.store (local.get $dst) (i32.or
              (i32.and (i32.trunc_f32_s (f32.nearest (f32.mul (f32.load (local.get $src)) (local.get $inv)))) (i32.const 0xffff))
              (i32.shl (i32.trunc_f32_s (f32.nearest (f32.mul (f32.load (i32.add (local.get $src) (local.get $row))) (local.get $inv)))) (i32.const 16))))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (br $jl)))
        (local.set $src (i32.add (local.get $src) (local.get $row)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $pl)))
    (if (i32.and (local.get $k) (i32.const 1)) (then
      (local.set $send (i32.add (local.get $src) (local.get $row)))
      (block $jd
        (loop $jl
          (br_if $jd (i32.ge_u (local.get $src) (local.get $send)))
          (i32.store (local.get $dst)
            (i32.and (i32.trunc_f32_s (f32.nearest (f32.mul (f32.load (local.get $src)) (local.get $inv)))) (i32.const 0xffff)))
          (local.set $src (i32.add (local.get $src) (i32.const 4)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (br $jl)))))
    (f32.div (local.get $m) (f32.const 4095)))

  ;; q8dotgemv: y[i] = float(sum_j a[i,j]*xq[j]) * (scale[i]*sa) (+ b[i]):
  ;; int8 weights times the int16 activations of q8act, summed in i32
  ;; (exact: n <= 4096, see kernels/quant_dot.go).
  (func $q8dotgemv (param $y i32) (param $a i32) (param $scale i32) (param $xq i32) (param $sa f32) (param $b i32) (param $m i32) (param $n i32)
    (local $i i32) (local $ap i32) (local $aend i32) (local $xp i32) (local $acc i32) (local $v f32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $acc (i32.const 0))
        (local.set $ap (local.get $a))
        (local.set $aend (i32.add (local.get $a) (local.get $n)))
        (local.set $xp (local.get $xq))
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
  ;; bq is q8act's pairs (ceil(k/2) rows of n i32, low half row 2t), the
  ;; sums in i32 (exact: k <= 4096).
  (func $q8dotgemm (param $c i32) (param $a i32) (param $scale i32) (param $bq i32) (param $sa f32) (param $bias i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $j i32) (local $p i32) (local $row i32) (local $bp i32) (local $acc i32) (local $w i32)
    (local $s f32) (local $v f32) (local $pv i32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $s (f32.mul (f32.load (i32.add (local.get $scale) (i32.shl (local.get $i) (i32.const 2)))) (local.get $sa)))
        (local.set $j (i32.const 0))
        (block $cd
          (loop $cl
            (br_if $cd (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $acc (i32.const 0))
            (local.set $bp (i32.add (local.get $bq) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $p (i32.const 0))
            (block $pd
              (loop $pl
                (br_if $pd (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (local.get $k)))
                (local.set $pv (i32.load (local.get $bp)))
                (local.set $acc (i32.add (local.get $acc) (i32.add
                  (i32.mul (i32.load8_s (i32.add (local.get $a) (local.get $p))) (i32.shr_s (i32.shl (local.get $pv) (i32.const 16)) (i32.const 16)))
                  (i32.mul (i32.load8_s offset=1 (i32.add (local.get $a) (local.get $p))) (i32.shr_s (local.get $pv) (i32.const 16))))))
                (local.set $bp (i32.add (local.get $bp) (local.get $row)))
                (local.set $p (i32.add (local.get $p) (i32.const 2)))
                (br $pl)))
            (if (i32.lt_u (local.get $p) (local.get $k)) (then
              (local.set $acc (i32.add (local.get $acc)
                (i32.mul (i32.load8_s (i32.add (local.get $a) (local.get $p))) (i32.shr_s (i32.shl (i32.load (local.get $bp)) (i32.const 16)) (i32.const 16)))))))
            (local.set $v (f32.mul (f32.convert_i32_s (local.get $acc)) (local.get $s)))
            (if (local.get $bias) (then
              (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2))))))))
            (f32.store (local.get $c) (local.get $v))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cl)))
        (local.set $a (i32.add (local.get $a) (local.get $k)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; q8dwact quantizes the C planes at src (geom g, kernels/quant_dw.go) to
  ;; int16 planes of hp rows of wp values at dst, the padding written as
  ;; zeros, then q8dwMargin (16) zeros: hp = max(IH+PH, (OH-1)*SH+(KH-1)*DH+1),
  ;; wp = max(IW+PW, (OW-1)*SW+(KW-1)*DW+1) (OH, OW >= 1). Scale as $q8act:
  ;; returns m/4095, or 0 (dst then untouched).
  (func $q8dwact (param $dst i32) (param $src i32) (param $g i32) (result f32)
    (local $C i32) (local $IH i32) (local $IW i32) (local $PH i32) (local $PW i32) (local $hp i32) (local $wp i32)
    (local $p i32) (local $end i32) (local $mx i32) (local $v i32) (local $m f32) (local $inv f32) (local $row i32) (local $rend i32)
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
    (local.set $p (local.get $dst))
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $C) (i32.mul (local.get $hp) (local.get $wp))) (i32.const 16)) (i32.const 1))))
    (block $d
      (loop $l
        (br_if $d (i32.ge_u (local.get $p) (local.get $end)))
        (i32.store16 (local.get $p) (i32.const 0))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (br $l)))
    ;; the input rows, C*IH of them: channel c's row iy at padded row
    ;; c*hp+PH+iy, column PW
    (local.set $p (local.get $src))
    (local.set $row (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $PH) (local.get $wp)) (local.get $PW)) (i32.const 1))))
    (block $dc
      (loop $lc
        (br_if $dc (i32.eqz (local.get $C)))
        (local.set $v (local.get $IH))
        (block $dy
          (loop $ly
            (br_if $dy (i32.eqz (local.get $v)))
            (local.set $rend (i32.add (local.get $p) (i32.shl (local.get $IW) (i32.const 2))))
            (local.set $end (local.get $row))
            (block $dx
              (loop $lx
                (br_if $dx (i32.ge_u (local.get $p) (local.get $rend)))
                (i32.store16 (local.get $end) (i32.trunc_f32_s (f32.nearest (f32.mul (f32.load (local.get $p)) (local.get $inv)))))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (local.set $end (i32.add (local.get $end) (i32.const 2)))
                (br $lx)))
            (local.set $row (i32.add (local.get $row) (i32.shl (local.get $wp) (i32.const 1))))
            (local.set $v (i32.sub (local.get $v) (i32.const 1)))
            (br $ly)))
        (local.set $row (i32.add (local.get $row) (i32.shl (i32.mul (i32.sub (local.get $hp) (local.get $IH)) (local.get $wp)) (i32.const 1))))
        (local.set $C (i32.sub (local.get $C) (i32.const 1)))
        (br $lc)))
    (f32.div (local.get $m) (f32.const 4095)))

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

  ;; q8dwconv: each channel c of q8dwact's planes at xq through $q8dwPlane,
  ;; with s = scale[c]*sa and bias b[c] (b = 0: none), into dst.
  (func $q8dwconv (param $dst i32) (param $xq i32) (param $w i32) (param $scale i32) (param $sa f32) (param $b i32) (param $g i32)
    (local $C i32) (local $c i32) (local $plane i32) (local $out i32) (local $taps i32) (local $bias f32)
    (local.set $C (i32.load (local.get $g)))
    (local.set $plane (i32.shl (i32.mul (call $q8dwHP (local.get $g)) (call $q8dwWP (local.get $g))) (i32.const 1)))
    (local.set $out (i32.shl (i32.mul (i32.load offset=12 (local.get $g)) (i32.load offset=16 (local.get $g))) (i32.const 2)))
    (local.set $taps (i32.mul (i32.load offset=20 (local.get $g)) (i32.load offset=24 (local.get $g))))
    (block $dc (loop $lc
      (br_if $dc (i32.ge_s (local.get $c) (local.get $C)))
      (local.set $bias (f32.const 0))
      (if (local.get $b) (then (local.set $bias (f32.load (i32.add (local.get $b) (i32.shl (local.get $c) (i32.const 2)))))))
      (call $q8dwPlane (local.get $g) (local.get $dst) (local.get $xq) (local.get $w)
        (f32.mul (f32.load (i32.add (local.get $scale) (i32.shl (local.get $c) (i32.const 2)))) (local.get $sa)) (local.get $bias))
      (local.set $dst (i32.add (local.get $dst) (local.get $out)))
      (local.set $xq (i32.add (local.get $xq) (local.get $plane)))
      (local.set $w (i32.add (local.get $w) (local.get $taps)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $lc))))
)
