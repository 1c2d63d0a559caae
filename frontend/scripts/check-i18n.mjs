// The catalogs' completeness, like the backend's check_translations: every key in French is in
// English and back (plural forms compared by their base key), no empty message, the same
// {{placeholders}} in both, every literal t('key') of the code exists, and every error code of
// the schema (src/lib/errors.ts ERROR_CODES) has its message.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const languages = ['fr', 'en'];
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(object, prefix = '', out = {}) {
  for (const [key, value] of Object.entries(object)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'object' && value !== null) flatten(value, path, out);
    else out[path] = value;
  }
  return out;
}
const catalogs = Object.fromEntries(
  languages.map((lang) => [
    lang,
    flatten(JSON.parse(readFileSync(join(src, 'i18n', `${lang}.json`), 'utf8'))),
  ]),
);
const problems = [];
const bases = (catalog) => new Set(Object.keys(catalog).map((key) => key.replace(PLURAL, '')));
const placeholders = (text) =>
  [...String(text).matchAll(/\{\{\s*(\w+)/g)]
    .map((m) => m[1])
    .sort()
    .join(',');

for (const lang of languages) {
  for (const [key, value] of Object.entries(catalogs[lang])) {
    if (typeof value !== 'string' || value.trim() === '') problems.push(`${lang}: "${key}" is empty`);
  }
  for (const other of languages) {
    if (other === lang) continue;
    const theirs = bases(catalogs[other]);
    for (const base of bases(catalogs[lang])) {
      if (!theirs.has(base)) problems.push(`${other}: "${base}" is missing (present in ${lang})`);
    }
  }
}
for (const [key, text] of Object.entries(catalogs.fr)) {
  const base = key.replace(PLURAL, '');
  const english = catalogs.en[key] ?? catalogs.en[`${base}_other`] ?? catalogs.en[base];
  if (english !== undefined && placeholders(text) !== placeholders(english)) {
    problems.push(`"${key}": placeholders differ between fr and en`);
  }
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}
const french = bases(catalogs.fr);
for (const file of files(src)) {
  const code = readFileSync(file, 'utf8');
  for (const match of code.matchAll(/\bt\(\s*'([^'$]+)'/g)) {
    if (!french.has(match[1]))
      problems.push(`${file.slice(src.length + 1)}: t('${match[1]}') has no message`);
  }
}
const errorsTs = readFileSync(join(src, 'lib', 'errors.ts'), 'utf8');
const block = errorsTs.slice(errorsTs.indexOf('ERROR_CODES = {'), errorsTs.indexOf('} as const'));
for (const match of block.matchAll(/^\s+([A-Z_]+): true/gm)) {
  if (!french.has(`errors.${match[1]}`)) problems.push(`errors.${match[1]} has no message`);
}

if (problems.length) {
  console.error(`i18n: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `i18n: ${Object.keys(catalogs.fr).length} French and ${Object.keys(catalogs.en).length} English messages, complete.`,
);
