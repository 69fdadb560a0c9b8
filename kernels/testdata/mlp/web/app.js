// The test page: tests call window.load(variant) and window.run(inputs).
import { loadModel } from './pwagen.js';

window.load = async (variant) => {
  window.model?.dispose();
  window.model = await loadModel({ variant, serviceWorker: false, storage: 'memory' });
  return window.model.info;
};
document.getElementById('status').textContent = 'ready';
