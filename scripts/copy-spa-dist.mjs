// Copies the SPA's build (frontend/dist/) to dist/ at the repository's root, where Django
// serves it (SPA_DIST_DIR) and where a static host can take it from.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = resolve(root, 'frontend/dist');
const target = resolve(root, 'dist');
if (!existsSync(resolve(source, 'index.html'))) {
  console.error('frontend/dist/index.html is missing: run `npm --prefix frontend run build` first.');
  process.exit(1);
}
rmSync(target, { recursive: true, force: true });
cpSync(source, target, { recursive: true });
console.log(`SPA copied to ${target}`);
