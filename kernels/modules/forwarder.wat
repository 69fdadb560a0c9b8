;; The forwarder: the module the model imports its kernels from (module
;; "kernels"). Each export calls slot i of its table; the kernel module,
;; instantiated later against the model's memory, fills the table through
;; its active element segment. This breaks the circle (the model needs its
;; imports before the kernel can have the model's memory) without JS or a
;; host function on any call. Slot order is the kernels' ABI: keep it in
;; step with simd.wat, scalar.wat and modules.go.
(module
  (type $dot (func (param i32 i32 i32) (result f32)))
  (type $axpy (func (param f32 i32 i32 i32)))
  (type $gemv (func (param i32 i32 i32 i32 i32 i32)))
  (type $gemm (func (param i32 i32 i32 i32 i32 i32 i32)))
  (type $binary (func (param i32 i32 i32 i32)))
  (type $unary (func (param i32 i32 i32)))
  (type $inplace (func (param i32 i32)))
  (type $im2col (func (param i32 i32 i32 i32 i32 i32)))
  (table (export "table") 9 funcref)
  (func (export "dot") (type $dot)
    (call_indirect (type $dot) (local.get 0) (local.get 1) (local.get 2) (i32.const 0)))
  (func (export "axpy") (type $axpy)
    (call_indirect (type $axpy) (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 1)))
  (func (export "gemv") (type $gemv)
    (call_indirect (type $gemv) (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (i32.const 2)))
  (func (export "gemm") (type $gemm)
    (call_indirect (type $gemm) (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6) (i32.const 3)))
  (func (export "add") (type $binary)
    (call_indirect (type $binary) (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 4)))
  (func (export "mul") (type $binary)
    (call_indirect (type $binary) (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 5)))
  (func (export "relu") (type $unary)
    (call_indirect (type $unary) (local.get 0) (local.get 1) (local.get 2) (i32.const 6)))
  (func (export "softmax") (type $inplace)
    (call_indirect (type $inplace) (local.get 0) (local.get 1) (i32.const 7)))
  (func (export "im2col") (type $im2col)
    (call_indirect (type $im2col) (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (i32.const 8)))
)
