// Browser tests of the built SPA in Debian's Chromium (playwright-core: nothing downloaded),
// against gunicorn (production settings) on PostgreSQL with the demo data (seed_demo).
//
//   node e2e/run.mjs           (after `npm run build:spa` at the root: Django serves dist/)
//
// Variables: CHROMIUM (default: `chromium` on the PATH), E2E_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/stockscan_e2e, dropped and created again), E2E_REDIS_URL
// (default: none, local memory), PYTHON (default .venv/bin/python).
import AxeBuilder from '@axe-core/playwright';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const python = process.env.PYTHON ?? resolve(root, '.venv/bin/python');
const databaseUrl = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/stockscan_e2e';
const chromiumPath =
  process.env.CHROMIUM ?? execFileSync('sh', ['-c', 'command -v chromium || true']).toString().trim();
const OWNER_EMAIL = 'demo-owner@demo.stockscan.local';
const PASSWORD = 'Demo-StockScan-2026';
const started = Date.now();
const results = [];
const enterToShown = [];

function step(name) {
  console.log(`  · ${name}`);
}
function check(condition, message) {
  if (!condition) throw new Error(message);
}
async function freePort() {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function prepareDatabase() {
  const script = `
import sys, psycopg
url = sys.argv[1]
name = url.rsplit("/", 1)[1]
with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
    connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.execute(f'CREATE DATABASE "{name}"')
`;
  execFileSync(python, ['-c', script, databaseUrl], { stdio: 'inherit' });
  const env = { ...process.env, DJANGO_DEBUG: 'true', DATABASE_URL: databaseUrl };
  delete env.REDIS_URL;
  // The demo's emails are printed on stderr: shown only if a command fails.
  const manage = (...args) => {
    try {
      execFileSync(python, [resolve(root, 'backend/manage.py'), ...args], { env, stdio: 'pipe' });
    } catch (error) {
      throw new Error(`manage.py ${args.join(' ')} failed:\n${error.stderr ?? ''}`, { cause: error });
    }
  };
  manage('migrate', '--noinput');
  manage('seed_demo');
}

async function startServer(port) {
  const env = {
    ...process.env,
    DJANGO_DEBUG: 'false',
    DJANGO_SECRET_KEY: `e2e-${Math.random().toString(36).slice(2)}${'x'.repeat(60)}`,
    DJANGO_ALLOWED_HOSTS: '127.0.0.1,localhost',
    DATABASE_URL: databaseUrl,
    FRONTEND_URL: `http://127.0.0.1:${port}`,
    SECURE_SSL_REDIRECT: 'false',
    SECURE_HSTS_SECONDS: '0',
    SPA_DIST_DIR: resolve(root, 'dist'),
  };
  delete env.REDIS_URL;
  if (process.env.E2E_REDIS_URL) env.REDIS_URL = process.env.E2E_REDIS_URL;
  const gunicorn = resolve(dirname(python), 'gunicorn');
  const server = spawn(
    gunicorn,
    [
      'config.wsgi:application',
      '--chdir',
      resolve(root, 'backend'),
      '--bind',
      `127.0.0.1:${port}`,
      '--workers',
      '2',
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  server.stderr.on('data', (chunk) => (log += chunk));
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.ok) return server;
    } catch {
      /* not up yet */
    }
    if (server.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  server.kill();
  throw new Error(`gunicorn did not start:\n${log}`);
}

async function axe(page, name) {
  const analysis = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const bad = analysis.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  results.push({ page: name, serious: bad.length, all: analysis.violations.length });
  check(
    bad.length === 0,
    `axe on ${name}: ${bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('; ')}`,
  );
}

async function apiLogin(base, username = OWNER_EMAIL) {
  const response = await fetch(`${base}/api/auth/login/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  check(response.ok, `API login: ${response.status}`);
  return (await response.json()).access;
}

async function apiGet(base, token, path) {
  const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  check(response.ok, `GET ${path}: ${response.status}`);
  return response.json();
}

async function lossesWithNote(base, token, note) {
  const headers = { Authorization: `Bearer ${token}` };
  const services = await (await fetch(`${base}/api/auth/services/?page_size=100`, { headers })).json();
  let found = 0;
  for (const service of services.results) {
    const page = await (
      await fetch(`${base}/api/losses/?service=${service.id}&page_size=200`, { headers })
    ).json();
    found += page.results.filter((loss) => loss.note === note).length;
  }
  return found;
}

async function main() {
  check(chromiumPath && existsSync(chromiumPath), 'Chromium is not installed (apt-get install -y chromium).');
  check(
    existsSync(resolve(root, 'dist/index.html')),
    'dist/index.html is missing: run `npm run build:spa` first.',
  );
  prepareDatabase();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startServer(port);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  try {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      locale: 'fr-FR',
      baseURL: base,
    });
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    step('public pages: login, register, forgot and reset password, invitation, email confirmation (axe)');
    for (const [path, name] of [
      ['/register', 'register'],
      ['/forgot-password', 'forgot-password'],
      ['/reset-password?uid=x&token=y', 'reset-password'],
      ['/invitations/accept?token=not-a-token', 'invitation'],
      ['/confirm-email?token=x', 'confirm-email'],
    ]) {
      await page.goto(path);
      await page.locator('h1').waitFor();
      if (name === 'invitation') await page.getByRole('alert').waitFor();
      await axe(page, name);
    }
    await page.goto('/invitations/accept?token=not-a-token');
    check(
      (await page.getByRole('alert').textContent()).includes('n’est plus valable'),
      'an unknown invitation says it is no longer valid',
    );

    step('login as the demo owner by email');
    await page.goto('/login');
    await axe(page, 'login');
    await page.getByLabel('Nom d’utilisateur ou e-mail').fill(OWNER_EMAIL);
    await page.getByLabel('Mot de passe').fill('wrong-password');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByText('Identifiant ou mot de passe incorrect.').waitFor();
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL('**/catalogue');
    await page.getByText(/\d+ produits/).waitFor();
    await axe(page, 'catalogue');
    const serviceChoices = await page
      .getByLabel('Service', { exact: true })
      .locator('option')
      .allTextContents();
    check(
      serviceChoices.length === 2,
      `the owner switches between the kitchen and the bar: ${serviceChoices}`,
    );

    step('catalogue: search, then create a product (API field errors beside the inputs)');
    const name = `Sirop e2e ${Date.now()}`;
    await page.getByRole('link', { name: 'Nouveau produit' }).click();
    await page.getByRole('heading', { name: 'Nouveau produit' }).waitFor();
    await axe(page, 'product-form');
    await page.getByLabel('Nom', { exact: true }).fill(name);
    await page.getByLabel('Prix de vente').fill('trois');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    const priceError = page
      .locator('.field-invalid', { has: page.getByLabel('Prix de vente') })
      .locator('.field-error');
    await priceError.waitFor();
    check((await priceError.textContent()).length > 0, 'the API error on selling_price is shown beside it');
    await page.getByLabel('Prix de vente').fill('3,50');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.waitForURL(/\/catalogue(\/\d+)?$/);
    await page.goto('/catalogue');
    await page.getByLabel('Rechercher (nom, code-barres, référence)').fill(name);
    await page.getByRole('link', { name }).waitFor();
    check((await page.getByText('1 produit', { exact: true }).count()) === 1, 'search finds the new product');

    step('alerts: quantities in their unit, values in euros');
    await page.goto('/alerts');
    await page.locator('h1').waitFor();
    const value = page.getByTestId('alert-value').first();
    await value.waitFor();
    check(
      /^Valeur \(prix d’achat HT\) : [\d\s\u202f]+,\d{2}\s€$/.test(await value.textContent()),
      `an alert's value is money in euros: ${await value.textContent()}`,
    );

    for (const [path, label] of [
      ['/categories', 'categories'],
      ['/alerts', 'alerts'],
      ['/billing', 'billing'],
    ]) {
      await page.goto(path);
      await page.locator('h1').waitFor();
      await page.waitForLoadState('networkidle');
      await axe(page, label);
    }

    step('losses: a closed month said beside the date; recorded offline, reloaded offline, synced once');
    await page.goto('/losses');
    await page.locator('h1').waitFor();
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15000 });
    await page.locator('select option').nth(1).waitFor({ state: 'attached' });
    await page.waitForLoadState('networkidle');
    await axe(page, 'losses');
    // The demo's previous months are closed: a loss dated in one is refused beside the date.
    const lastMonth = new Date();
    lastMonth.setDate(1);
    lastMonth.setMonth(lastMonth.getMonth() - 1);
    const dateInput = page.getByLabel('Date', { exact: true });
    const todayValue = await dateInput.inputValue();
    await dateInput.fill(
      `${lastMonth.getFullYear()}-${String(lastMonth.getMonth() + 1).padStart(2, '0')}-15`,
    );
    const dateError = page.locator('.field-invalid', { has: dateInput }).locator('.field-error');
    await dateError.waitFor();
    check(
      (await dateError.textContent()).startsWith('Ce mois est clôturé'),
      `a closed month is said beside the date: ${await dateError.textContent()}`,
    );
    await dateInput.fill(todayValue);
    await dateError.waitFor({ state: 'detached' });
    const note = `e2e-offline-${Date.now()}`;
    await context.setOffline(true);
    await page.getByLabel('Chercher un produit').fill(name);
    await page.getByLabel('Quantité perdue').fill('2');
    await page.getByRole('radio', { name: 'Casse' }).check();
    await page.getByLabel('Note (facultative)').fill(note);
    await page.getByRole('button', { name: 'Enregistrer la perte' }).click();
    // Offline, the loss waits (the first try, 'sending', finds no network).
    await page
      .locator('[data-testid="loss-queue"] li[data-status="waiting"]')
      .first()
      .waitFor({ timeout: 10000 });
    check((await page.getByTestId('loss-queue').locator('li').count()) === 1, 'one line in the queue');
    await page.reload(); // offline: the service worker serves the app shell
    // After an offline reload, the loss still waits.
    await page
      .locator('[data-testid="loss-queue"] li[data-status="waiting"]')
      .first()
      .waitFor({ timeout: 10000 });
    check((await page.getByText('Hors ligne').count()) > 0, 'the page says it is offline');
    await context.setOffline(false);
    await page
      .locator('[data-testid="loss-queue"] li[data-status="saved"]')
      .first()
      .waitFor({ timeout: 30000 });
    const token = await apiLogin(base);
    check((await lossesWithNote(base, token, note)) === 1, 'exactly one loss on the server');
    await page.reload();
    await page.locator('[data-testid="loss-queue"] li[data-status="saved"]').first().waitFor();
    await page.waitForTimeout(500);
    check((await lossesWithNote(base, token, note)) === 1, 'still exactly one loss after another reload');
    await page.getByTestId('loss-list').getByText(note).waitFor();

    step('logout');
    await page.getByText('Camille').click();
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL('**/login');

    step('an operator limited to the bar sees only the bar');
    await page.getByLabel('Nom d’utilisateur ou e-mail').fill('demo-operator');
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL('**/catalogue');
    await page.locator('.service-name').waitFor();
    check((await page.locator('.service-name').textContent()) === 'Bar', 'the operator works in the bar');
    check(
      (await page.getByLabel('Service', { exact: true }).count()) === 0,
      'no service switcher for the operator',
    );
    await page.getByText('Lucas').click();
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL('**/login');

    step(
      'count page: the manager counts 5 bar products by keyboard, then 1 offline (reload), synced once; closes',
    );
    await page.getByLabel('Nom d’utilisateur ou e-mail').fill('demo-manager');
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL('**/catalogue');
    await page.getByRole('link', { name: 'Comptage' }).click();
    await page.waitForURL('**/count');
    await page.getByLabel('Service', { exact: true }).selectOption({ label: 'Bar' });
    await page.getByTestId('count-status').filter({ hasText: 'Bar' }).waitFor();
    await page.getByTestId('count-progress').waitFor();
    await page.locator('input.count-input').nth(6).waitFor();
    await page.waitForLoadState('networkidle');
    await axe(page, 'count');
    const managerToken = await apiLogin(base, 'demo-manager');
    const bar = (await apiGet(base, managerToken, '/api/auth/services/?page_size=100')).results.find(
      (service) => service.name === 'Bar',
    );
    const thisMonth = new Date().toISOString().slice(0, 7);
    const barCount = (await apiGet(base, managerToken, `/api/counts/?service=${bar.id}&month=${thisMonth}`))
      .results[0];
    const linesNow = async () =>
      (await apiGet(base, managerToken, `/api/count-lines/?count=${barCount.id}&page_size=1000`)).results;
    const before = await linesNow();
    const rows = page.getByTestId('count-row');
    const typed = new Map();
    await page.locator('input.count-input').first().focus();
    for (let index = 0; index < 5; index++) {
      const product = Number(await rows.nth(index).getAttribute('data-product'));
      const input = page.locator(`#count-${product}`);
      check(
        await input.evaluate((element) => element === document.activeElement),
        `Enter moved the focus to product ${index + 1}`,
      );
      await page.keyboard.type(String(11 + index));
      // Time from Enter to the line shown counted (budget: 50 ms), measured in the page.
      await page.evaluate((id) => {
        const shown = document.querySelector(`[data-product="${id}"] [data-testid="counted"]`);
        window.__enterAt = 0;
        window.__shownAt = 0;
        document.addEventListener('keydown', () => (window.__enterAt = performance.now()), {
          capture: true,
          once: true,
        });
        const observer = new MutationObserver(() => {
          window.__shownAt = performance.now();
          observer.disconnect();
        });
        observer.observe(shown, { childList: true, characterData: true, subtree: true });
      }, product);
      await page.keyboard.press('Enter');
      typed.set(product, String(11 + index));
      // Counted at once, before the server answers.
      check(
        (await rows.nth(index).getByTestId('counted').textContent()) === `Compté : ${11 + index}`,
        'the line shows counted at once',
      );
      const shownAfter = await page.evaluate(() => window.__shownAt - window.__enterAt);
      enterToShown.push(Math.round(shownAfter));
      check(
        shownAfter > 0 && shownAfter <= 50,
        `a counted line appears ≤ 50 ms after Enter: ${shownAfter} ms`,
      );
    }
    await page.locator('[data-testid="count-row"][data-status="saved"]').nth(4).waitFor({ timeout: 15000 });
    await context.setOffline(true);
    const offlineProduct = Number(await rows.nth(5).getAttribute('data-product'));
    await page.keyboard.type('17');
    await page.keyboard.press('Enter');
    typed.set(offlineProduct, '17');
    const offlineRow = page.locator(`[data-testid="count-row"][data-product="${offlineProduct}"]`);
    await page
      .locator(`[data-testid="count-row"][data-product="${offlineProduct}"][data-status="waiting"]`)
      .waitFor({ timeout: 10000 });
    await page.reload(); // offline: the shell, the checklist and the waiting line come back
    await page
      .locator(`[data-testid="count-row"][data-product="${offlineProduct}"][data-status="waiting"]`)
      .waitFor({ timeout: 10000 });
    check(
      (await offlineRow.getByTestId('counted').textContent()) === 'Compté : 17',
      'after an offline reload, the waiting line still shows counted',
    );
    await context.setOffline(false);
    await page
      .locator(`[data-testid="count-row"][data-product="${offlineProduct}"][data-status="saved"]`)
      .waitFor({ timeout: 30000 });
    await page.reload();
    await page.locator('input.count-input').first().waitFor();
    await page.waitForTimeout(500);
    const after = await linesNow();
    // Exactly the lines expected: each product typed has one sealed line of its quantity, every
    // other line is as it was, and nothing else was added.
    const sealed = (lines, product) =>
      lines.filter((line) => line.product === product && line.container_state === 'SEALED' && !line.lot);
    for (const [product, quantity] of typed) {
      const found = sealed(after, product);
      check(
        found.length === 1 && Number(found[0].quantity) === Number(quantity),
        `product ${product}: one sealed line of ${quantity} (${JSON.stringify(found.map((l) => l.quantity))})`,
      );
    }
    const untouched = (lines) =>
      lines
        .filter((line) => !(typed.has(line.product) && line.container_state === 'SEALED' && !line.lot))
        .map((line) => `${line.id}:${line.quantity}`)
        .sort()
        .join(',');
    check(untouched(after) === untouched(before), 'the other lines are unchanged');
    const newLines = [...typed.keys()].filter((product) => sealed(before, product).length === 0).length;
    check(
      after.length === before.length + newLines,
      `${before.length} + ${newLines} new lines on the server, found ${after.length}`,
    );
    // Closing with products left: the page says how many and asks what they are.
    await page.getByRole('button', { name: 'Clôturer le mois' }).click();
    const uncountedChoice = page.getByTestId('uncounted');
    await uncountedChoice.waitFor();
    check(
      /^\d+ produits? (n’est|ne sont) pas comptés?/.test(
        await uncountedChoice.locator('legend').textContent(),
      ),
      `the uncounted products are counted: ${await uncountedChoice.locator('legend').textContent()}`,
    );
    await axe(page, 'count-close');
    await page.getByLabel('Comme le mois dernier').check();
    await page.getByRole('button', { name: 'Confirmer la clôture' }).click();
    await page.getByTestId('count-status').filter({ hasText: 'clôturé' }).waitFor();
    const closedCount = await apiGet(base, managerToken, `/api/counts/${barCount.id}/`);
    check(
      closedCount.status === 'closed' && closedCount.uncounted === 'expected',
      `the month is closed with the uncounted as last month: ${closedCount.status} ${closedCount.uncounted}`,
    );
    check((await page.locator('input.count-input').count()) === 0, 'a closed month takes no more counts');
    await page.getByText('Awa').click();
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL('**/login');

    step(
      'register a bakery: trade → services (its preset) → account, the API refusal shown beside its field',
    );
    await page.goto('/register');
    await page.getByRole('radio', { name: 'Boulangerie' }).check();
    await page.getByLabel('Nom du commerce').fill('Boulangerie e2e');
    await page.getByRole('button', { name: 'Suivant' }).click();
    check(
      (await page.getByLabel('Type du premier service').inputValue()) === 'bakery',
      'a bakery starts with a bakery service',
    );
    await axe(page, 'register-services');
    await page.getByRole('button', { name: 'Suivant' }).click();
    const suffix = Date.now();
    await page.getByLabel('Nom d’utilisateur').fill(`boulanger${suffix}`);
    await page.getByLabel('Adresse e-mail').fill(`boulanger${suffix}@example.com`);
    await page.getByLabel('Mot de passe', { exact: true }).fill('Pain-Chaud-2026!');
    await page.getByLabel('Confirmer le mot de passe').fill('Pain-Froid-2026!');
    await page.getByRole('button', { name: 'Créer mon compte' }).click();
    await page.locator('.field-invalid .field-error').first().waitFor();
    await axe(page, 'register-account-error');
    await page.getByLabel('Confirmer le mot de passe').fill('Pain-Chaud-2026!');
    await page.getByRole('button', { name: 'Créer mon compte' }).click();
    await page.waitForURL('**/catalogue');
    await page.getByText('0 produit', { exact: true }).waitFor();
    check((await page.locator('.tenant-name').textContent()) === 'Boulangerie e2e', 'in the new bakery');
    check(pageErrors.length === 0, `no uncaught error in the page: ${pageErrors.join('; ')}`);
  } finally {
    await browser.close();
    server.kill();
  }
}

main().then(
  () => {
    console.log(`axe: ${results.map((r) => `${r.page} ${r.serious}`).join(', ')} (serious or critical)`);
    console.log(`count page: a line shown counted ${enterToShown.join(', ')} ms after Enter`);
    console.log(`e2e: all journeys passed in ${Math.round((Date.now() - started) / 1000)}s`);
  },
  (error) => {
    console.error(`e2e FAILED: ${error.stack ?? error}`);
    process.exit(1);
  },
);
