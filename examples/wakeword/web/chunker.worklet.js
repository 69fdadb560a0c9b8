// The audio worklet: the microphone's samples, mono, resampled to 16 kHz by
// linear interpolation, posted to the page in chunks of 1280 samples (80 ms),
// the input of one predict.
const RATE = 16000;
const CHUNK = 1280;

class Chunker extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / RATE; // input samples per output sample
    this.pos = 0; // position of the next output sample, in input samples from this block's start
    this.prev = 0; // the last input sample of the previous block (position -1)
    this.chunk = new Float32Array(CHUNK);
    this.n = 0;
  }

  process(inputs) {
    const ch = inputs[0]?.[0];
    if (!ch || ch.length === 0) return true;
    const len = ch.length;
    // Output samples between input samples i and i+1, for i from -1 (the
    // previous block's last) to len-2; the rest wait for the next block.
    while (this.pos < len - 1) {
      const i = Math.floor(this.pos);
      const f = this.pos - i;
      const a = i < 0 ? this.prev : ch[i];
      const b = ch[i + 1];
      this.chunk[this.n++] = a + (b - a) * f;
      if (this.n === CHUNK) {
        this.port.postMessage(this.chunk, [this.chunk.buffer]);
        this.chunk = new Float32Array(CHUNK);
        this.n = 0;
      }
      this.pos += this.step;
    }
    this.pos -= len;
    this.prev = ch[len - 1];
    return true;
  }
}

registerProcessor('chunker', Chunker);
