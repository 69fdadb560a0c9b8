;; A model that exports pwagen_signature but misses the rest of the typed
;; contract, and gets pwagen_alloc_inputs' signature wrong.
(module
  (memory (export "memory") 1)
  (data (i32.const 1024) "{\"inputs\":[{\"name\":\"x\",\"dtype\":\"float32\",\"shape\":[4]}],\"outputs\":[]}")
  (func (export "_initialize"))
  (func (export "pwagen_alloc_weights") (param i32) (result i32) (i32.const 4096))
  (func (export "pwagen_load_weights") (result i32) (i32.const 0))
  (func (export "pwagen_input_len") (result i32) (i32.const 4))
  (func (export "pwagen_alloc_input") (param i32) (result i32) (i32.const 8192))
  (func (export "pwagen_predict") (result i32) (i32.const 1))
  (func (export "pwagen_output") (result i32) (i32.const 8192))
  (func (export "pwagen_error") (result i32) (i32.const 0))
  (func (export "pwagen_error_len") (result i32) (i32.const 0))
  (func (export "pwagen_signature") (result i32) (i32.const 1024))
  (func (export "pwagen_signature_len") (result i32) (i32.const 68))
  (func (export "pwagen_alloc_inputs") (result i32) (i32.const 8192)))
