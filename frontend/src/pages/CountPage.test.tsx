import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { currentMonth } from '../lib/format';
import { clearSession, setTokens } from '../lib/session';
import { writeQueue } from '../lib/writeQueue';
import { addDecimals, CountPage, parseQuantity } from './CountPage';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}
const page = (results: unknown[]) => ({ count: results.length, next: null, previous: null, results });
const item = (product: number, name: string, fields: Record<string, unknown> = {}) => ({
  product,
  product_name: name,
  unit: 'pcs',
  barcode: '',
  position: product,
  area: 1,
  area_name: 'Réserve',
  expected: '4',
  counted: false,
  counted_quantity: null,
  ...fields,
});

type Handler = (request: Request, body: unknown) => Response | undefined;

function api(
  handler: Handler = () => undefined,
  checklist = [item(1, 'Rhum'), item(2, 'Gin')],
  features: Record<string, boolean> = {},
) {
  const writes: { request: Request; body: Record<string, unknown> }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL) => {
      const request = input as Request;
      const url = new URL(request.url);
      const body: unknown = request.method === 'POST' ? await request.clone().json() : null;
      const answer = handler(request, body);
      if (answer) return answer;
      if (url.pathname === '/api/auth/me/') {
        const tenant = { id: 1, name: 'Chez Awa', currency: 'EUR', role: 'manager' };
        return json(200, {
          user: { id: 1, username: 'awa', email: 'a@x.fr', first_name: 'Awa', last_name: '', language: 'fr' },
          memberships: [{ tenant, role: 'manager', service: null }],
          tenant,
          role: 'manager',
          service: null,
        });
      }
      if (url.pathname === '/api/auth/services/')
        return json(
          200,
          page([
            {
              id: 11,
              name: 'Bar',
              service_type: 'bar',
              counting_mode: 'mixed',
              features,
              created_at: '',
            },
          ]),
        );
      if (url.pathname === '/api/counts/')
        return json(
          200,
          page([
            { id: 7, service: 11, service_name: 'Bar', month: currentMonth(), status: 'open', line_count: 0 },
          ]),
        );
      if (url.pathname === '/api/counts/7/')
        return json(200, {
          id: 7,
          service: 11,
          service_name: 'Bar',
          month: currentMonth(),
          status: 'open',
          products_counted: 0,
          products_to_count: 2,
        });
      if (url.pathname === '/api/counts/7/checklist/') return json(200, page(checklist));
      if (url.pathname === '/api/areas/') return json(200, page([]));
      if (url.pathname === '/api/count-lines/') {
        writes.push({ request, body: body as Record<string, unknown> });
        return json(201, { id: writes.length });
      }
      return json(404, { code: 'NOT_FOUND', detail: 'Not found.' });
    }),
  );
  return writes;
}

function wrap() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <CountPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}
const row = (name: string) => screen.getByLabelText(name).closest('li') as HTMLElement;

beforeEach(async () => {
  clearSession();
  localStorage.clear();
  setTokens({ access: 'a', refresh: 'r' });
  await writeQueue.clearAll();
});
afterEach(() => vi.unstubAllGlobals());

describe('count page', () => {
  it('saves on Enter, shows the line counted at once and moves to the next product', async () => {
    const writes = api();
    wrap();
    const rum = await screen.findByLabelText('Rhum');
    expect(within(row('Rhum')).getByText('Mois dernier : 4 · pièces')).toBeTruthy();
    fireEvent.change(rum, { target: { value: '3' } });
    fireEvent.keyDown(rum, { key: 'Enter' });
    // Optimistic: counted before any answer, and the next input has the focus.
    expect(within(row('Rhum')).getByTestId('counted').textContent).toBe('Compté : 3');
    expect(document.activeElement).toBe(screen.getByLabelText('Gin'));
    await waitFor(() => expect(writes).toHaveLength(1));
    expect(writes[0]?.body).toMatchObject({ count: 7, product: 1, quantity: '3', mode: 'set' });
    expect(writes[0]?.request.headers.get('Idempotency-Key')).toMatch(/^spa-/);
    await waitFor(() => expect(row('Rhum').dataset.status).toBe('saved'));
  });

  it('adds to what is counted in add mode, and sets in set mode', async () => {
    const writes = api(undefined, [
      item(1, 'Rhum', { counted: true, counted_quantity: '2' }),
      item(2, 'Gin'),
    ]);
    wrap();
    const rum = await screen.findByLabelText('Rhum');
    fireEvent.click(screen.getByLabelText('Ajouter au compté'));
    fireEvent.change(rum, { target: { value: '3' } });
    fireEvent.keyDown(rum, { key: 'Enter' });
    expect(within(row('Rhum')).getByTestId('counted').textContent).toBe('Compté : 5');
    await waitFor(() => expect(writes).toHaveLength(1));
    expect(writes[0]?.body).toMatchObject({ product: 1, quantity: '3', mode: 'add' });
    fireEvent.click(screen.getByLabelText('Remplacer (recompter)'));
    fireEvent.change(screen.getByLabelText('Rhum'), { target: { value: '1' } });
    fireEvent.keyDown(screen.getByLabelText('Rhum'), { key: 'Enter' });
    expect(within(row('Rhum')).getByTestId('counted').textContent).toBe('Compté : 1');
    await waitFor(() => expect(writes).toHaveLength(2));
    expect(writes[1]?.body).toMatchObject({ quantity: '1', mode: 'set' });
  });

  it('refuses a fraction of a piece without writing anything', async () => {
    const writes = api();
    wrap();
    const rum = await screen.findByLabelText('Rhum');
    rum.focus();
    fireEvent.change(rum, { target: { value: '1,5' } });
    fireEvent.keyDown(rum, { key: 'Enter' });
    expect(await screen.findByText('Un nombre entier de pièces.')).toBeTruthy();
    expect(document.activeElement).toBe(rum);
    expect(await writeQueue.list('count-line')).toHaveLength(0);
    expect(writes).toHaveLength(0);
  });

  it('shows a refused line with its reason', async () => {
    api((request) =>
      new URL(request.url).pathname === '/api/count-lines/'
        ? json(409, { code: 'COUNT_CLOSED', detail: 'closed' })
        : undefined,
    );
    wrap();
    const rum = await screen.findByLabelText('Rhum');
    fireEvent.change(rum, { target: { value: '2' } });
    fireEvent.keyDown(rum, { key: 'Enter' });
    await waitFor(() => expect(row('Rhum').dataset.status).toBe('failed'));
    expect(within(row('Rhum')).getByText('refusé')).toBeTruthy();
  });

  it('asks what the uncounted products are when closing, then closes with the choice', async () => {
    const closes: unknown[] = [];
    api((request, body) => {
      if (new URL(request.url).pathname !== '/api/counts/7/close/') return undefined;
      closes.push(body);
      return closes.length === 1
        ? json(409, { code: 'UNCOUNTED_PRODUCTS', detail: 'uncounted', uncounted: 2 })
        : json(200, { id: 7, status: 'closed' });
    });
    wrap();
    fireEvent.click(await screen.findByRole('button', { name: 'Clôturer le mois' }));
    const choice = await screen.findByTestId('uncounted');
    expect(within(choice).getByText('2 produits ne sont pas comptés. Que reste-t-il ?')).toBeTruthy();
    fireEvent.click(screen.getByLabelText('Comme le mois dernier'));
    fireEvent.click(screen.getByRole('button', { name: 'Confirmer la clôture' }));
    await waitFor(() => expect(closes).toHaveLength(2));
    expect(closes[0]).toEqual({});
    expect(closes[1]).toEqual({ uncounted: 'expected' });
  });
});

describe('count page: starting, offline, opened containers', () => {
  it('starts a month not begun, and says why when the month is out of range', async () => {
    const starts: { request: Request; body: unknown }[] = [];
    api((request, body) => {
      const url = new URL(request.url);
      if (url.pathname !== '/api/counts/') return undefined;
      if (request.method === 'GET') return json(200, page([]));
      starts.push({ request, body });
      return json(400, { code: 'MONTH_OUT_OF_RANGE', detail: 'out', earliest: '2025-01', latest: '2027-01' });
    });
    wrap();
    fireEvent.click(await screen.findByRole('button', { name: 'Commencer ce mois' }));
    await waitFor(() => expect(starts).toHaveLength(1));
    expect(starts[0]?.body).toEqual({ month: currentMonth() });
    expect(new URL(starts[0]!.request.url).searchParams.get('service')).toBe('11');
    expect((await screen.findByText(/Ce mois ne peut pas être ouvert/)).textContent).toBeTruthy();
  });

  it('shows a line still waiting in the queue (after a reload) as counted, with its state', async () => {
    // Offline: every write finds no network.
    api((request) => {
      if (new URL(request.url).pathname === '/api/count-lines/') throw new TypeError('Failed to fetch');
      return undefined;
    });
    await writeQueue.enqueue({
      key: 'spa-waiting-1',
      kind: 'count-line',
      method: 'POST',
      path: '/api/count-lines/?service=11',
      tenant: null,
      label: 'Gin — 6',
      body: { count: 7, product: 2, quantity: '6', mode: 'set', container_state: 'SEALED' },
    });
    wrap();
    await screen.findByLabelText('Gin');
    await waitFor(() => expect(row('Gin').dataset.status).toBe('waiting'));
    expect(within(row('Gin')).getByTestId('counted').textContent).toBe('Compté : 6');
    expect(within(row('Gin')).getByText('en attente')).toBeTruthy();
  });

  it('counts an opened container with the fraction left where the service tracks them', async () => {
    const writes = api(undefined, undefined, { open_container_tracking: true });
    wrap();
    const rum = await screen.findByLabelText('Rhum');
    fireEvent.click(screen.getByLabelText('Contenant ouvert'));
    fireEvent.change(screen.getByLabelText('Reste : 50 %'), { target: { value: '25' } });
    fireEvent.change(rum, { target: { value: '1' } });
    fireEvent.keyDown(rum, { key: 'Enter' });
    await waitFor(() => expect(writes).toHaveLength(1));
    expect(writes[0]?.body).toMatchObject({
      product: 1,
      quantity: '1',
      container_state: 'OPENED',
      remaining_fraction: '0.25',
    });
    expect(screen.queryByLabelText('Lot')).toBeNull();
  });
});

describe('quantities', () => {
  it('takes whole pieces and up to 3 decimals otherwise, and adds without floats', () => {
    expect(parseQuantity('12', 'pcs')).toBe('12');
    expect(parseQuantity('1,5', 'pcs')).toBeNull();
    expect(parseQuantity('1,5', 'l')).toBe('1.5');
    expect(parseQuantity('-1', 'l')).toBeNull();
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(addDecimals('2', '3')).toBe('5');
  });
});
