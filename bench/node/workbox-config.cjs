// `workbox generateSW workbox-config.cjs` over the folder in WB_OUT: the
// app shell precached, the model and its weights cached on first use.
const out = process.env.WB_OUT;
module.exports = {
  globDirectory: out,
  globPatterns: ['**/*.{html,js,css,png,json,svg,webmanifest}'],
  swDest: out + '/sw.js',
  sourcemap: false,
  navigateFallback: 'index.html',
  cleanupOutdatedCaches: true,
  runtimeCaching: [{ urlPattern: /\.(?:wasm|bin)$/, handler: 'CacheFirst', options: { cacheName: 'model' } }],
};
