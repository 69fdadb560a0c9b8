// Start-up marks: where a load's time goes (info.stages). Each stage is a
// performance.mark named "pwagen:<stage>" (visible in a DevTools trace)
// and a time kept here on the epoch clock (timeOrigin + now), the one
// clock the page and its workers share: the page puts the worker's marks
// on its own timeline, ms from its navigation start.

/** marks holds this context's stages: name → epoch ms. */
export const marks = {};

/** mark records stage name now, in into; a stage marked again keeps its first time. */
export function mark(name, into = marks) {
  if (name in into) return;
  into[name] = performance.timeOrigin + performance.now();
  try {
    performance.mark('pwagen:' + name);
  } catch {
    // a browser without User Timing in workers: the time above is enough
  }
}

/** timeline turns epoch marks into whole ms from this page's navigation start, in time order. */
export function timeline(m) {
  return Object.fromEntries(Object.entries(m).sort((a, b) => a[1] - b[1]).map(([k, v]) => [k, Math.round(v - performance.timeOrigin)]));
}
