import { beforeEach, describe, expect, it, vi } from 'vitest';
import { authFetch } from '../api/http';
import { clearSession, getAccessToken, getRefreshToken, refreshAccessToken, setTokens } from './session';

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A server whose access tokens expire and whose refresh tokens rotate (each one works once). */
function rotatingServer() {
  let generation = 0;
  let validRefresh = 'r0';
  let validAccess = 'a0';
  const calls = { refresh: 0, api: 0 };
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (request.url.endsWith('/api/auth/refresh/')) {
      calls.refresh += 1;
      const { refresh } = (await request.json()) as { refresh: string };
      if (refresh !== validRefresh) return json(401, { code: 'TOKEN_INVALID', detail: 'blacklisted' });
      generation += 1;
      validRefresh = `r${generation}`;
      validAccess = `a${generation}`;
      return json(200, { access: validAccess, refresh: validRefresh });
    }
    calls.api += 1;
    if (request.headers.get('Authorization') !== `Bearer ${validAccess}`) {
      return json(401, { code: 'TOKEN_INVALID', detail: 'expired' });
    }
    return json(200, { ok: true });
  });
  return {
    fetchMock,
    calls,
    expireAccess() {
      validAccess = 'expired-for-everyone';
    },
  };
}

describe('refresh single-flight', () => {
  beforeEach(() => {
    clearSession();
    vi.unstubAllGlobals();
  });

  it('ten requests meeting an expired token share one refresh and all succeed', async () => {
    const server = rotatingServer();
    vi.stubGlobal('fetch', server.fetchMock);
    setTokens({ access: 'a0', refresh: 'r0' });
    server.expireAccess();
    const answers = await Promise.all(Array.from({ length: 10 }, () => authFetch('/api/products/')));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(server.calls.refresh).toBe(1);
    expect(getAccessToken()).toBe('a1');
    expect(getRefreshToken()).toBe('r1');
  });

  it('concurrent refreshes are one call: the rotated token is never sent twice', async () => {
    const server = rotatingServer();
    vi.stubGlobal('fetch', server.fetchMock);
    setTokens({ access: 'a0', refresh: 'r0' });
    const outcomes = await Promise.all([refreshAccessToken(), refreshAccessToken(), refreshAccessToken()]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['ok', 'ok', 'ok']);
    expect(server.calls.refresh).toBe(1);
    // A later refresh uses the new token and still works.
    expect((await refreshAccessToken()).kind).toBe('ok');
    expect(server.calls.refresh).toBe(2);
  });

  it('after a reload (no access token in memory) the first request refreshes before it is sent', async () => {
    const server = rotatingServer();
    vi.stubGlobal('fetch', server.fetchMock);
    setTokens({ access: 'a0', refresh: 'r0' });
    clearSessionMemoryOnly();
    const answer = await authFetch('/api/auth/me/');
    expect(answer.status).toBe(200);
    expect(server.calls).toEqual({ refresh: 1, api: 1 });
  });

  it('offline, a failed refresh keeps the session; a refused one ends it', async () => {
    setTokens({ access: 'a0', refresh: 'r0' });
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));
    expect((await refreshAccessToken()).kind).toBe('unreachable');
    expect(getRefreshToken()).toBe('r0');
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(json(401, { code: 'TOKEN_INVALID', detail: 'no' })));
    expect((await refreshAccessToken()).kind).toBe('logged-out');
    expect(getRefreshToken()).toBeNull();
  });
});

function clearSessionMemoryOnly() {
  const refresh = getRefreshToken()!;
  clearSession();
  localStorage.setItem('stockscan.refresh', refresh);
}
