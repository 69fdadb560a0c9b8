;; pwagen's ABI with two mistakes: pwagen_predict takes a parameter, and
;; pwagen_output is missing.
(module
  (memory (export "memory") 1)
  (func (export "_initialize"))
  (func (export "pwagen_alloc_weights") (param i32) (result i32) (i32.const 0))
  (func (export "pwagen_load_weights") (result i32) (i32.const 0))
  (func (export "pwagen_input_len") (result i32) (i32.const 4))
  (func (export "pwagen_alloc_input") (param i32) (result i32) (i32.const 0))
  (func (export "pwagen_predict") (param i32) (result i32) (i32.const 1))
  (func (export "pwagen_error") (result i32) (i32.const 0))
  (func (export "pwagen_error_len") (result i32) (i32.const 0)))
