/**
 * The one fetch every API call goes through: adds the access token, the business
 * (X-Tenant-Id) and the language, and on a 401 refreshes once (single-flight) and retries.
 */
import { resolveUrl } from '../config';
import { getAccessToken, getTenantId, hasSession, refreshAccessToken } from '../lib/session';

let language = 'fr';
export function setApiLanguage(lang: string): void {
  language = lang;
}

function prepare(request: Request, token: string | null): Request {
  const headers = new Headers(request.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const tenant = getTenantId();
  if (tenant && !headers.has('X-Tenant-Id')) headers.set('X-Tenant-Id', tenant);
  headers.set('Accept-Language', language);
  return new Request(request, { headers });
}

export async function authFetch(input: Request | string, init?: RequestInit): Promise<Response> {
  const base = typeof input === 'string' ? new Request(resolveUrl(input), init) : input;
  const retry = base.clone();
  const token = getAccessToken();
  if (!token && hasSession()) {
    await refreshAccessToken();
  }
  const sent = getAccessToken();
  const response = await fetch(prepare(base, sent));
  if (response.status !== 401 || !hasSession()) return response;
  // Another caller may have refreshed while this request was in flight: use its token.
  if (getAccessToken() && getAccessToken() !== sent) return fetch(prepare(retry, getAccessToken()));
  const outcome = await refreshAccessToken();
  if (outcome.kind !== 'ok') return response;
  return fetch(prepare(retry, outcome.access));
}
