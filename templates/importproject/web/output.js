// Showing what the model returned: the top classes of the first output as
// bars, and every output's raw values in a <details>.
import { size, shapeText } from './tensor.js';

// How many classes the bars show, and raw values the details list.
const TOP = 5;
const RAW = 100;

// splitOutputs cuts predict()'s values (every output, concatenated) into
// one Float32Array per output. One output of unknown size takes what the
// others leave; if the sizes do not add up, everything is one output. A
// typed model (docs/contract.md) with several outputs resolves to an object
// of typed arrays by name: each is one output.
export function splitOutputs(y, outputs) {
  const floats = (v) => (v instanceof Float32Array ? v : Float32Array.from(v, Number)); // int64 outputs are BigInt64Arrays
  if (!ArrayBuffer.isView(y)) {
    return Object.entries(y).map(([name, v]) => ({ name, shape: outputs.find((o) => o.name === name)?.shape ?? [v.length], values: floats(v) }));
  }
  y = floats(y);
  const sizes = outputs.map((o) => (o.shape.every(Number.isInteger) ? size(o.shape) : -1));
  const known = sizes.reduce((a, n) => a + Math.max(n, 0), 0);
  const unknown = sizes.filter((n) => n < 0).length;
  if (unknown === 1 && known <= y.length) sizes[sizes.indexOf(-1)] = y.length - known;
  if (outputs.length === 0 || unknown > 1 || sizes.reduce((a, n) => a + n, 0) !== y.length) {
    const name = outputs.map((o) => o.name).join(' + ') || 'output';
    return [{ name, shape: [y.length], values: y }];
  }
  let at = 0;
  return outputs.map((o, i) => ({ name: o.name, shape: o.shape, values: y.subarray(at, (at += sizes[i])) }));
}

// isProbabilities: every value within [0, 1] and their sum within 1% of 1.
export function isProbabilities(v) {
  let sum = 0;
  for (const x of v) {
    if (!(x >= 0 && x <= 1)) return false;
    sum += x;
  }
  return Math.abs(sum - 1) <= 0.01;
}

// softmax, shifted by the maximum so large scores do not overflow.
export function softmax(v) {
  let m = -Infinity;
  for (const x of v) m = Math.max(m, x);
  const e = Array.from(v, (x) => Math.exp(x - m));
  const sum = e.reduce((a, x) => a + x, 0);
  return e.map((x) => x / sum);
}

// topK gives the indices of the k largest values, largest first (ties: the
// lower index first).
export function topK(v, k) {
  return Array.from(v.keys()).sort((a, b) => v[b] - v[a] || a - b).slice(0, k);
}

// num writes a value with 6 significant digits, without trailing zeros.
function num(x) {
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
  const s = x.toPrecision(6);
  return s.includes('.') ? s.replace(/\.?0+(?=e|$)/, '') : s;
}
const pct = (p) => `${(p * 100).toFixed(1)}%`;

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text != null) e.textContent = text;
  return e;
}

// showOutputs fills the answer: #result (the top class), #scores (the
// softmax note), #bars, #time and #raw. labels name the first output's
// values, or are null.
export function showOutputs(y, ms, ui, $) {
  const parts = splitOutputs(y, ui.outputs);
  const first = parts[0].values;
  const labels = ui.labels;
  const name = (i) => labels?.[i] ?? `class ${i}`;
  const result = $('result');
  result.dataset.values = Array.from(first).join(',');
  $('time').textContent = `predict: ${ms.toFixed(1)} ms`;
  $('time').dataset.ms = String(ms);

  const classes = first.length >= 2 || (labels != null && first.length >= 1);
  let probs = first;
  let scaled = false;
  if (classes && first.length >= 2 && !isProbabilities(first)) {
    probs = softmax(first);
    scaled = true;
  }
  $('scores').hidden = !scaled;
  const bars = $('bars');
  if (!classes) {
    result.textContent = `${parts[0].name} = ${first.length ? num(first[0]) : '(empty)'}`;
    result.dataset.label = '';
    bars.replaceChildren();
  } else {
    const top = topK(probs, TOP);
    const best = top[0];
    result.textContent = `${name(best)} (${pct(probs[best])})`;
    result.dataset.label = name(best);
    bars.replaceChildren(...top.map((i) => {
      const p = Math.min(Math.max(probs[i], 0), 1);
      const li = el('li');
      li.dataset.label = name(i);
      li.dataset.value = String(first[i]);
      const track = el('span', 'track');
      const bar = el('span', i === best ? 'bar best' : 'bar');
      bar.style.width = `${(p * 100).toFixed(2)}%`; // CSSOM, allowed by the CSP
      track.append(bar);
      const value = el('span', 'pct', pct(probs[i]));
      if (scaled) value.title = `score ${num(first[i])}`;
      li.append(el('span', 'name', name(i)), track, value);
      li.setAttribute('aria-label', `${name(i)}: ${pct(probs[i])}${scaled ? `, score ${num(first[i])}` : ''}`);
      return li;
    }));
  }

  // Every output, raw.
  $('raw-list').replaceChildren(...parts.map((o) => {
    const div = el('div', 'output');
    div.append(el('h3', null, `${o.name} ${shapeText(o.shape)}`));
    const shown = Array.from(o.values.subarray(0, RAW), num).join(', ');
    const more = o.values.length > RAW ? ` … (${o.values.length - RAW} more)` : '';
    div.append(el('pre', null, shown + more));
    return div;
  }));
  $('raw').hidden = false;
}
