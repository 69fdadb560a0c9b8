;; Uses threads: a shared memory and an atomic read-modify-write.
(module
  (memory (export "memory") 1 16 shared)
  (func (export "incr") (param $p i32) (result i32)
    (i32.atomic.rmw.add (local.get $p) (i32.const 1))))
