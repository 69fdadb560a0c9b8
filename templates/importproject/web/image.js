// Image preprocessing for image models (input N×C×H×W, C = 1 or 3): fit a
// picture into the model's W×H frame and turn its pixels into the
// channel-first float32 planes the model takes. No DOM state: the page and
// the tests import it alike.

// coverRect is the source rectangle [sx, sy, sw, sh] of a w×h picture
// that fills a W×H frame once scaled: the largest centred crop with the
// frame's aspect ratio, so nothing is stretched.
export function coverRect(w, h, W, H) {
  const scale = Math.max(W / w, H / h);
  const sw = W / scale;
  const sh = H / scale;
  return [(w - sw) / 2, (h - sh) / 2, sw, sh];
}

// drawCover draws source (an ImageBitmap, <img>, <video> or <canvas> of
// w×h pixels) cover-cropped onto a W×H canvas and returns its RGBA bytes,
// row by row. Transparent areas read as black.
export function drawCover(source, w, h, W, H) {
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  const [sx, sy, sw, sh] = coverRect(w, h, W, H);
  ctx.drawImage(source, sx, sy, sw, sh, 0, 0, W, H);
  return ctx.getImageData(0, 0, W, H).data;
}

// toCHW turns W×H RGBA bytes into C planes of H×W floats, each value
// (v/255 − mean[c]) / std[c]. With C = 1 the plane is the luminance
// 0.299 R + 0.587 G + 0.114 B, normalised with mean[0] and std[0]. A mean
// or std with one value applies to every channel.
export function toCHW(rgba, W, H, C, mean = [0], std = [1]) {
  const n = W * H;
  const out = new Float32Array(C * n);
  for (let c = 0; c < C; c++) {
    const m = mean[c] ?? mean[0] ?? 0;
    const s = std[c] ?? std[0] ?? 1;
    for (let i = 0; i < n; i++) {
      const p = i * 4;
      const v = C === 1
        ? 0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2]
        : rgba[p + c];
      out[c * n + i] = (v / 255 - m) / s;
    }
  }
  return out;
}

// imageInput turns a picture into the model's input, given the input's
// shape [N, C, H, W] and the normalisation.
export function imageInput(source, w, h, shape, mean, std) {
  const [, C, H, W] = shape;
  return toCHW(drawCover(source, w, h, W, H), W, H, C, mean, std);
}
