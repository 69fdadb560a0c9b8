;; The model ABI with a predict that writes 256 MiB to stderr, 1 MiB at a
;; time, then a last line, and fails: the measured run must keep only the
;; end of what a model writes.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 18)
  (data (i32.const 512) "\nmodel: giving up after 256 MiB of logs\n")
  (data (i32.const 1024) "too chatty")
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_initialize"))
  (func (export "pwagen_alloc_weights") (param i32) (result i32) (i32.const 4096))
  (func (export "pwagen_load_weights") (result i32) (i32.const 0))
  (func (export "pwagen_input_len") (result i32) (i32.const 4))
  (func (export "pwagen_alloc_input") (param i32) (result i32) (i32.const 2048))
  (func (export "pwagen_predict") (result i32)
    (local $i i32)
    (memory.fill (i32.const 65536) (i32.const 46) (i32.const 1048576))
    (loop $more
      (call $write (i32.const 65536) (i32.const 1048576))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const 256))))
    (call $write (i32.const 512) (i32.const 40))
    (i32.const -1))
  (func (export "pwagen_output") (result i32) (i32.const 3072))
  (func (export "pwagen_error") (result i32) (i32.const 1024))
  (func (export "pwagen_error_len") (result i32) (i32.const 10)))
