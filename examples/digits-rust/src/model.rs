//! The network of examples/digits (model/digitnet), in Rust:
//!
//!     28×28 → conv 5×5 (C1) → ReLU → max-pool 2 → conv 5×5 (C2) → ReLU → max-pool 2
//!           → dense (C2·4·4 → Hidden) → ReLU → dense (Hidden → 10) → softmax
//!
//! The weights file (weights/digits.bin), all integers and floats
//! little-endian:
//!
//!     offset  size  field
//!     0       8     magic "PWDIGIT1"
//!     8       4     uint32 C1, channels of the first convolution
//!     12      4     uint32 C2, channels of the second convolution
//!     16      4     uint32 Hidden, units of the hidden dense layer
//!     20      ...   float32 tensors, in this order, each row-major:
//!                   conv1.weight C1×1×5×5, conv1.bias C1,
//!                   conv2.weight C2×C1×5×5, conv2.bias C2,
//!                   fc1.weight Hidden×(C2·4·4), fc1.bias Hidden,
//!                   fc2.weight 10×Hidden, fc2.bias 10
//!
//! The file ends right after the last tensor.

use crate::kernels;

const SIDE: usize = 28;
/// INPUT_LEN is one 28×28 greyscale image, 0 (paper) to 1 (ink), row by
/// row. predict also takes several images one after another, and then
/// returns ten probabilities per image.
pub const INPUT_LEN: usize = SIDE * SIDE;
const CLASSES: usize = 10;
const K: usize = 5; // convolution kernels are K×K
const CONV1: usize = SIDE - K + 1; // 24
const POOL1: usize = CONV1 / 2; // 12
const CONV2: usize = POOL1 - K + 1; // 8
const POOL2: usize = CONV2 / 2; // 4

const MAGIC: &[u8; 8] = b"PWDIGIT1";
const HEADER_LEN: usize = 8 + 3 * 4;
const MAX_CHANNEL: u32 = 1024;

/// Net is a parsed weights file with scratch space for one forward pass.
pub struct Net {
    c1: usize,
    c2: usize,
    conv1_w: Vec<f32>,
    conv1_b: Vec<f32>,
    conv2_w: Vec<f32>,
    conv2_b: Vec<f32>,
    fc1_w: Vec<f32>,
    fc1_b: Vec<f32>,
    fc2_w: Vec<f32>,
    fc2_b: Vec<f32>,
    // activations
    conv1: Vec<f32>,
    pool1: Vec<f32>,
    conv2: Vec<f32>,
    pool2: Vec<f32>,
    hid: Vec<f32>,
    out: Vec<f32>,
    col: Vec<f32>,
}

static mut NET: Option<Net> = None;

fn net() -> &'static mut Option<Net> {
    // Safety: WebAssembly runs one call at a time, and tests use their own Net.
    unsafe { &mut *std::ptr::addr_of_mut!(NET) }
}

/// load_weights parses weights/digits.bin and makes it the network predict
/// uses. On error the previous network, if any, stays in place.
pub fn load_weights(b: &[u8]) -> Result<(), String> {
    *net() = Some(Net::parse(b)?);
    Ok(())
}

/// predict appends the ten class probabilities of each image in input to out.
pub fn predict(input: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
    match net() {
        Some(n) => n.predict(input, out),
        None => Err("predict before the weights were loaded: call pwagen_load_weights first".into()),
    }
}

fn le32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

impl Net {
    pub fn parse(b: &[u8]) -> Result<Net, String> {
        if b.len() < HEADER_LEN {
            return Err(format!("weights: file is {} bytes, shorter than the {}-byte header; is this a digits weights file?", b.len(), HEADER_LEN));
        }
        if &b[..8] != MAGIC {
            return Err(format!("weights: offset 0: magic {:?}, want \"PWDIGIT1\"; this is not a digits weights file", String::from_utf8_lossy(&b[..8])));
        }
        let mut dims = [0usize; 3];
        for (i, name) in ["C1", "C2", "Hidden"].iter().enumerate() {
            let off = 8 + 4 * i;
            let v = le32(b, off);
            if v == 0 || v > MAX_CHANNEL {
                return Err(format!("weights: offset {}: {} = {}, want 1 to {}", off, name, v, MAX_CHANNEL));
            }
            dims[i] = v as usize;
        }
        let [c1, c2, hidden] = dims;
        let flat = c2 * POOL2 * POOL2;
        let sizes = [c1 * K * K, c1, c2 * c1 * K * K, c2, hidden * flat, hidden, CLASSES * hidden, CLASSES];
        let want = HEADER_LEN + 4 * sizes.iter().sum::<usize>();
        if b.len() != want {
            return Err(format!("weights: file is {} bytes; a network with C1={} C2={} Hidden={} needs {}; the file is truncated or from another version", b.len(), c1, c2, hidden, want));
        }
        let mut off = HEADER_LEN;
        let mut next = |n: usize| {
            let t: Vec<f32> = b[off..off + 4 * n].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            off += 4 * n;
            t
        };
        let (conv1_w, conv1_b, conv2_w, conv2_b) = (next(sizes[0]), next(sizes[1]), next(sizes[2]), next(sizes[3]));
        let (fc1_w, fc1_b, fc2_w, fc2_b) = (next(sizes[4]), next(sizes[5]), next(sizes[6]), next(sizes[7]));
        let col = (K * K * CONV1 * CONV1).max(c1 * K * K * CONV2 * CONV2);
        Ok(Net {
            c1, c2, conv1_w, conv1_b, conv2_w, conv2_b, fc1_w, fc1_b, fc2_w, fc2_b,
            conv1: vec![0.0; c1 * CONV1 * CONV1],
            pool1: vec![0.0; c1 * POOL1 * POOL1],
            conv2: vec![0.0; c2 * CONV2 * CONV2],
            pool2: vec![0.0; flat],
            hid: vec![0.0; hidden],
            out: vec![0.0; CLASSES],
            col: vec![0.0; col],
        })
    }

    /// predict classifies input.len()/INPUT_LEN images and appends their
    /// class probabilities (ten per image) to out.
    pub fn predict(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
        if input.is_empty() || input.len() % INPUT_LEN != 0 {
            return Err(format!("digitnet: input has {} values; want a positive multiple of {} (28×28 pixels per image)", input.len(), INPUT_LEN));
        }
        for img in input.chunks_exact(INPUT_LEN) {
            self.forward(img);
            out.extend_from_slice(&self.out);
        }
        Ok(())
    }

    fn forward(&mut self, img: &[f32]) {
        conv(&mut self.conv1, img, &mut self.col, 1, SIDE, &self.conv1_w, &self.conv1_b, self.c1);
        kernels::relu(&mut self.conv1);
        max_pool2(&mut self.pool1, &self.conv1, self.c1, CONV1);
        conv(&mut self.conv2, &self.pool1, &mut self.col, self.c1, POOL1, &self.conv2_w, &self.conv2_b, self.c2);
        kernels::relu(&mut self.conv2);
        max_pool2(&mut self.pool2, &self.conv2, self.c2, CONV2);
        kernels::gemv(&mut self.hid, &self.fc1_w, &self.pool2, Some(&self.fc1_b));
        kernels::relu(&mut self.hid);
        kernels::gemv(&mut self.out, &self.fc2_w, &self.hid, Some(&self.fc2_b));
        kernels::softmax(&mut self.out);
    }
}

/// conv is a valid stride-1 convolution of src (in_c×side×side) with K×K
/// kernels: im2col, then one gemm, as digitnet.Conv (kernels.Conv2D).
#[allow(clippy::too_many_arguments)]
fn conv(dst: &mut [f32], src: &[f32], col: &mut [f32], in_c: usize, side: usize, w: &[f32], b: &[f32], out_c: usize) {
    let o = side - K + 1;
    let col = &mut col[..in_c * K * K * o * o];
    kernels::im2col(col, src, in_c, side, side, K);
    kernels::gemm(dst, w, col, Some(b), out_c, in_c * K * K, o * o);
}

/// max_pool2 takes the maximum of each 2×2 block of src (c×h×h) into dst.
fn max_pool2(dst: &mut [f32], src: &[f32], c: usize, h: usize) {
    let o = h / 2;
    for ch in 0..c {
        for oy in 0..o {
            for ox in 0..o {
                let base = ch * h * h + 2 * oy * h + 2 * ox;
                let mut best = src[base];
                for j in [base + 1, base + h, base + h + 1] {
                    if src[j] > best {
                        best = src[j];
                    }
                }
                dst[(ch * o + oy) * o + ox] = best;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEIGHTS: &[u8] = include_bytes!("../weights/digits.bin");

    #[test]
    fn probabilities_sum_to_one() {
        let mut n = Net::parse(WEIGHTS).unwrap();
        let mut out = Vec::new();
        let blank = [0f32; INPUT_LEN];
        let mut two = blank.to_vec();
        two.extend_from_slice(&[1.0; INPUT_LEN]);
        n.predict(&two, &mut out).unwrap();
        assert_eq!(out.len(), 2 * CLASSES);
        for p in out.chunks(CLASSES) {
            let s: f32 = p.iter().sum();
            assert!((s - 1.0).abs() < 1e-5, "sum {}", s);
        }
    }

    #[test]
    fn bad_input_says_why() {
        let mut n = Net::parse(WEIGHTS).unwrap();
        let mut out = Vec::new();
        assert!(n.predict(&[0.0; 10], &mut out).unwrap_err().contains("multiple of 784"));
        assert!(Net::parse(&WEIGHTS[..100]).err().unwrap().contains("truncated"));
        assert!(Net::parse(b"PWDIGIT0000000000000").err().unwrap().contains("magic"));
    }
}
