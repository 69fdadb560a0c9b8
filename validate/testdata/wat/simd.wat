;; Uses 128-bit SIMD: sums four float32s with one v128.load.
(module
  (memory (export "memory") 1)
  (func (export "sum4") (param $p i32) (result f32)
    (local $v v128)
    (local.set $v (v128.load (local.get $p)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v))))))
