;; Uses tail calls (return_call).
(module
  (func $count (export "count") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (return_call $count (i32.sub (local.get $n) (i32.const 1)))))))
