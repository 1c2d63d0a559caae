/** The signed-in person: `me` from the API, kept in localStorage so the shell opens offline. */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { api, type Schemas } from './api/client';
import { ApiError, unwrap } from './lib/errors';
import { writeQueue } from './lib/writeQueue';
import {
  clearSession,
  getRefreshToken,
  getServiceId,
  getTenantId,
  hasSession,
  onSessionChange,
  setTenantId,
  setTokens,
} from './lib/session';

export type Me = Schemas['Me'];
const ME_KEY = 'stockscan.me';

function sessionSnapshot(): string {
  return `${hasSession()}|${getTenantId() ?? ''}|${getServiceId() ?? ''}`;
}

/** Re-renders when the tokens, business or service change. */
export function useSessionState(): { signedIn: boolean; tenantId: string | null; serviceId: number | null } {
  useSyncExternalStore(onSessionChange, sessionSnapshot, sessionSnapshot);
  return { signedIn: hasSession(), tenantId: getTenantId(), serviceId: getServiceId() };
}

function lastMe(): Me | undefined {
  try {
    const raw = localStorage.getItem(ME_KEY);
    return raw ? (JSON.parse(raw) as Me) : undefined;
  } catch {
    return undefined;
  }
}

export function useMe() {
  const { signedIn, tenantId } = useSessionState();
  return useQuery({
    queryKey: ['me', tenantId],
    enabled: signedIn,
    placeholderData: lastMe,
    queryFn: async () => {
      const me = unwrap(await api.GET('/api/auth/me/'));
      localStorage.setItem(ME_KEY, JSON.stringify(me));
      if (me.tenant && String(me.tenant.id) !== tenantId) setTenantId(me.tenant.id);
      return me;
    },
    retry: (count, error) => !(error instanceof ApiError) && count < 2,
  });
}

/** Logged in: keep the tokens, pick the business the server chose. */
export function startSession(answer: {
  access: string;
  refresh: string;
  tenant?: { id: number } | null;
}): void {
  localStorage.removeItem(ME_KEY);
  setTokens(answer);
  if (answer.tenant) setTenantId(answer.tenant.id);
}

export function useLogout() {
  const queryClient = useQueryClient();
  return async () => {
    const refresh = getRefreshToken();
    if (refresh) {
      // Blacklists the token and revokes the session's access tokens; offline, forget them here.
      await api.POST('/api/auth/logout/', { body: { refresh } }).catch(() => undefined);
    }
    clearSession();
    // Nothing of this person stays on a shared phone: what was remembered for offline use, and
    // the queue (its writes would otherwise go out under the next person's session).
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith('stockscan.') && key !== 'stockscan.language') localStorage.removeItem(key);
    }
    await writeQueue.clearAll();
    setTenantId(null);
    queryClient.clear();
  };
}
