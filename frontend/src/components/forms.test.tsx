import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearSession, getTenantId, setTokens } from '../lib/session';
import { LoginPage } from '../pages/LoginPage';
import { Shell } from './Shell';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function wrap(children: ReactNode, path = '/') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>{children}</MemoryRouter>
    </QueryClientProvider>,
  );
}

const tenant = (id: number, name: string) => ({
  id,
  name,
  slug: `t${id}`,
  business_type: 'bar',
  domain: 'food',
  currency: 'EUR',
  locale: 'fr',
  timezone: 'Europe/Paris',
  role: 'owner',
});

beforeEach(() => {
  clearSession();
  localStorage.clear();
});
afterEach(() => vi.unstubAllGlobals());

describe('forms show the API’s field errors beside their inputs', () => {
  it('puts each `fields` message under its input, linked for screen readers', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        json(400, {
          code: 'VALIDATION_ERROR',
          detail: 'Invalid input.',
          fields: { username: ['Ce nom est trop long.'], password: ['Mot de passe requis.'] },
        }),
      ),
    );
    wrap(<LoginPage />, '/login');
    fireEvent.change(screen.getByLabelText('Nom d’utilisateur ou e-mail'), {
      target: { value: 'x'.repeat(3) },
    });
    fireEvent.change(screen.getByLabelText('Mot de passe'), { target: { value: 'y' } });
    fireEvent.click(screen.getByRole('button', { name: 'Se connecter' }));

    const username = screen.getByLabelText('Nom d’utilisateur ou e-mail');
    await waitFor(() => expect(username.getAttribute('aria-invalid')).toBe('true'));
    const describedBy = username.getAttribute('aria-describedby') ?? '';
    expect(document.getElementById(describedBy)?.textContent).toBe('Ce nom est trop long.');
    expect(screen.getByText('Mot de passe requis.')).toBeTruthy();
  });

  it('says a wrong password as a sentence, not beside a field', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json(401, { code: 'INVALID_CREDENTIALS', detail: 'Identifiants invalides.' })),
    );
    wrap(<LoginPage />, '/login');
    fireEvent.change(screen.getByLabelText('Nom d’utilisateur ou e-mail'), { target: { value: 'a' } });
    fireEvent.change(screen.getByLabelText('Mot de passe'), { target: { value: 'b' } });
    fireEvent.click(screen.getByRole('button', { name: 'Se connecter' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Identifiant ou mot de passe incorrect.');
  });
});

describe('business and service switchers', () => {
  function api(options: { memberships: number; restrictedService: number | null }) {
    const seen: { url: string; tenant: string | null }[] = [];
    const fetchMock = vi.fn(async (input: RequestInfo | URL) => {
      const request = input as Request;
      const currentTenant = Number(request.headers.get('X-Tenant-Id') ?? 1);
      seen.push({ url: request.url, tenant: request.headers.get('X-Tenant-Id') });
      if (request.url.includes('/api/auth/me/')) {
        return json(200, {
          user: {
            id: 1,
            username: 'awa',
            email: 'awa@example.com',
            first_name: 'Awa',
            last_name: '',
            language: 'fr',
          },
          memberships: Array.from({ length: options.memberships }, (_, index) => ({
            tenant: tenant(index + 1, `Commerce ${index + 1}`),
            role: 'owner',
            service: null,
          })),
          tenant: tenant(currentTenant, `Commerce ${currentTenant}`),
          role: options.restrictedService ? 'operator' : 'owner',
          service: options.restrictedService,
        });
      }
      if (request.url.includes('/api/auth/services/')) {
        return json(200, {
          count: 2,
          next: null,
          previous: null,
          results: [
            {
              id: 10,
              name: 'Cuisine',
              service_type: 'kitchen',
              counting_mode: 'unit',
              features: {},
              created_at: '',
            },
            {
              id: 11,
              name: 'Bar',
              service_type: 'bar',
              counting_mode: 'mixed',
              features: {},
              created_at: '',
            },
          ],
        });
      }
      return json(404, { code: 'NOT_FOUND', detail: 'Not found.' });
    });
    vi.stubGlobal('fetch', fetchMock);
    return seen;
  }

  it('lets a person in several businesses switch, and then asks the API for the chosen one', async () => {
    const seen = api({ memberships: 2, restrictedService: null });
    setTokens({ access: 'a', refresh: 'r' });
    wrap(
      <Routes>
        <Route element={<Shell />}>
          <Route path="/" element={<p>page</p>} />
        </Route>
      </Routes>,
    );
    const business = (await screen.findByLabelText('Commerce')) as HTMLSelectElement;
    expect([...business.options].map((option) => option.textContent)).toEqual(['Commerce 1', 'Commerce 2']);
    const service = (await screen.findByLabelText('Service')) as HTMLSelectElement;
    expect([...service.options].map((option) => option.textContent)).toEqual(['Cuisine', 'Bar']);

    fireEvent.change(business, { target: { value: '2' } });
    expect(getTenantId()).toBe('2');
    await waitFor(() =>
      expect(seen.some((call) => call.url.includes('/me/') && call.tenant === '2')).toBe(true),
    );
  });

  it('shows an operator limited to one service only that service, with no switcher', async () => {
    api({ memberships: 1, restrictedService: 11 });
    setTokens({ access: 'a', refresh: 'r' });
    wrap(
      <Routes>
        <Route element={<Shell />}>
          <Route path="/" element={<p>page</p>} />
        </Route>
      </Routes>,
    );
    expect(await screen.findByText('Bar')).toBeTruthy();
    expect(screen.queryByLabelText('Service')).toBeNull();
    expect(screen.queryByLabelText('Commerce')).toBeNull();
    expect(screen.queryByText('Cuisine')).toBeNull();
  });
});
