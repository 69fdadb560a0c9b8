//! The model: an iris classifier, a small multilayer perceptron
//! (4 inputs → hidden tanh layer → 3 softmax outputs).
//!
//! pwagen needs three things from this module (see abi.rs):
//!
//!     pub const INPUT_LEN: usize;                         // f32 values per input
//!     pub fn load_weights(b: &[u8]) -> Result<(), String>; // parse the weights file
//!     pub fn predict(input: &[f32], out: &mut Vec<f32>) -> Result<(), String>;
//!
//! The dense layers call kernels.rs: pwagen's WebAssembly kernels in the
//! browser, plain Rust natively, so `cargo test` runs this file as it is.
//!
//! # Weights file format (version 1)
//!
//! All numbers are little-endian.
//!
//!     offset  size  field
//!     0       4     magic "PWIR"
//!     4       4     uint32 version = 1
//!     8       4     uint32 in      = 4 (features)
//!     12      4     uint32 hidden  (1..1024)
//!     16      4     uint32 out     = 3 (classes)
//!     20      ...   float32 values, in this order:
//!                   mean[in], std[in]        feature standardisation
//!                   w1[hidden][in], b1[hidden]
//!                   w2[out][hidden], b2[out]
//!
//! The file is exactly 20 + 4*(2*in + hidden*in + hidden + out*hidden + out)
//! bytes; for hidden = 16 that is 576 bytes. The model computes
//!
//!     x = (in - mean) / std
//!     h = tanh(w1·x + b1)
//!     p = softmax(w2·h + b2)

use crate::kernels;

/// INPUT_LEN is the number of f32 values per input: sepal length, sepal
/// width, petal length and petal width, in centimetres.
pub const INPUT_LEN: usize = 4;

/// CLASS_NAMES are the species the outputs stand for, in output order.
pub const CLASS_NAMES: [&str; 3] = ["setosa", "versicolor", "virginica"];

const MAGIC: &[u8; 4] = b"PWIR";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 20;
const MAX_HIDDEN: u32 = 1024;

/// Mlp is a parsed weights file.
pub struct Mlp {
    mean: Vec<f32>,
    std: Vec<f32>,
    w1: Vec<f32>,
    b1: Vec<f32>,
    w2: Vec<f32>,
    b2: Vec<f32>,
    hidden: Vec<f32>, // scratch space for predict
}

/// NET is the model load_weights installed; None until then.
static mut NET: Option<Mlp> = None;

fn net() -> &'static mut Option<Mlp> {
    // Safety: WebAssembly runs one call at a time, and tests use their own Mlp.
    unsafe { &mut *std::ptr::addr_of_mut!(NET) }
}

/// load_weights parses a weights file (format above) and makes it the model
/// predict uses. On error the previous model, if any, stays in place.
pub fn load_weights(b: &[u8]) -> Result<(), String> {
    *net() = Some(Mlp::parse(b)?);
    Ok(())
}

/// predict writes the probabilities of the three classes (they sum to 1)
/// for one flower's four measurements in centimetres to out.
pub fn predict(input: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
    match net() {
        Some(m) => m.predict(input, out),
        None => Err("predict: no weights loaded; call load_weights first".into()),
    }
}

fn le32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

impl Mlp {
    pub fn parse(b: &[u8]) -> Result<Mlp, String> {
        if b.len() < HEADER_LEN {
            return Err(format!("weights: got {} bytes, want at least {} for the header; this is not an iris weights file", b.len(), HEADER_LEN));
        }
        if &b[..4] != MAGIC {
            return Err(format!("weights: bad magic {:?}, want \"PWIR\"; this is not an iris weights file", String::from_utf8_lossy(&b[..4])));
        }
        let v = le32(b, 4);
        if v != VERSION {
            return Err(format!("weights: format version {}, want {}; retrain, or use a newer src/model.rs", v, VERSION));
        }
        let (ni, nh, no) = (le32(b, 8), le32(b, 12), le32(b, 16));
        if ni as usize != INPUT_LEN {
            return Err(format!("weights: {} input features, want {}", ni, INPUT_LEN));
        }
        if no as usize != CLASS_NAMES.len() {
            return Err(format!("weights: {} classes, want {}", no, CLASS_NAMES.len()));
        }
        if !(1..=MAX_HIDDEN).contains(&nh) {
            return Err(format!("weights: hidden layer of {} units, want 1 to {}", nh, MAX_HIDDEN));
        }
        let (ni, nh, no) = (ni as usize, nh as usize, no as usize);
        let count = 2 * ni + nh * ni + nh + no * nh + no;
        let want = HEADER_LEN + 4 * count;
        if b.len() != want {
            return Err(format!("weights: got {} bytes, want {} (header {} + {} float32 values for {}→{}→{})", b.len(), want, HEADER_LEN, count, ni, nh, no));
        }
        let mut vals = Vec::with_capacity(count);
        for i in 0..count {
            let off = HEADER_LEN + 4 * i;
            let v = f32::from_bits(le32(b, off));
            if !v.is_finite() {
                return Err(format!("weights: value {} (byte offset {}) is {}, want a finite number", i, off, v));
            }
            vals.push(v);
        }
        let mut rest = &vals[..];
        let mut next = |n: usize| {
            let (s, r) = rest.split_at(n);
            rest = r;
            s.to_vec()
        };
        let m = Mlp { mean: next(ni), std: next(ni), w1: next(nh * ni), b1: next(nh), w2: next(no * nh), b2: next(no), hidden: vec![0.0; nh] };
        if let Some(i) = m.std.iter().position(|&s| !(s > 0.0)) {
            return Err(format!("weights: std[{}] = {}, want > 0", i, m.std[i]));
        }
        Ok(m)
    }

    pub fn predict(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
        if input.len() != INPUT_LEN {
            return Err(format!("predict: got {} input values, want {} (sepal length, sepal width, petal length, petal width)", input.len(), INPUT_LEN));
        }
        if let Some(i) = input.iter().position(|v| !v.is_finite()) {
            return Err(format!("predict: input {} is {}, want a finite number", i, input[i]));
        }
        let mut x = [0f32; INPUT_LEN];
        for i in 0..INPUT_LEN {
            x[i] = (input[i] - self.mean[i]) / self.std[i];
        }
        kernels::gemv(&mut self.hidden, &self.w1, &x, Some(&self.b1)); // h = w1·x + b1
        for h in self.hidden.iter_mut() {
            *h = (*h as f64).tanh() as f32;
        }
        out.clear();
        out.resize(self.b2.len(), 0.0);
        kernels::gemv(out, &self.w2, &self.hidden, Some(&self.b2)); // logits = w2·h + b2
        kernels::softmax(out);
        if out.iter().any(|p| p.is_nan()) {
            return Err("predict: result is not a number; the weights overflow float32 for this input".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// argmax returns the index of the largest value (the first one on ties).
    fn argmax(p: &[f32]) -> usize {
        let mut best = 0;
        for (i, &v) in p.iter().enumerate() {
            if v > p[best] {
                best = i;
            }
        }
        best
    }

    const WEIGHTS: &[u8] = include_bytes!("../weights/iris.bin");

    fn classify(m: &mut Mlp, input: [f32; 4]) -> &'static str {
        let mut out = Vec::new();
        m.predict(&input, &mut out).unwrap();
        let sum: f32 = out.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5, "probabilities sum to {}", sum);
        CLASS_NAMES[argmax(&out)]
    }

    #[test]
    fn tells_the_species_apart() {
        let mut m = Mlp::parse(WEIGHTS).unwrap();
        // One flower of each species from the Iris data set.
        assert_eq!(classify(&mut m, [5.1, 3.5, 1.4, 0.2]), "setosa");
        assert_eq!(classify(&mut m, [6.4, 3.2, 4.5, 1.5]), "versicolor");
        assert_eq!(classify(&mut m, [6.3, 3.3, 6.0, 2.5]), "virginica");
    }

    #[test]
    fn bad_weights_say_why() {
        for (b, want) in [
            (&WEIGHTS[..10], "want at least 20"),
            (&b"XXXX\x01\0\0\0\x04\0\0\0\x10\0\0\0\x03\0\0\0"[..], "bad magic"),
            (&WEIGHTS[..WEIGHTS.len() - 4], "want 576"),
        ] {
            let err = Mlp::parse(b).err().expect("parse succeeded");
            assert!(err.contains(want), "error {:?} does not say {:?}", err, want);
        }
    }

    #[test]
    fn bad_input_says_why() {
        let mut m = Mlp::parse(WEIGHTS).unwrap();
        let mut out = Vec::new();
        assert!(m.predict(&[1.0, 2.0], &mut out).unwrap_err().contains("want 4"));
        assert!(m.predict(&[1.0, f32::NAN, 1.0, 1.0], &mut out).unwrap_err().contains("finite"));
    }
}
