(module
  (type (;0;) (func (param i32 i32 i32 i32 i32 i32)))
  (type (;1;) (func (param i32 i32 i32 i32 f32 f32)))
  (type (;2;) (func (param i32 i32 i32 i32)))
  (type (;3;) (func (param i32 i32) (result i32)))
  (type (;4;) (func (param i32) (result i32)))
  (type (;5;) (func))
  (type (;6;) (func (result i32)))
  (import "kernels" "gemv" (func (;0;) (type 0)))
  (import "kernels" "act" (func (;1;) (type 1)))
  (import "kernels" "softmax_rows" (func (;2;) (type 2)))
  (func (;3;) (type 3) (param i32 i32) (result i32)
    local.get 0
    global.set 3
    local.get 1
    global.set 4
    i32.const -1)
  (func (;4;) (type 4) (param i32) (result i32)
    local.get 0
    memory.size
    i32.const 16
    i32.shl
    i32.gt_u
    if  ;; label = @1
      local.get 0
      i32.const 65535
      i32.add
      i32.const 16
      i32.shr_u
      memory.size
      i32.sub
      memory.grow
      i32.const -1
      i32.eq
      if  ;; label = @2
        i32.const 0
        return
      end
    end
    i32.const 1)
  (func (;5;) (type 4) (param i32) (result i32)
    local.get 0
    i32.const -285992
    i32.gt_u
    if  ;; label = @1
      i32.const 0
      return
    end
    i32.const 220480
    local.get 0
    i32.add
    call 4
    i32.eqz
    if  ;; label = @1
      i32.const 0
      return
    end
    i32.const 220480)
  (func (;6;) (type 5))
  (func (;7;) (type 4) (param i32) (result i32)
    local.get 0
    global.set 5
    local.get 0
    i32.const -82304
    i32.gt_u
    if  ;; label = @1
      i32.const 0
      return
    end
    i32.const 16768
    local.get 0
    i32.add
    call 4
    i32.eqz
    if  ;; label = @1
      i32.const 13240
      i32.const 20
      call 3
      drop
      i32.const 0
      return
    end
    i32.const 16768)
  (func (;8;) (type 6) (result i32)
    i32.const 0
    global.set 0
    global.get 5
    i32.const 32
    i32.lt_u
    if  ;; label = @1
      i32.const 12856
      i32.const 86
      call 3
      return
    end
    i32.const 16768
    i32.load
    i32.const 1464293200
    i32.ne
    if  ;; label = @1
      i32.const 12856
      i32.const 86
      call 3
      return
    end
    i32.const 16768
    i32.load offset=4
    i32.const 1
    i32.ne
    if  ;; label = @1
      i32.const 12944
      i32.const 72
      call 3
      return
    end
    global.get 5
    i32.const 203688
    i32.ne
    i32.const 16768
    i64.load offset=16
    i64.const 203688
    i64.ne
    i32.or
    if  ;; label = @1
      i32.const 13016
      i32.const 80
      call 3
      return
    end
    i32.const 16768
    i64.load offset=24
    i64.const 1674461342484528944
    i64.ne
    if  ;; label = @1
      i32.const 13096
      i32.const 138
      call 3
      return
    end
    i32.const 1
    global.set 0
    i32.const 0)
  (func (;9;) (type 6) (result i32)
    i32.const 784)
  (func (;10;) (type 4) (param i32) (result i32)
    local.get 0
    global.set 1
    local.get 0
    i32.const 784
    i32.le_u
    if  ;; label = @1
      i32.const 13632
      return
    end
    local.get 0
    i32.const 4
    i32.mul
    call 5)
  (func (;11;) (type 6) (result i32)
    (local i32)
    global.get 0
    i32.eqz
    if  ;; label = @1
      i32.const 12680
      i32.const 33
      call 3
      return
    end
    global.get 1
    i32.const 784
    i32.ne
    if  ;; label = @1
      i32.const 12720
      i32.const 75
      call 3
      return
    end
    i32.const 13312
    i32.const 16896
    i32.const 13632
    i32.const 217600
    i32.const 64
    i32.const 784
    call 0
    i32.const 13312
    i32.const 13312
    i32.const 64
    i32.const 1
    f32.const 0x0p+0 (;=0;)
    f32.const 0x0p+0 (;=0;)
    call 1
    i32.const 13568
    i32.const 217856
    i32.const 13312
    i32.const 220416
    i32.const 10
    i32.const 64
    call 0
    i32.const 13312
    i32.const 13568
    i32.const 1
    i32.const 10
    call 2
    i32.const 10)
  (func (;12;) (type 6) (result i32)
    i32.const 13312)
  (func (;13;) (type 6) (result i32)
    global.get 3)
  (func (;14;) (type 6) (result i32)
    global.get 4)
  (func (;15;) (type 6) (result i32)
    i32.const 12288)
  (func (;16;) (type 6) (result i32)
    i32.const 130)
  (func (;17;) (type 4) (param i32) (result i32)
    local.get 0
    global.set 2
    local.get 0
    i32.const 3136
    i32.le_u
    if  ;; label = @1
      i32.const 13632
      return
    end
    local.get 0
    call 5)
  (func (;18;) (type 6) (result i32)
    global.get 2
    i32.const 3136
    i32.lt_u
    if  ;; label = @1
      i32.const 12800
      i32.const 50
      call 3
      return
    end
    i32.const 784
    global.set 1
    call 11
    i32.const 0
    i32.lt_s
    if  ;; label = @1
      i32.const -1
      return
    end
    i32.const 40)
  (func (;19;) (type 6) (result i32)
    i32.const 13312)
  (memory (;0;) 4)
  (global (;0;) (mut i32) (i32.const 1))
  (global (;1;) (mut i32) (i32.const 0))
  (global (;2;) (mut i32) (i32.const 0))
  (global (;3;) (mut i32) (i32.const 0))
  (global (;4;) (mut i32) (i32.const 0))
  (global (;5;) (mut i32) (i32.const 0))
  (export "memory" (memory 0))
  (export "_initialize" (func 6))
  (export "pwagen_alloc_weights" (func 7))
  (export "pwagen_load_weights" (func 8))
  (export "pwagen_input_len" (func 9))
  (export "pwagen_alloc_input" (func 10))
  (export "pwagen_predict" (func 11))
  (export "pwagen_output" (func 12))
  (export "pwagen_error" (func 13))
  (export "pwagen_error_len" (func 14))
  (export "pwagen_signature" (func 15))
  (export "pwagen_signature_len" (func 16))
  (export "pwagen_alloc_inputs" (func 17))
  (export "pwagen_predict_typed" (func 18))
  (export "pwagen_outputs" (func 19))
  (data (;0;) (i32.const 12288) "{\22inputs\22:[{\22name\22:\22input\22,\22dtype\22:\22float32\22,\22shape\22:[1,1,28,28]}],\22outputs\22:[{\22name\22:\22output\22,\22dtype\22:\22float32\22,\22shape\22:[1,10]}]}\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00model: predict before loadWeights\00\00\00\00\00\00\00model: the input has another number of values than 784 (input 1\c3\971\c3\9728\c3\9728)\00\00\00\00\00model: the inputs buffer has fewer bytes than 3136\00\00\00\00\00\00weights/model.bin: not a pwagen weights file (no PWGW header); run pwagen import again\00\00weights/model.bin: not weights format version 1; run pwagen import againweights/model.bin: want 203688 bytes; the file is damaged or from another importweights/model.bin: written by another import of the model (fingerprint differs); run pwagen import again so that model/ and weights/ match\00\00\00\00\00\00model: out of memory\00\00\00\00"))
