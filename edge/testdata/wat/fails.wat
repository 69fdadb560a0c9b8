;; A model of the plain ABI (4 float32 inputs, 1 output) whose prediction
;; fails, with a message through pwagen_error, when its first input is
;; negative; otherwise it answers the first input.
(module
  (memory (export "memory") 1)
  (data (i32.const 512) "input 0 is negative: the model takes levels from 0 to 1")
  (func (export "_initialize"))
  (func (export "pwagen_input_len") (result i32) (i32.const 4))
  (func (export "pwagen_alloc_input") (param i32) (result i32) (i32.const 1024))
  (func (export "pwagen_predict") (result i32)
    (if (f32.lt (f32.load (i32.const 1024)) (f32.const 0)) (then (return (i32.const -1))))
    (f32.store (i32.const 2048) (f32.load (i32.const 1024)))
    (i32.const 1))
  (func (export "pwagen_output") (result i32) (i32.const 2048))
  (func (export "pwagen_error") (result i32) (i32.const 512))
  (func (export "pwagen_error_len") (result i32) (i32.const 55)))
