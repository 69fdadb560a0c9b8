;; The model ABI with a load_weights that fails: it returns -1 and its
;; message through pwagen_error and pwagen_error_len.
(module
  (memory (export "memory") 2)
  (data (i32.const 512) "weights are version 3; this model reads version 2")
  (func (export "_initialize"))
  (func (export "pwagen_alloc_weights") (param i32) (result i32) (i32.const 4096))
  (func (export "pwagen_load_weights") (result i32) (i32.const -1))
  (func (export "pwagen_input_len") (result i32) (i32.const 4))
  (func (export "pwagen_alloc_input") (param i32) (result i32) (i32.const 1024))
  (func (export "pwagen_predict") (result i32) (i32.const 1))
  (func (export "pwagen_output") (result i32) (i32.const 2048))
  (func (export "pwagen_error") (result i32) (i32.const 512))
  (func (export "pwagen_error_len") (result i32) (i32.const 49)))
