import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ROUTES } from './routes';

describe('routes Django answers with the app', () => {
  it('lists the first segment of every route of App.tsx', () => {
    const app = readFileSync(resolve(__dirname, 'App.tsx'), 'utf8');
    const paths = [...app.matchAll(/path="\/([^"/*]+)/g)].map((match) => match[1]);
    expect(paths.length).toBeGreaterThan(10);
    for (const first of paths) expect(APP_ROUTES as readonly string[]).toContain(first);
  });
});
