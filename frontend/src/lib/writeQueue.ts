/** The app's one queue, sending through the authenticated fetch; synced when the network returns. */
import { authFetch } from '../api/http';
import { isErrorBody } from './errors';
import { createWriteQueue, type QueueItem, type SendOutcome } from './queue';

export async function sendQueued(item: QueueItem): Promise<SendOutcome> {
  let response: Response;
  try {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Idempotency-Key': item.key,
    };
    if (item.tenant) headers['X-Tenant-Id'] = item.tenant;
    response = await authFetch(item.path, { method: item.method, headers, body: JSON.stringify(item.body) });
  } catch {
    return { kind: 'unreachable' };
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.ok) return { kind: 'saved', result: body };
  // Not logged in any more, throttled, or the server/database is down: try again later.
  if (response.status === 401 || response.status === 429 || response.status >= 500)
    return { kind: 'unreachable' };
  const error = isErrorBody(body) ? body : { code: 'INTERNAL_ERROR', detail: String(response.status) };
  return {
    kind: 'refused',
    status: response.status,
    code: error.code,
    detail: error.detail,
    body: error as Record<string, unknown>,
  };
}

export const writeQueue = createWriteQueue({ send: sendQueued });

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => void writeQueue.sync());
  // Something may have been left waiting by a previous page: try now, and again every 20 s.
  void writeQueue.sync();
  setInterval(() => {
    if (navigator.onLine) void writeQueue.sync();
  }, 20_000);
}
