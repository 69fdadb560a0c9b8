//! pwagen's kernels (docs/kernels.md) behind a safe interface. In the
//! WebAssembly build they are imported from module "kernels", which the
//! pwagen loader links beside the model: hand-written WebAssembly with
//! 128-bit SIMD where the browser has it. Natively (`cargo test`) the same
//! arithmetic runs in plain Rust: every product is rounded to f32 before it
//! is added, in the order of the plain loops below, as pwagen's Go kernels do.
//! Keep this file as it is; `pwagen new --template rust` writes it.
#![allow(dead_code)] // a model uses some of the kernels

/// gemv sets y = a·x + b: a is y.len() rows of x.len() values; b (one per
/// row) may be None.
pub fn gemv(y: &mut [f32], a: &[f32], x: &[f32], b: Option<&[f32]>) {
    let (m, n) = (y.len(), x.len());
    assert_eq!(a.len(), m * n, "gemv: a has {} values, want {}×{}", a.len(), m, n);
    if let Some(b) = b {
        assert_eq!(b.len(), m, "gemv: b has {} values, want {}", b.len(), m);
    }
    if m == 0 {
        return;
    }
    imp::gemv(y, a, x, b, m, n)
}

/// gemm sets c = a·b + bias: a is m×k, b is k×n and c is m×n, row by row;
/// bias (one per row of c) may be None.
pub fn gemm(c: &mut [f32], a: &[f32], b: &[f32], bias: Option<&[f32]>, m: usize, k: usize, n: usize) {
    assert!(c.len() == m * n && a.len() == m * k && b.len() == k * n, "gemm: sizes c={} a={} b={} for m={} k={} n={}", c.len(), a.len(), b.len(), m, k, n);
    if let Some(bias) = bias {
        assert_eq!(bias.len(), m, "gemm: bias has {} values, want {}", bias.len(), m);
    }
    if c.is_empty() {
        return;
    }
    imp::gemm(c, a, b, bias, m, k, n)
}

/// im2col lays out the k×k patches of src (in_c channels of h×w) as the
/// in_c·k·k rows of col, each of (h-k+1)·(w-k+1) values.
pub fn im2col(col: &mut [f32], src: &[f32], in_c: usize, h: usize, w: usize, k: usize) {
    assert!(k >= 1 && h >= k && w >= k, "im2col: sizes h={} w={} k={}", h, w, k);
    assert_eq!(src.len(), in_c * h * w, "im2col: src has {} values, want {}", src.len(), in_c * h * w);
    assert_eq!(col.len(), in_c * k * k * (h - k + 1) * (w - k + 1), "im2col: col has {} values", col.len());
    if col.is_empty() {
        return;
    }
    imp::im2col(col, src, in_c, h, w, k)
}

/// relu sets the negative values of x to zero, in place.
pub fn relu(x: &mut [f32]) {
    if !x.is_empty() {
        imp::relu(x)
    }
}

/// softmax turns the logits in x into probabilities, in place:
/// exp(x[i]-max) / sum, with the exponentials and the sum in f64.
pub fn softmax(x: &mut [f32]) {
    if !x.is_empty() {
        imp::softmax(x)
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    #[link(wasm_import_module = "kernels")]
    extern "C" {
        #[link_name = "gemv"]
        fn k_gemv(y: *mut f32, a: *const f32, x: *const f32, b: *const f32, m: i32, n: i32);
        #[link_name = "gemm"]
        fn k_gemm(c: *mut f32, a: *const f32, b: *const f32, bias: *const f32, m: i32, k: i32, n: i32);
        #[link_name = "im2col"]
        fn k_im2col(col: *mut f32, src: *const f32, in_c: i32, h: i32, w: i32, k: i32);
        #[link_name = "relu"]
        fn k_relu(dst: *mut f32, x: *const f32, n: i32);
        #[link_name = "softmax"]
        fn k_softmax(x: *mut f32, n: i32);
    }

    fn opt(b: Option<&[f32]>) -> *const f32 {
        b.map_or(std::ptr::null(), |b| b.as_ptr()) // the kernels read no bias at address 0
    }

    // Safety: the callers in kernels.rs checked every length; the kernels
    // touch only the n values at each pointer.
    pub fn gemv(y: &mut [f32], a: &[f32], x: &[f32], b: Option<&[f32]>, m: usize, n: usize) {
        unsafe { k_gemv(y.as_mut_ptr(), a.as_ptr(), x.as_ptr(), opt(b), m as i32, n as i32) }
    }
    pub fn gemm(c: &mut [f32], a: &[f32], b: &[f32], bias: Option<&[f32]>, m: usize, k: usize, n: usize) {
        unsafe { k_gemm(c.as_mut_ptr(), a.as_ptr(), b.as_ptr(), opt(bias), m as i32, k as i32, n as i32) }
    }
    pub fn im2col(col: &mut [f32], src: &[f32], in_c: usize, h: usize, w: usize, k: usize) {
        unsafe { k_im2col(col.as_mut_ptr(), src.as_ptr(), in_c as i32, h as i32, w as i32, k as i32) }
    }
    pub fn relu(x: &mut [f32]) {
        unsafe { k_relu(x.as_mut_ptr(), x.as_ptr(), x.len() as i32) }
    }
    pub fn softmax(x: &mut [f32]) {
        unsafe { k_softmax(x.as_mut_ptr(), x.len() as i32) }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    fn dot(x: &[f32], y: &[f32]) -> f32 {
        let mut s = 0f32;
        for (a, b) in x.iter().zip(y) {
            s += a * b; // Rust never fuses a multiply-add unless asked
        }
        s
    }

    pub fn gemv(y: &mut [f32], a: &[f32], x: &[f32], b: Option<&[f32]>, _m: usize, n: usize) {
        for (i, yi) in y.iter_mut().enumerate() {
            let s = b.map_or(0.0, |b| b[i]);
            *yi = s + dot(&a[i * n..i * n + n], x);
        }
    }

    pub fn gemm(c: &mut [f32], a: &[f32], b: &[f32], bias: Option<&[f32]>, m: usize, k: usize, n: usize) {
        for i in 0..m {
            let row = &mut c[i * n..i * n + n];
            let v = bias.map_or(0.0, |b| b[i]);
            row.iter_mut().for_each(|r| *r = v);
            for p in 0..k {
                let alpha = a[i * k + p];
                for (r, x) in row.iter_mut().zip(&b[p * n..p * n + n]) {
                    *r += alpha * x;
                }
            }
        }
    }

    pub fn im2col(col: &mut [f32], src: &[f32], in_c: usize, h: usize, w: usize, k: usize) {
        let (oh, ow) = (h - k + 1, w - k + 1);
        let plane = oh * ow;
        for ic in 0..in_c {
            let inp = &src[ic * h * w..(ic + 1) * h * w];
            for ky in 0..k {
                for kx in 0..k {
                    let c = &mut col[((ic * k + ky) * k + kx) * plane..][..plane];
                    for oy in 0..oh {
                        let from = (oy + ky) * w + kx;
                        c[oy * ow..(oy + 1) * ow].copy_from_slice(&inp[from..from + ow]);
                    }
                }
            }
        }
    }

    pub fn relu(x: &mut [f32]) {
        for v in x.iter_mut() {
            if *v < 0.0 {
                *v = 0.0;
            }
        }
    }

    pub fn softmax(x: &mut [f32]) {
        let m = x.iter().copied().fold(x[0], f32::max);
        let sum: f64 = x.iter().map(|&v| ((v - m) as f64).exp()).sum();
        for v in x.iter_mut() {
            *v = (((*v - m) as f64).exp() / sum) as f32;
        }
    }
}
