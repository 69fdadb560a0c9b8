;; Declares a 32-bit memory of at most 81920 pages (5 GiB). A 32-bit memory
;; can address 4 GiB (65536 pages), so this module is invalid: browsers and
;; wazero refuse to compile it. Built with wat2wasm --no-check.
(module
  (memory (export "memory") 1 81920))
