//! pwagen's model ABI: the functions the pwagen loader (and `pwagen
//! validate`) call, as in docs/design.md. It is written by `pwagen new
//! --template rust`; keep it as it is and write the model in model.rs, which
//! provides:
//!
//!     pub const INPUT_LEN: usize;                         // f32 values per input
//!     pub fn load_weights(b: &[u8]) -> Result<(), String>; // parse the weights file
//!     pub fn predict(input: &[f32], out: &mut Vec<f32>) -> Result<(), String>;
//!
//! Memory is shared with the loader: it writes the weights and the input
//! straight into the buffers allocated here, so nothing is copied twice.
//! WebAssembly runs one call at a time, so the state is a plain static.

use crate::model;

struct State {
    weights: Vec<u8>,
    input: Vec<f32>,
    output: Vec<f32>,
    error: Vec<u8>,
}

static mut STATE: State = State { weights: Vec::new(), input: Vec::new(), output: Vec::new(), error: Vec::new() };

fn state() -> &'static mut State {
    // Safety: the loader calls one export at a time, and none re-enters.
    unsafe { &mut *std::ptr::addr_of_mut!(STATE) }
}

fn fail(s: &mut State, msg: String) -> i32 {
    s.error = msg.into_bytes();
    -1
}

/// `_initialize` makes the module a reactor: the loader calls it once, and
/// the exports below then run without re-running the start-up code.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn _initialize() {
    extern "C" {
        fn __wasm_call_ctors();
    }
    unsafe { __wasm_call_ctors() }
}

/// pwagen_alloc_weights reserves the buffer the loader copies the weights
/// into, shard by shard, at their offsets.
#[no_mangle]
pub extern "C" fn pwagen_alloc_weights(size: u32) -> *mut u8 {
    let s = state();
    s.weights = vec![0; size as usize];
    if size == 0 {
        return std::ptr::null_mut();
    }
    s.weights.as_mut_ptr()
}

/// pwagen_load_weights parses the weights the loader wrote; 0 means success.
#[no_mangle]
pub extern "C" fn pwagen_load_weights() -> i32 {
    let s = state();
    match model::load_weights(&s.weights) {
        Ok(()) => 0,
        Err(e) => fail(s, e),
    }
}

/// pwagen_input_len is the number of f32 values predict expects.
#[no_mangle]
pub extern "C" fn pwagen_input_len() -> i32 {
    model::INPUT_LEN as i32
}

/// pwagen_alloc_input reserves room for n f32 values of input.
#[no_mangle]
pub extern "C" fn pwagen_alloc_input(n: u32) -> *mut f32 {
    let s = state();
    s.input.clear();
    s.input.resize(n.max(1) as usize, 0.0);
    s.input.truncate(n as usize);
    s.input.as_mut_ptr()
}

/// pwagen_predict runs the model on the input and returns the number of
/// output values, or -1 with the reason in pwagen_error.
#[no_mangle]
pub extern "C" fn pwagen_predict() -> i32 {
    let s = state();
    let mut out = std::mem::take(&mut s.output);
    out.clear();
    let r = model::predict(&s.input, &mut out);
    s.output = out;
    match r {
        Ok(()) => s.output.len() as i32,
        Err(e) => fail(s, e),
    }
}

/// pwagen_output points at the output of the last predict.
#[no_mangle]
pub extern "C" fn pwagen_output() -> *const f32 {
    let s = state();
    if s.output.is_empty() {
        return std::ptr::null();
    }
    s.output.as_ptr()
}

/// pwagen_error and pwagen_error_len give the last error as UTF-8 bytes.
#[no_mangle]
pub extern "C" fn pwagen_error() -> *const u8 {
    let s = state();
    if s.error.is_empty() {
        return std::ptr::null();
    }
    s.error.as_ptr()
}

#[no_mangle]
pub extern "C" fn pwagen_error_len() -> i32 {
    state().error.len() as i32
}
