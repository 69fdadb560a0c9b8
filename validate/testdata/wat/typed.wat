;; A model of the typed contract (docs/contract.md) in WebAssembly 1.0: the
;; v1 ABI of abi.wat plus pwagen_signature, pwagen_alloc_inputs,
;; pwagen_predict_typed and pwagen_outputs. The signature is 512 bytes,
;; padded with spaces, so that tests can patch it in the .wasm with any
;; text of up to 512 bytes. pwagen_predict_typed returns the i32 at 4096
;; (24: the outputs' layout), patchable as well: its data segment is the
;; bytes "OUTLEN" followed by the value.
(module
  (memory (export "memory") 2)
  (data (i32.const 4090) "OUTLEN\18\00\00\00")
  (data (i32.const 8192) "{\"inputs\":[{\"name\":\"input_ids\",\"dtype\":\"int64\",\"shape\":[2,3]},{\"name\":\"mask\",\"dtype\":\"bool\",\"shape\":[2,3]}],\"outputs\":[{\"name\":\"logits\",\"dtype\":\"float32\",\"shape\":[2,2]},{\"name\":\"ids\",\"dtype\":\"int64\",\"shape\":[1]}]}                                                                                                                                                                                                                                                                                                           ")
  (func (export "_initialize"))
  (func (export "pwagen_alloc_weights") (param i32) (result i32) (i32.const 65536))
  (func (export "pwagen_load_weights") (result i32) (i32.const 0))
  (func (export "pwagen_input_len") (result i32) (i32.const 12))
  (func (export "pwagen_alloc_input") (param i32) (result i32) (i32.const 16384))
  (func (export "pwagen_predict") (result i32) (i32.const 5))
  (func (export "pwagen_output") (result i32) (i32.const 20480))
  (func (export "pwagen_error") (result i32) (i32.const 0))
  (func (export "pwagen_error_len") (result i32) (i32.const 0))
  (func (export "pwagen_signature") (result i32) (i32.const 8192))
  (func (export "pwagen_signature_len") (result i32) (i32.const 512))
  (func (export "pwagen_alloc_inputs") (param i32) (result i32) (i32.const 16384))
  (func (export "pwagen_predict_typed") (result i32) (i32.load (i32.const 4096)))
  (func (export "pwagen_outputs") (result i32) (i32.const 20480)))
