;; The smallest module with pwagen's model ABI, in WebAssembly 1.0. predict
;; returns one output: the sum of the inputs. Weights are accepted and ignored.
(module
  (memory (export "memory") 2)
  (global $in (mut i32) (i32.const 0))
  (global $n (mut i32) (i32.const 0))
  (func (export "_initialize"))
  (func (export "pwagen_alloc_weights") (param i32) (result i32) (i32.const 4096))
  (func (export "pwagen_load_weights") (result i32) (i32.const 0))
  (func (export "pwagen_input_len") (result i32) (i32.const 4))
  (func (export "pwagen_alloc_input") (param i32) (result i32)
    (global.set $n (local.get 0))
    (global.set $in (i32.const 1024))
    (i32.const 1024))
  (func (export "pwagen_predict") (result i32)
    (local $i i32) (local $s f32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (global.get $n)))
        (local.set $s (f32.add (local.get $s)
          (f32.load (i32.add (global.get $in) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f32.store (i32.const 2048) (local.get $s))
    (i32.const 1))
  (func (export "pwagen_output") (result i32) (i32.const 2048))
  (func (export "pwagen_error") (result i32) (i32.const 0))
  (func (export "pwagen_error_len") (result i32) (i32.const 0)))
