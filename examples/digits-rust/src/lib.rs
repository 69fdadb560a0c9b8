//! The digit reader of examples/digits as a Rust pwagen model: the same
//! network, the same weights file (weights/digits.bin, a copy of
//! examples/digits/weights/digits.bin) and the same answers.
//!
//! - `model.rs` is the network: `INPUT_LEN`, `load_weights` and `predict`.
//! - `kernels.rs` and `abi.rs` are the files `pwagen new --template rust`
//!   writes, unchanged.

mod abi;
mod kernels;
mod model;
