/**
 * The session's tokens. The access token lives in memory only (a module variable: gone with the
 * page). The refresh token is kept in localStorage so a reload or a closed tab does not log a
 * barman out in the middle of a count, offline (see frontend/README.md for the trade-off).
 * Refreshing is single-flight: every caller that needs a new access token at the same time
 * shares one POST /api/auth/refresh/, and tabs take turns through the Web Locks API, so the
 * server's rotation (each refresh token is blacklisted when used) never logs the user out.
 */
import { resolveUrl } from '../config';

const REFRESH_KEY = 'stockscan.refresh';
const TENANT_KEY = 'stockscan.tenant';
const SERVICE_KEY = 'stockscan.service';

let accessToken: string | null = null;
const listeners = new Set<() => void>();

function notify() {
  for (const listener of listeners) listener();
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function getAccessToken(): string | null {
  return accessToken;
}

export function getRefreshToken(): string | null {
  return localStorage.getItem(REFRESH_KEY);
}

export function hasSession(): boolean {
  return accessToken !== null || getRefreshToken() !== null;
}

export function setTokens(tokens: { access: string; refresh: string }): void {
  accessToken = tokens.access;
  localStorage.setItem(REFRESH_KEY, tokens.refresh);
  notify();
}

export function clearSession(): void {
  accessToken = null;
  localStorage.removeItem(REFRESH_KEY);
  notify();
}

export function getTenantId(): string | null {
  return localStorage.getItem(TENANT_KEY);
}

export function setTenantId(id: number | null): void {
  if (id === null) localStorage.removeItem(TENANT_KEY);
  else localStorage.setItem(TENANT_KEY, String(id));
  localStorage.removeItem(SERVICE_KEY);
  notify();
}

export function getServiceId(): number | null {
  const value = localStorage.getItem(SERVICE_KEY);
  return value ? Number(value) : null;
}

export function setServiceId(id: number | null): void {
  if (id === null) localStorage.removeItem(SERVICE_KEY);
  else localStorage.setItem(SERVICE_KEY, String(id));
  notify();
}

/** What a refresh came to: a new access token, no session any more, or no answer (offline). */
export type RefreshOutcome =
  { kind: 'ok'; access: string } | { kind: 'logged-out' } | { kind: 'unreachable' };

let inflight: Promise<RefreshOutcome> | null = null;

async function withCrossTabLock<T>(work: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return work();
  return locks.request('stockscan-refresh', work) as Promise<T>;
}

async function doRefresh(fetchImpl: typeof fetch): Promise<RefreshOutcome> {
  return withCrossTabLock(async () => {
    // Read inside the lock: another tab may have rotated the token meanwhile.
    const refresh = getRefreshToken();
    if (!refresh) return { kind: 'logged-out' } as const;
    let response: Response;
    try {
      response = await fetchImpl(resolveUrl('/api/auth/refresh/'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh }),
      });
    } catch {
      return { kind: 'unreachable' } as const;
    }
    if (response.ok) {
      const tokens = (await response.json()) as { access: string; refresh: string };
      setTokens(tokens);
      return { kind: 'ok', access: tokens.access } as const;
    }
    if (response.status === 401 || response.status === 400) {
      // Only this token's answer counts: if another tab rotated it meanwhile, keep its session.
      if (getRefreshToken() === refresh) clearSession();
      return { kind: 'logged-out' } as const;
    }
    return { kind: 'unreachable' } as const;
  });
}

/** One refresh at a time: concurrent callers get the same promise. */
export function refreshAccessToken(fetchImpl: typeof fetch = fetch): Promise<RefreshOutcome> {
  if (!inflight) {
    inflight = doRefresh(fetchImpl).finally(() => {
      inflight = null;
    });
  }
  return inflight;
}
