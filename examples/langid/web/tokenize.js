// The model's tokenizer, the same as the trainer's (train/train.py) and the
// Go tests' (vocab/vocab.go): NFC, lower case, one id per character (code
// point), the first MAX_LEN characters, then padding with a mask. vocab.js
// is generated from train/vocab.json (go test ./examples/langid -run
// TestVocabJS -update).
import { CHARS, MAX_LEN, PAD, UNK } from './vocab.js';

const ids = new Map(CHARS.map((c, i) => [c, i + 2]));

/**
 * Token ids and attention mask of one word, as the model takes them.
 * @param {string} text
 * @returns {{ids: BigInt64Array, mask: BigInt64Array, length: number}}
 */
export function encode(text) {
  const out = { ids: new BigInt64Array(MAX_LEN).fill(BigInt(PAD)), mask: new BigInt64Array(MAX_LEN), length: 0 };
  for (const c of text.normalize('NFC').toLowerCase()) {
    if (out.length === MAX_LEN) break;
    out.ids[out.length] = BigInt(ids.get(c) ?? UNK);
    out.mask[out.length] = 1n;
    out.length++;
  }
  return out;
}

/**
 * The words of a phrase: runs of letters (and combining marks), as the
 * trainer's words are; digits, spaces and punctuation separate them.
 * @param {string} text
 * @returns {string[]}
 */
export function words(text) {
  return text.normalize('NFC').match(/[\p{L}\p{M}]+/gu) ?? [];
}

/**
 * The model's logits for one encoded word, through the loader.
 *
 * The typed loader call (docs/contract.md): each input by name, in its
 * own type (int64 ids and mask as BigInt64Arrays); one output, so the
 * result is a Float32Array.
 * @param {{predict: function}} model from loadModel()
 * @param {{ids: BigInt64Array, mask: BigInt64Array}} enc from encode()
 * @returns {Promise<Float32Array>} one logit per language
 */
export async function logits(model, enc) {
  return model.predict({ input_ids: enc.ids, attention_mask: enc.mask });
}

/** Softmax of logits, in float64. */
export function softmax(z) {
  const m = Math.max(...z);
  const e = Array.from(z, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * Language probabilities of a phrase: the mean of its words' log
 * probabilities (the last 8 words), normalised; a single word gets exactly
 * the model's softmax. null when there is no word.
 * @returns {Promise<number[]|null>}
 */
export async function phraseProbabilities(model, text) {
  const ws = words(text).slice(-8);
  if (ws.length === 0) return null;
  let sum = null;
  for (const w of ws) {
    const p = softmax(await logits(model, encode(w)));
    const lp = p.map((v) => Math.log(Math.max(v, 1e-30)));
    sum = sum ? sum.map((v, i) => v + lp[i]) : lp;
  }
  return softmax(sum.map((v) => v / ws.length));
}
