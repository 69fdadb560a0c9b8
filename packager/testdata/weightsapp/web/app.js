// Loads the model and keeps what the tests read in window.pw. Query:
// storage=memory, sw=0 (no service worker), maxMemory=<bytes>.
import { loadModel } from './pwagen.js';

const q = new URLSearchParams(location.search);
const st = (window.pw = { progress: [], warnings: [], info: null, answer: null, error: null, done: false });
(async () => {
  try {
    const model = await loadModel({
      storage: q.get('storage') || undefined,
      serviceWorker: q.get('sw') !== '0',
      maxMemory: q.has('maxMemory') ? +q.get('maxMemory') : undefined,
      onProgress: (p) => st.progress.push({ phase: p.phase, loaded: p.loaded, total: p.total }),
      onWarning: (m) => st.warnings.push(m),
    });
    st.info = model.info;
    st.answer = Array.from(await model.predict([2]));
    st.firstAnswerMs = performance.now();
  } catch (e) {
    st.error = e.message;
  }
  st.done = true;
  document.getElementById('status').textContent = st.error || 'ready: ' + JSON.stringify(st.answer);
})();
