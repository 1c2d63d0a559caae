import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatMoney, formatNumber, today } from '../lib/format';
import { clearSession, setTokens } from '../lib/session';
import { writeQueue } from '../lib/writeQueue';
import { AlertsPage } from './AlertsPage';
import { BillingPage } from './BillingPage';
import { LossesPage } from './LossesPage';
import { ProductFormPage } from './ProductFormPage';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}
const page = (results: unknown[]) => ({ count: results.length, next: null, previous: null, results });

type Handler = (request: Request) => Response | undefined | Promise<Response | undefined>;

/** The API of one business (currency given) with its bar, plus the routes a test adds. */
function api(currency: string, handler: Handler) {
  const seen: Request[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL) => {
      const request = input as Request;
      seen.push(request.clone());
      const url = new URL(request.url);
      if (url.pathname === '/api/auth/me/') {
        const tenant = {
          id: 1,
          name: 'Chez Awa',
          slug: 'awa',
          business_type: 'bar',
          domain: 'food',
          currency,
          locale: 'fr',
          timezone: 'Europe/Paris',
          role: 'owner',
        };
        return json(200, {
          user: { id: 1, username: 'awa', email: 'a@x.fr', first_name: 'Awa', last_name: '', language: 'fr' },
          memberships: [{ tenant, role: 'owner', service: null }],
          tenant,
          role: 'owner',
          service: null,
        });
      }
      if (url.pathname === '/api/auth/services/') {
        return json(
          200,
          page([
            {
              id: 11,
              name: 'Bar',
              service_type: 'bar',
              counting_mode: 'mixed',
              features: {},
              created_at: '',
            },
          ]),
        );
      }
      return (await handler(request)) ?? json(404, { code: 'NOT_FOUND', detail: 'Not found.' });
    }),
  );
  return seen;
}

function wrap(children: ReactNode, path = '/') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>{children}</MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(async () => {
  clearSession();
  localStorage.clear();
  setTokens({ access: 'a', refresh: 'r' });
  await writeQueue.clearAll();
});
afterEach(() => vi.unstubAllGlobals());

const alert = (fields: Record<string, unknown>) => ({
  product: 1,
  product_name: 'Rhum',
  service: 11,
  line: null,
  quantity: '0.7',
  min_quantity: '2',
  expiry_date: null,
  expiry_kind: '',
  lot: '',
  days_left: null,
  unit: 'l',
  value: null,
  kind: 'low_stock',
  ...fields,
});

describe('alerts', () => {
  it('shows each quantity in its unit and the value in the business’s currency, none when unknown', async () => {
    api('XOF', (request) => {
      if (new URL(request.url).pathname === '/api/alerts/')
        return json(200, {
          ...page([
            alert({ product: 1, product_name: 'Rhum', value: '12500' }),
            alert({ product: 2, product_name: 'Sirop', unit: 'pcs', quantity: '3', min_quantity: '5' }),
            alert({
              kind: 'expiry',
              product: 3,
              product_name: 'Lait',
              line: 7,
              unit: 'l',
              quantity: '1.5',
              expiry_date: '2026-12-08',
              days_left: 3,
              value: '1234.5',
            }),
          ]),
          excluded: [],
        });
    });
    wrap(<AlertsPage />);
    const card = (name: string) => screen.getByText(name).closest('li') as HTMLElement;
    await screen.findByText('Rhum');

    expect(card('Rhum').textContent).toContain('Stock 0,7 l sous le minimum (2 l)');
    expect(within(card('Rhum')).getByTestId('alert-value').textContent).toBe(
      `Valeur (prix d’achat HT) : ${formatMoney('12500', 'XOF', 'fr')}`,
    );
    expect(formatMoney('12500', 'XOF', 'fr')).toMatch(/^12\s500\sF\s?CFA$/);

    expect(card('Sirop').textContent).toContain('Stock 3 pièces sous le minimum (5 pièces)');
    expect(within(card('Sirop')).queryByTestId('alert-value')).toBeNull();

    expect(card('Lait').textContent).toContain('Quantité : 1,5 l');
    // XOF has no minor unit: 1234.5 is rounded half away from zero, like the server.
    expect(within(card('Lait')).getByTestId('alert-value').textContent).toMatch(/1\s235\sF\s?CFA$/);
  });
});

describe('the product form', () => {
  it('sends the serving size and price typed the French way, and empty ones as null', async () => {
    const bodies: Record<string, unknown>[] = [];
    const seen = api('EUR', async (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/categories/') return json(200, page([]));
      if (path === '/api/products/' && request.method === 'POST') {
        bodies.push((await request.json()) as Record<string, unknown>);
        return json(201, { id: 5, warnings: [] });
      }
    });
    wrap(
      <Routes>
        <Route path="/catalogue/:id" element={<ProductFormPage />} />
        <Route path="/catalogue" element={<p>liste</p>} />
      </Routes>,
      '/catalogue/new',
    );
    // The service is known once its categories are asked for.
    await waitFor(() => expect(seen.some((request) => request.url.includes('/api/categories/'))).toBe(true));
    fireEvent.change(screen.getByLabelText('Nom'), { target: { value: 'Rhum' } });
    fireEvent.change(screen.getByLabelText('Unité'), { target: { value: 'l' } });
    const size = screen.getByLabelText('Taille d’une dose');
    expect(document.getElementById(size.getAttribute('aria-describedby') ?? '')?.textContent).toContain(
      'en l :',
    );
    fireEvent.change(size, { target: { value: '0,04' } });
    fireEvent.click(screen.getByRole('button', { name: 'Enregistrer' }));
    await screen.findByText('liste');
    expect(bodies[0]).toMatchObject({ name: 'Rhum', unit: 'l', serving_size: '0.04', serving_price: null });
  });

  it('puts the API’s error on the serving price beside its input', async () => {
    const seen = api('EUR', (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/categories/') return json(200, page([]));
      if (path === '/api/products/' && request.method === 'POST')
        return json(400, {
          code: 'VALIDATION_ERROR',
          detail: 'Invalid input.',
          fields: { serving_price: ['Un nombre valide est requis.'] },
        });
    });
    wrap(
      <Routes>
        <Route path="/catalogue/:id" element={<ProductFormPage />} />
      </Routes>,
      '/catalogue/new',
    );
    // The service is known once its categories are asked for.
    await waitFor(() => expect(seen.some((request) => request.url.includes('/api/categories/'))).toBe(true));
    fireEvent.change(screen.getByLabelText('Nom'), { target: { value: 'Rhum' } });
    fireEvent.change(screen.getByLabelText('Prix d’une dose'), { target: { value: 'trois' } });
    fireEvent.click(screen.getByRole('button', { name: 'Enregistrer' }));
    const price = screen.getByLabelText('Prix d’une dose');
    await waitFor(() => expect(price.getAttribute('aria-invalid')).toBe('true'));
    const ids = (price.getAttribute('aria-describedby') ?? '').split(' ');
    expect(ids.map((id) => document.getElementById(id)?.textContent)).toContain(
      'Un nombre valide est requis.',
    );
  });
});

describe('losses: a closed month or a future date beside the date field', () => {
  const month = today().slice(0, 7);
  function lossesApi(options: { closed: boolean; post?: () => Response }) {
    const posts: Request[] = [];
    const seen = api('EUR', (request) => {
      const url = new URL(request.url);
      if (url.pathname === '/api/products/') return json(200, page([{ id: 1, name: 'Rhum', unit: 'l' }]));
      if (url.pathname === '/api/losses/' && request.method === 'POST') {
        posts.push(request);
        return options.post?.();
      }
      if (url.pathname === '/api/losses/') return json(200, page([]));
      if (url.pathname === '/api/counts/') {
        const status = url.searchParams.get('month') === month && options.closed ? 'closed' : 'open';
        return json(200, page([{ id: 3, month: `${month}-01`, status }]));
      }
    });
    return { posts, seen };
  }
  const dateField = () => screen.getByLabelText('Date');
  const dateError = () =>
    (dateField().getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' ');
  async function fill() {
    await screen.findByRole('option', { name: 'Rhum' });
    fireEvent.change(screen.getByLabelText('Produit'), { target: { value: '1' } });
    fireEvent.change(screen.getByLabelText('Quantité perdue'), { target: { value: '2' } });
  }

  it('says the month is closed before anything is queued', async () => {
    const { posts } = lossesApi({ closed: true });
    wrap(<LossesPage />);
    await waitFor(() => expect(dateError()).toContain('Ce mois est clôturé'));
    expect(dateField().getAttribute('aria-invalid')).toBe('true');
    await fill();
    fireEvent.click(screen.getByRole('button', { name: 'Enregistrer la perte' }));
    await waitFor(() => expect(dateError()).toContain('Ce mois est clôturé'));
    expect(await writeQueue.list('loss')).toHaveLength(0);
    expect(posts).toHaveLength(0);
  });

  it('refuses a date after today', async () => {
    lossesApi({ closed: false });
    wrap(<LossesPage />);
    await fill();
    const tomorrow = new Date();
    tomorrow.setDate(tomorrow.getDate() + 1);
    fireEvent.change(dateField(), { target: { value: today(tomorrow) } });
    await waitFor(() => expect(dateError()).toContain('Une perte ne peut pas être datée après aujourd’hui.'));
    fireEvent.click(screen.getByRole('button', { name: 'Enregistrer la perte' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await writeQueue.list('loss')).toHaveLength(0);
  });

  it('shows the server’s refusal of a queued loss (month closed meanwhile) beside the date', async () => {
    const { posts } = lossesApi({
      closed: false,
      post: () =>
        json(409, {
          code: 'MONTH_CLOSED',
          detail: 'This month is closed: its losses cannot be recorded, changed or deleted. Reopen it first.',
        }),
    });
    wrap(<LossesPage />);
    await fill();
    expect(dateError()).toBe('');
    fireEvent.click(screen.getByRole('button', { name: 'Enregistrer la perte' }));
    await waitFor(() => expect(posts).toHaveLength(1));
    await waitFor(() => expect(dateError()).toContain('refusée : Ce mois est clôturé'));
    expect(dateError()).toMatch(/^Perte du \d{1,2} \S+ \d{4} refusée/);
    // The queue keeps the refused loss with the same reason, to retry or drop.
    const queue = screen.getByTestId('loss-queue');
    expect(within(queue).getByText('refusé')).toBeTruthy();
    expect(within(queue).getByRole('alert').textContent).toContain('Ce mois est clôturé');
    // Another date clears the refusal shown beside the field.
    const yesterday = new Date();
    yesterday.setDate(yesterday.getDate() - 1);
    fireEvent.change(dateField(), { target: { value: today(yesterday) } });
    await waitFor(() => expect(dateError()).not.toContain('refusée'));
  });
});

describe('losses of the month', () => {
  it('totals them by reason, with their number', async () => {
    const loss = (id: number, reason: string) => ({
      id,
      service: 11,
      product: 1,
      product_name: 'Rhum',
      quantity: '1',
      unit: 'l',
      product_quantity: '1',
      unit_cost: null,
      value: null,
      reason,
      occurred_on: today(),
      note: '',
      author: null,
      client_id: '',
      created_at: '',
    });
    api('EUR', (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/products/') return json(200, page([]));
      if (path === '/api/counts/') return json(200, page([]));
      if (path === '/api/losses/')
        return json(200, page([loss(1, 'breakage'), loss(2, 'breakage'), loss(3, 'theft')]));
    });
    wrap(<LossesPage />);
    expect(await screen.findByText('Casse : 2 · Vol : 1')).toBeTruthy();
  });
});

describe('plans', () => {
  it('shows every limit of a plan with its label, the credit book’s customers and the assistant included', async () => {
    api('EUR', (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/plans/')
        return json(200, [
          {
            code: 'PRO',
            name: 'Pro',
            limits: {
              max_products: 1000,
              max_services: 5,
              max_users: 10,
              max_customers: 500,
              csv_monthly_limit: null,
              xlsx_monthly_limit: 50,
              ai_requests_monthly_limit: 200,
              history_days: 730,
            },
            features: ['credit_book'],
            purchasable: true,
            trial: false,
            prices: null,
          },
        ]);
      if (path === '/api/auth/me/org/entitlements/') return json(200, { plan_effective: 'PRO' });
    });
    wrap(<BillingPage />);
    await screen.findByRole('heading', { name: /Pro/ });
    const terms = [...document.querySelectorAll('dl.limits div')].map((row) => row.textContent);
    expect(terms).toEqual([
      `Produits${formatNumber(1000, 'fr')}`,
      'Services5',
      'Utilisateurs10',
      'Clients du carnet de crédit500',
      'Exports CSV par moisillimité',
      'Exports Excel par mois50',
      'Questions à l’assistant par mois200',
      'Historique (jours)730',
    ]);
    expect(screen.getByText('Carnet de crédit clients')).toBeTruthy();
  });
});
