;; pwagen's scalar kernels: MVP WebAssembly, for browsers without SIMD.
;; They work in the model's memory (imported, no maximum), have no data
;; section and no stack of their own, and check nothing: the Go package
;; kernels checks every length before calling. Pointers are byte addresses;
;; sizes count float32 values. Loops keep Go's summation order, so results
;; match package kernels' pure Go bit for bit.
(module
  (import "kernels" "table" (table 9 funcref))
  (import "model" "memory" (memory 0))
  (elem (i32.const 0) func $dot $axpy $gemv $gemm $add $mul $relu $softmax $im2col)
  (export "dot" (func $dot))
  (export "axpy" (func $axpy))
  (export "gemv" (func $gemv))
  (export "gemm" (func $gemm))
  (export "add" (func $add))
  (export "mul" (func $mul))
  (export "relu" (func $relu))
  (export "softmax" (func $softmax))
  (export "im2col" (func $im2col))

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
)
