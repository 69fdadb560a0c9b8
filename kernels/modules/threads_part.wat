  ;; THREADS-BEGIN: the multi-threaded part of threads.wat, which is
  ;; simd.wat over a shared memory with gemm, gemv and their int8 and fp16
  ;; forms replaced by the $..._t functions below (threadsgen.go writes
  ;; threads.wat; `go generate ./kernels/modules`).
  ;;
  ;; One model thread calls the kernels, as always; helper threads (Web
  ;; Workers in the browser, goroutines under wazero) each run
  ;; threads_helper, an endless loop in their own instance of this module
  ;; over the same memory. A big call is cut into chunks of whole rows
  ;; (multiples of 4, so every row is computed by the same code as in
  ;; simd.wat, in the same order: results are bit for bit simd's); the
  ;; model thread and the helpers claim chunks with an atomic counter until
  ;; none is left, and the model thread waits until all are done. A call
  ;; runs on one thread when no helper has started, when it has fewer than
  ;; 8 rows, or when it has fewer multiply-adds than the threshold.
  ;;
  ;; The control block is 128 bytes at address 8192, which a Go wasm
  ;; module never uses (Go's linker reserves 4096-12287 for wasm_exec.js
  ;; and starts data at 12288); pwagen validate checks that the model's
  ;; data starts above it and that a run leaves it untouched. Words:
  ;;   8192 seq      bumped to wake the helpers (they wait on it)
  ;;   8196 claim    chunks << 16 | next chunk; atomic add claims one
  ;;   8200 done     chunks finished; the model thread waits on it
  ;;   8204 helpers  helpers in their loop
  ;;   8208 stop     helpers leave their loop when it is not 0
  ;;   8212 broken   not 0: a helper stopped answering; one thread from then on
  ;;   8216 minwork  threshold in multiply-adds (0: the default, 4 Mi)
  ;;   8220 op       which kernel: 0 gemm, 1 gemv, 2 q8gemm, 3 q8gemv, 4 f16gemm, 5 f16gemv,
  ;;                 6 im2col_conv (its "rows" are the input's channels)
  ;;   8224 m        rows
  ;;   8228 args     the kernel's arguments, 8 words
  ;;   8260 maxwork  the most multiply-adds of any call of 8 rows or more so
  ;;                 far, at most 2^31-1 (pwagen validate reads it: a model
  ;;                 whose calls stay below the threshold runs simd)
  (export "threads_helper" (func $threads_helper))
  (export "threads_stop" (func $threads_stop))
  (export "threads_config" (func $threads_config))

  ;; threads_config sets the threshold (multiply-adds; 0: the default) and
  ;; returns the helpers in their loop.
  (func $threads_config (param $minwork i32) (result i32)
    (i32.atomic.store (i32.const 8216) (local.get $minwork))
    (i32.atomic.load (i32.const 8204)))

  ;; threads_stop makes every helper leave threads_helper.
  (func $threads_stop
    (i32.atomic.store (i32.const 8208) (i32.const 1))
    (drop (i32.atomic.rmw.add (i32.const 8192) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 8192) (i32.const -1))))

  ;; threads_helper claims and runs chunks whenever the model thread
  ;; publishes a call, and sleeps in between. It returns 0 after
  ;; threads_stop, and 1 when no call came for a second: then the helper
  ;; waits from its event loop (Atomics.waitAsync on seq; a goroutine
  ;; calls again at once) and calls it again. A Web Worker blocked in
  ;; Atomics.wait runs nothing else, and the browser's questions to it wait
  ;; too: performance.measureUserAgentSpecificMemory() never answered on a
  ;; page whose helpers slept here for good. A call published while no
  ;; helper is in its loop runs on the model thread, and wakes them.
  (func $threads_helper (result i32)
    (local $seen i32) (local $spin i32) (local $idle i32)
    (drop (i32.atomic.rmw.add (i32.const 8204) (i32.const 1)))
    (block $exit
      (loop $forever
        (local.set $seen (i32.atomic.load (i32.const 8192)))
        (br_if $exit (i32.atomic.load (i32.const 8208)))
        (call $work)
        ;; spin a little (the next call often follows at once), then sleep
        (local.set $spin (i32.const 0))
        (block $woke
          (loop $spinning
            (br_if $woke (i32.ne (i32.atomic.load (i32.const 8192)) (local.get $seen)))
            (local.set $spin (i32.add (local.get $spin) (i32.const 1)))
            (br_if $spinning (i32.lt_u (local.get $spin) (i32.const 20000))))
          (if (i32.eq (memory.atomic.wait32 (i32.const 8192) (local.get $seen) (i64.const 1000000000)) (i32.const 2)) (then
            (local.set $idle (i32.const 1))
            (br_if $exit (i32.eq (i32.atomic.load (i32.const 8192)) (local.get $seen)))
            (local.set $idle (i32.const 0)))))
        (br $forever)))
    (drop (i32.atomic.rmw.sub (i32.const 8204) (i32.const 1)))
    (local.get $idle))

  ;; work claims chunks of the published call and runs them until none is
  ;; left. A claim holds the chunk count and the index, read together by
  ;; one atomic add, so a late claim of a finished call is never taken
  ;; for a chunk of the next one.
  (func $work
    (local $c i32) (local $n i32) (local $idx i32)
    (loop $claim
      (local.set $c (i32.atomic.rmw.add (i32.const 8196) (i32.const 1)))
      (local.set $n (i32.shr_u (local.get $c) (i32.const 16)))
      (local.set $idx (i32.and (local.get $c) (i32.const 0xffff)))
      (if (i32.lt_u (local.get $idx) (local.get $n)) (then
        (call $chunk (local.get $idx) (local.get $n))
        (if (i32.eq (i32.add (i32.atomic.rmw.add (i32.const 8200) (i32.const 1)) (i32.const 1)) (local.get $n)) (then
          (drop (memory.atomic.notify (i32.const 8200) (i32.const 1)))))
        (br $claim)))))

  ;; arg reads argument i of the published call.
  (func $arg (param $i i32) (result i32)
    (i32.load offset=8228 (i32.shl (local.get $i) (i32.const 2))))

  ;; opt is p moved by off when p is not 0 (a nil bias stays nil).
  (func $opt (param $p i32) (param $off i32) (result i32)
    (select (i32.add (local.get $p) (local.get $off)) (i32.const 0) (local.get $p)))

  ;; chunk runs rows [r0, r1) of the published call: chunk idx of n, each
  ;; a multiple of 4 rows but the last.
  (func $chunk (param $idx i32) (param $n i32)
    (local $m i32) (local $per i32) (local $r0 i32) (local $rows i32) (local $r4 i32)
    (local.set $m (i32.load (i32.const 8224)))
    (local.set $per (i32.and (i32.add (i32.div_u (i32.sub (i32.add (local.get $m) (local.get $n)) (i32.const 1)) (local.get $n)) (i32.const 3)) (i32.const -4)))
    (local.set $r0 (i32.mul (local.get $idx) (local.get $per)))
    (if (i32.ge_u (local.get $r0) (local.get $m)) (then (return)))
    (local.set $rows (i32.sub (local.get $m) (local.get $r0)))
    (if (i32.gt_u (local.get $rows) (local.get $per)) (then (local.set $rows (local.get $per))))
    (local.set $r4 (i32.shl (local.get $r0) (i32.const 2)))
    (block $im2col (block $f16gemv (block $f16gemm (block $q8gemv (block $q8gemm (block $gemv (block $gemm
      (br_table $gemm $gemv $q8gemm $q8gemv $f16gemm $f16gemv $im2col (i32.load (i32.const 8220))))
      ;; gemm (c a b bias m k n)
      (call $gemm
        (i32.add (call $arg (i32.const 0)) (i32.mul (local.get $r4) (call $arg (i32.const 6))))
        (i32.add (call $arg (i32.const 1)) (i32.mul (local.get $r4) (call $arg (i32.const 5))))
        (call $arg (i32.const 2))
        (call $opt (call $arg (i32.const 3)) (local.get $r4))
        (local.get $rows) (call $arg (i32.const 5)) (call $arg (i32.const 6)))
      (return))
      ;; gemv (y a x b m n)
      (call $gemv
        (i32.add (call $arg (i32.const 0)) (local.get $r4))
        (i32.add (call $arg (i32.const 1)) (i32.mul (local.get $r4) (call $arg (i32.const 5))))
        (call $arg (i32.const 2))
        (call $opt (call $arg (i32.const 3)) (local.get $r4))
        (local.get $rows) (call $arg (i32.const 5)))
      (return))
      ;; q8gemm (c a scale b bias m k n): a is int8, k bytes a row
      (call $q8gemm
        (i32.add (call $arg (i32.const 0)) (i32.mul (local.get $r4) (call $arg (i32.const 7))))
        (i32.add (call $arg (i32.const 1)) (i32.mul (local.get $r0) (call $arg (i32.const 6))))
        (i32.add (call $arg (i32.const 2)) (local.get $r4))
        (call $arg (i32.const 3))
        (call $opt (call $arg (i32.const 4)) (local.get $r4))
        (local.get $rows) (call $arg (i32.const 6)) (call $arg (i32.const 7)))
      (return))
      ;; q8gemv (y a scale x b m n): a is int8, n bytes a row
      (call $q8gemv
        (i32.add (call $arg (i32.const 0)) (local.get $r4))
        (i32.add (call $arg (i32.const 1)) (i32.mul (local.get $r0) (call $arg (i32.const 6))))
        (i32.add (call $arg (i32.const 2)) (local.get $r4))
        (call $arg (i32.const 3))
        (call $opt (call $arg (i32.const 4)) (local.get $r4))
        (local.get $rows) (call $arg (i32.const 6)))
      (return))
      ;; f16gemm (c a b bias m k n): a is fp16, 2k bytes a row
      (call $f16gemm
        (i32.add (call $arg (i32.const 0)) (i32.mul (local.get $r4) (call $arg (i32.const 6))))
        (i32.add (call $arg (i32.const 1)) (i32.mul (i32.shl (local.get $r0) (i32.const 1)) (call $arg (i32.const 5))))
        (call $arg (i32.const 2))
        (call $opt (call $arg (i32.const 3)) (local.get $r4))
        (local.get $rows) (call $arg (i32.const 5)) (call $arg (i32.const 6)))
      (return))
      ;; f16gemv (y a x b m n): a is fp16, 2n bytes a row
      (call $f16gemv
        (i32.add (call $arg (i32.const 0)) (local.get $r4))
        (i32.add (call $arg (i32.const 1)) (i32.mul (i32.shl (local.get $r0) (i32.const 1)) (call $arg (i32.const 5))))
        (call $arg (i32.const 2))
        (call $opt (call $arg (i32.const 3)) (local.get $r4))
        (local.get $rows) (call $arg (i32.const 5)))
      (return))
    ;; im2col_conv (col src g): input channels [r0, r0+rows)
    (call $im2colChannels (call $arg (i32.const 0)) (call $arg (i32.const 1)) (call $arg (i32.const 2))
      (local.get $r0) (i32.add (local.get $r0) (local.get $rows))))

  ;; run publishes a call of kernel op with m rows and work multiply-adds
  ;; (its arguments already stored), takes part in it and waits for the
  ;; helpers; it returns 0 without doing anything when the call should
  ;; run on one thread.
  (func $run (param $op i32) (param $m i32) (param $work i64) (result i32)
    (if (i32.lt_u (local.get $m) (i32.const 8)) (then (return (i32.const 0))))
    (if (i64.gt_u (local.get $work) (i64.extend_i32_u (i32.load (i32.const 8260)))) (then
      (i32.store (i32.const 8260) (select (i32.wrap_i64 (local.get $work)) (i32.const 0x7fffffff)
        (i64.lt_u (local.get $work) (i64.const 0x7fffffff))))))
    (call $split (local.get $op) (local.get $m) (local.get $work) (call $minwork)))

  ;; minwork is the threshold in multiply-adds.
  (func $minwork (result i32)
    (local $min i32)
    (local.set $min (i32.atomic.load (i32.const 8216)))
    (if (i32.eqz (local.get $min)) (then (local.set $min (i32.const 0x400000))))
    (local.get $min))

  ;; split is run without the bookkeeping of MaxWork, against the
  ;; threshold min in the call's own unit of work.
  (func $split (param $op i32) (param $m i32) (param $work i64) (param $min i32) (result i32)
    (local $h i32) (local $n i32)
    (if (i32.lt_u (local.get $m) (i32.const 8)) (then (return (i32.const 0))))
    (if (i64.lt_u (local.get $work) (i64.extend_i32_u (local.get $min))) (then (return (i32.const 0))))
    (if (i32.atomic.load (i32.const 8212)) (then (return (i32.const 0))))
    (local.set $h (i32.atomic.load (i32.const 8204)))
    (if (i32.eqz (local.get $h)) (then
      ;; the helpers left their loop after an idle second and wait on seq
      ;; from their event loop: this call runs here, and the bump wakes
      ;; them for the next (without it no call was ever split again)
      (drop (i32.atomic.rmw.add (i32.const 8192) (i32.const 1)))
      (drop (memory.atomic.notify (i32.const 8192) (i32.const -1)))
      (return (i32.const 0))))
    ;; eight chunks a thread, for balance when another program slows a
    ;; thread down (the others claim more); at least 4 rows a chunk
    (local.set $n (i32.shl (i32.add (local.get $h) (i32.const 1)) (i32.const 3)))
    (if (i32.gt_u (local.get $n) (i32.shr_u (local.get $m) (i32.const 2)))
      (then (local.set $n (i32.shr_u (local.get $m) (i32.const 2)))))
    (i32.store (i32.const 8220) (local.get $op))
    (i32.store (i32.const 8224) (local.get $m))
    (i32.atomic.store (i32.const 8200) (i32.const 0))
    (i32.atomic.store (i32.const 8196) (i32.shl (local.get $n) (i32.const 16)))
    (drop (i32.atomic.rmw.add (i32.const 8192) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 8192) (local.get $h)))
    (call $work)
    (call $join (local.get $n))
    (i32.const 1))

  ;; join waits until all n chunks are done. If the count does not move
  ;; for 5 s (a helper stopped: its Worker was ended), it runs every chunk
  ;; itself (the same values: a late helper writes the same bits) and
  ;; marks the threads broken, so later calls run on this thread alone.
  (func $join (param $n i32)
    (local $d i32) (local $last i32) (local $spin i32) (local $idle i32) (local $i i32)
    (local.set $last (i32.const -1))
    (loop $wait
      (local.set $d (i32.atomic.load (i32.const 8200)))
      (if (i32.ge_u (local.get $d) (local.get $n)) (then (return)))
      (if (i32.lt_u (local.get $spin) (i32.const 20000)) (then
        (local.set $spin (i32.add (local.get $spin) (i32.const 1)))
        (br $wait)))
      (if (i32.eq (memory.atomic.wait32 (i32.const 8200) (local.get $d) (i64.const 100000000)) (i32.const 2))
        (then
          (if (i32.eq (local.get $d) (local.get $last))
            (then (local.set $idle (i32.add (local.get $idle) (i32.const 1))))
            (else (local.set $idle (i32.const 0)) (local.set $last (local.get $d))))))
      (br_if $wait (i32.lt_u (local.get $idle) (i32.const 50))))
    (i32.atomic.store (i32.const 8212) (i32.const 1))
    (loop $all
      (call $chunk (local.get $i) (local.get $n))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $all (i32.lt_u (local.get $i) (local.get $n)))))

  (func $gemm_t (param $c i32) (param $a i32) (param $b i32) (param $bias i32) (param $m i32) (param $k i32) (param $n i32)
    (i32.store (i32.const 8228) (local.get $c))
    (i32.store (i32.const 8232) (local.get $a))
    (i32.store (i32.const 8236) (local.get $b))
    (i32.store (i32.const 8240) (local.get $bias))
    (i32.store (i32.const 8244) (local.get $m))
    (i32.store (i32.const 8248) (local.get $k))
    (i32.store (i32.const 8252) (local.get $n))
    (if (call $run (i32.const 0) (local.get $m)
          (i64.mul (i64.mul (i64.extend_i32_u (local.get $m)) (i64.extend_i32_u (local.get $k))) (i64.extend_i32_u (local.get $n))))
      (then (return)))
    (call $gemm (local.get $c) (local.get $a) (local.get $b) (local.get $bias) (local.get $m) (local.get $k) (local.get $n)))

  (func $gemv_t (param $y i32) (param $a i32) (param $x i32) (param $b i32) (param $m i32) (param $n i32)
    (i32.store (i32.const 8228) (local.get $y))
    (i32.store (i32.const 8232) (local.get $a))
    (i32.store (i32.const 8236) (local.get $x))
    (i32.store (i32.const 8240) (local.get $b))
    (i32.store (i32.const 8244) (local.get $m))
    (i32.store (i32.const 8248) (local.get $n))
    (if (call $run (i32.const 1) (local.get $m)
          (i64.mul (i64.extend_i32_u (local.get $m)) (i64.extend_i32_u (local.get $n))))
      (then (return)))
    (call $gemv (local.get $y) (local.get $a) (local.get $x) (local.get $b) (local.get $m) (local.get $n)))

  (func $q8gemm_t (param $c i32) (param $a i32) (param $scale i32) (param $b i32) (param $bias i32) (param $m i32) (param $k i32) (param $n i32)
    (i32.store (i32.const 8228) (local.get $c))
    (i32.store (i32.const 8232) (local.get $a))
    (i32.store (i32.const 8236) (local.get $scale))
    (i32.store (i32.const 8240) (local.get $b))
    (i32.store (i32.const 8244) (local.get $bias))
    (i32.store (i32.const 8248) (local.get $m))
    (i32.store (i32.const 8252) (local.get $k))
    (i32.store (i32.const 8256) (local.get $n))
    (if (call $run (i32.const 2) (local.get $m)
          (i64.mul (i64.mul (i64.extend_i32_u (local.get $m)) (i64.extend_i32_u (local.get $k))) (i64.extend_i32_u (local.get $n))))
      (then (return)))
    (call $q8gemm (local.get $c) (local.get $a) (local.get $scale) (local.get $b) (local.get $bias) (local.get $m) (local.get $k) (local.get $n)))

  (func $q8gemv_t (param $y i32) (param $a i32) (param $scale i32) (param $x i32) (param $b i32) (param $m i32) (param $n i32)
    (i32.store (i32.const 8228) (local.get $y))
    (i32.store (i32.const 8232) (local.get $a))
    (i32.store (i32.const 8236) (local.get $scale))
    (i32.store (i32.const 8240) (local.get $x))
    (i32.store (i32.const 8244) (local.get $b))
    (i32.store (i32.const 8248) (local.get $m))
    (i32.store (i32.const 8252) (local.get $n))
    (if (call $run (i32.const 3) (local.get $m)
          (i64.mul (i64.extend_i32_u (local.get $m)) (i64.extend_i32_u (local.get $n))))
      (then (return)))
    (call $q8gemv (local.get $y) (local.get $a) (local.get $scale) (local.get $x) (local.get $b) (local.get $m) (local.get $n)))

  (func $f16gemm_t (param $c i32) (param $a i32) (param $b i32) (param $bias i32) (param $m i32) (param $k i32) (param $n i32)
    (i32.store (i32.const 8228) (local.get $c))
    (i32.store (i32.const 8232) (local.get $a))
    (i32.store (i32.const 8236) (local.get $b))
    (i32.store (i32.const 8240) (local.get $bias))
    (i32.store (i32.const 8244) (local.get $m))
    (i32.store (i32.const 8248) (local.get $k))
    (i32.store (i32.const 8252) (local.get $n))
    (if (call $run (i32.const 4) (local.get $m)
          (i64.mul (i64.mul (i64.extend_i32_u (local.get $m)) (i64.extend_i32_u (local.get $k))) (i64.extend_i32_u (local.get $n))))
      (then (return)))
    (call $f16gemm (local.get $c) (local.get $a) (local.get $b) (local.get $bias) (local.get $m) (local.get $k) (local.get $n)))

  (func $f16gemv_t (param $y i32) (param $a i32) (param $x i32) (param $b i32) (param $m i32) (param $n i32)
    (i32.store (i32.const 8228) (local.get $y))
    (i32.store (i32.const 8232) (local.get $a))
    (i32.store (i32.const 8236) (local.get $x))
    (i32.store (i32.const 8240) (local.get $b))
    (i32.store (i32.const 8244) (local.get $m))
    (i32.store (i32.const 8248) (local.get $n))
    (if (call $run (i32.const 5) (local.get $m)
          (i64.mul (i64.extend_i32_u (local.get $m)) (i64.extend_i32_u (local.get $n))))
      (then (return)))
    (call $f16gemv (local.get $y) (local.get $a) (local.get $x) (local.get $b) (local.get $m) (local.get $n)))
  ;; im2col_conv_t is im2col_conv split by input channels (each writes
  ;; its own KH*KW rows of col: a copy, the same bytes whoever writes
  ;; them) when it writes at least minwork/32 values (128 Ki by default,
  ;; some 70 µs of copying: enough to pay for waking the helpers, and the
  ;; gemm that reads col follows at once, while they still spin). Small
  ;; convolutions, and those of fewer than 8 channels, stay on one thread.
  (func $im2col_conv_t (param $col i32) (param $src i32) (param $g i32)
    (i32.store (i32.const 8228) (local.get $col))
    (i32.store (i32.const 8232) (local.get $src))
    (i32.store (i32.const 8236) (local.get $g))
    (if (call $split (i32.const 6) (i32.load (local.get $g))
          ;; C*KH*KW*OH*OW values
          (i64.mul
            (i64.mul (i64.extend_i32_u (i32.load (local.get $g)))
              (i64.mul (i64.extend_i32_u (i32.load offset=20 (local.get $g))) (i64.extend_i32_u (i32.load offset=24 (local.get $g)))))
            (i64.mul (i64.extend_i32_u (i32.load offset=12 (local.get $g))) (i64.extend_i32_u (i32.load offset=16 (local.get $g)))))
          (i32.shr_u (call $minwork) (i32.const 5)))
      (then (return)))
    (call $im2col_conv (local.get $col) (local.get $src) (local.get $g)))

  ;; im2colChannels is im2col_conv for the input channels [c0, c1): the
  ;; same loops from channel c0 on, with col and src moved to it.
  (func $im2colChannels (param $col i32) (param $src i32) (param $g i32) (param $c0 i32) (param $c1 i32)
    (local $IH i32) (local $IW i32) (local $OH i32) (local $OW i32) (local $KH i32) (local $KW i32)
    (local $SW i32) (local $DH i32) (local $DW i32) (local $PH i32) (local $PW i32)
    (local $ic i32) (local $ky i32) (local $kx i32) (local $off i32) (local $lo i32) (local $hi i32)
    (local.set $IH (i32.load offset=4 (local.get $g)))
    (local.set $IW (i32.load offset=8 (local.get $g)))
    (local.set $OH (i32.load offset=12 (local.get $g)))
    (local.set $OW (i32.load offset=16 (local.get $g)))
    (local.set $KH (i32.load offset=20 (local.get $g)))
    (local.set $KW (i32.load offset=24 (local.get $g)))
    (local.set $SW (i32.load offset=32 (local.get $g)))
    (local.set $DH (i32.load offset=36 (local.get $g)))
    (local.set $DW (i32.load offset=40 (local.get $g)))
    (local.set $PH (i32.load offset=44 (local.get $g)))
    (local.set $PW (i32.load offset=48 (local.get $g)))
    (local.set $ic (local.get $c0))
    (local.set $col (i32.add (local.get $col)
      (i32.shl (i32.mul (i32.mul (local.get $c0) (i32.mul (local.get $KH) (local.get $KW))) (i32.mul (local.get $OH) (local.get $OW))) (i32.const 2))))
    (local.set $src (i32.add (local.get $src)
      (i32.shl (i32.mul (local.get $c0) (i32.mul (local.get $IH) (local.get $IW))) (i32.const 2))))
    (block $dic (loop $lic
      (br_if $dic (i32.ge_s (local.get $ic) (local.get $c1)))
      (local.set $ky (i32.const 0))
      (block $dky (loop $lky
        (br_if $dky (i32.ge_s (local.get $ky) (local.get $KH)))
        (local.set $kx (i32.const 0))
        (block $dkx (loop $lkx
          (br_if $dkx (i32.ge_s (local.get $kx) (local.get $KW)))
          (local.set $off (i32.sub (i32.mul (local.get $kx) (local.get $DW)) (local.get $PW)))
          (local.set $lo (call $lo (local.get $off) (local.get $SW) (local.get $OW)))
          (local.set $hi (call $smax (local.get $lo) (call $hi (local.get $off) (local.get $SW) (local.get $IW) (local.get $OW))))
          (call $im2colRows (local.get $col) (local.get $src) (local.get $g)
            (i32.sub (i32.mul (local.get $ky) (local.get $DH)) (local.get $PH)) (local.get $off) (local.get $lo) (local.get $hi))
          (local.set $col (i32.add (local.get $col) (i32.shl (i32.mul (local.get $OH) (local.get $OW)) (i32.const 2))))
          (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
          (br $lkx)))
        (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
        (br $lky)))
      (local.set $src (i32.add (local.get $src) (i32.shl (i32.mul (local.get $IH) (local.get $IW)) (i32.const 2))))
      (local.set $ic (i32.add (local.get $ic) (i32.const 1)))
      (br $lic))))

  ;; THREADS-END
