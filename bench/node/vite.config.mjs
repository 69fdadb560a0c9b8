// vite build with vite-plugin-pwa over a bench fixture: BENCH_WEB is the
// app's web folder, BENCH_PUBLIC holds the files Vite copies as they are
// (icon, model, weights), BENCH_OUT is the output.
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  root: process.env.BENCH_WEB,
  publicDir: process.env.BENCH_PUBLIC,
  logLevel: 'warn',
  build: {
    outDir: process.env.BENCH_OUT,
    emptyOutDir: true,
    target: ['chrome100', 'edge100', 'firefox115', 'safari16.4'],
    rollupOptions: { external: (id) => id === './pwagen.js' || id.endsWith('/pwagen.js') },
  },
  plugins: [
    VitePWA({
      registerType: 'prompt',
      injectRegister: 'script',
      manifest: {
        name: 'Bench app', short_name: 'Bench', theme_color: '#2f6f4e', background_color: '#ffffff',
        icons: [{ src: 'icon.png', sizes: '512x512', type: 'image/png' }],
      },
      workbox: {
        globPatterns: ['**/*.{html,js,css,png,json,svg}'],
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
        runtimeCaching: [{ urlPattern: /\.(?:wasm|bin)$/, handler: 'CacheFirst', options: { cacheName: 'model' } }],
      },
    }),
  ],
});
