// The JavaScript (gzip) a page needs before it is usable: the entry chunk, what it imports
// statically, and the page's own lazy chunk with its static imports (read from Vite's manifest).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');
const manifest = JSON.parse(readFileSync(resolve(dist, '.vite/manifest.json'), 'utf8'));
const gzip = (file) => gzipSync(readFileSync(resolve(dist, file)), { level: 9 }).length;

function closure(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const imported of chunk.imports ?? []) closure(imported, seen);
  return seen;
}
const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
const pages = {
  login: 'src/pages/LoginPage.tsx',
  catalogue: 'src/pages/CataloguePage.tsx',
  losses: 'src/pages/LossesPage.tsx',
  count: 'src/pages/CountPage.tsx',
};
for (const [name, key] of Object.entries(pages)) {
  const files = closure(key, closure(entry));
  const total = [...files].filter((file) => file.endsWith('.js')).reduce((sum, file) => sum + gzip(file), 0);
  console.log(`${name}: ${(total / 1024).toFixed(1)} KB of JavaScript (gzip) in ${files.size} files`);
}
