;; Declares a 64-bit memory (memory64) of at most 81920 pages (5 GiB), which
;; only memory64 can declare. wazero v1.12 cannot compile memory64.
(module
  (memory (export "memory") i64 1 81920))
