//! An iris classifier as a pwagen model, in Rust.
//!
//! - `model.rs` is the model: `INPUT_LEN`, `load_weights` and `predict`.
//! - `kernels.rs` calls pwagen's WebAssembly kernels (SIMD where the browser
//!   has it) in the browser, and the same arithmetic in plain Rust natively,
//!   so `cargo test` runs the model on any machine.
//! - `abi.rs` is pwagen's model ABI, the exports the loader calls; keep it
//!   as it is.

mod abi;
mod kernels;
mod model;
