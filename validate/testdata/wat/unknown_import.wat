;; Imports a function the pwagen loader does not provide.
(module
  (import "env" "mystery" (func $mystery (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "call") (param i32) (result i32)
    (call $mystery (local.get 0))))
