// The Workbox pipeline's build steps before `workbox generateSW`: esbuild
// bundles and minifies the app's JS and CSS, html-minifier-terser minifies
// the page, the other web files, the model and its weights are copied.
// Usage: node workbox-prep.mjs PROJECT MODEL.wasm OUT
import { build } from 'esbuild';
import { minify } from 'html-minifier-terser';
import fs from 'node:fs/promises';
import path from 'node:path';

const [project, wasm, out] = process.argv.slice(2);
const web = path.join(project, 'web');
await fs.rm(out, { recursive: true, force: true });
await fs.mkdir(out, { recursive: true });

await build({
  entryPoints: [path.join(web, 'app.js'), path.join(web, 'style.css')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome100', 'edge100', 'firefox115', 'safari16.4'],
  outdir: out,
  external: ['./pwagen.js'],
  loader: { '.png': 'file', '.svg': 'file', '.jpg': 'file', '.woff2': 'file' },
  assetNames: 'assets/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'error',
});

async function* walk(dir) {
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

for await (const p of walk(web)) {
  const rel = path.relative(web, p);
  const ext = path.extname(p).toLowerCase();
  if (['.js', '.mjs', '.css'].includes(ext)) continue;
  const dst = path.join(out, rel);
  await fs.mkdir(path.dirname(dst), { recursive: true });
  if (rel === 'index.html') {
    const html = await fs.readFile(p, 'utf8');
    await fs.writeFile(dst, await minify(html, {
      collapseWhitespace: true, removeComments: true, minifyCSS: true, minifyJS: true,
      removeRedundantAttributes: true, useShortDoctype: true,
    }));
  } else if (ext === '.json') {
    await fs.writeFile(dst, JSON.stringify(JSON.parse(await fs.readFile(p, 'utf8'))));
  } else {
    await fs.copyFile(p, dst);
  }
}

await fs.copyFile(wasm, path.join(out, 'model.wasm'));
await fs.mkdir(path.join(out, 'weights'), { recursive: true });
await fs.copyFile(path.join(project, 'weights', 'model.bin'), path.join(out, 'weights', 'model.bin'));
await fs.writeFile(path.join(out, 'manifest.webmanifest'), JSON.stringify({
  name: 'Bench app', short_name: 'Bench', start_url: './', display: 'standalone',
  theme_color: '#2f6f4e', background_color: '#ffffff',
  icons: [{ src: 'icon.png', sizes: '512x512', type: 'image/png' }],
}));
