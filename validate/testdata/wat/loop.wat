;; The model ABI with a predict that never returns: an empty loop, which
;; only a time limit stops. Weights are accepted and ignored.
(module
  (memory (export "memory") 2)
  (func (export "_initialize"))
  (func (export "pwagen_alloc_weights") (param i32) (result i32) (i32.const 4096))
  (func (export "pwagen_load_weights") (result i32) (i32.const 0))
  (func (export "pwagen_input_len") (result i32) (i32.const 4))
  (func (export "pwagen_alloc_input") (param i32) (result i32) (i32.const 1024))
  (func (export "pwagen_predict") (result i32)
    (loop $forever (br $forever))
    (i32.const 1))
  (func (export "pwagen_output") (result i32) (i32.const 2048))
  (func (export "pwagen_error") (result i32) (i32.const 0))
  (func (export "pwagen_error_len") (result i32) (i32.const 0)))
