import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from './api/client';
import { useMe, useSessionState } from './auth';
import { unwrap } from './lib/errors';
import { formatMoney, formatNumber, formatDate } from './lib/format';
import { getServiceId, setServiceId } from './lib/session';

async function fetchServices() {
  return unwrap(await api.GET('/api/auth/services/', { params: { query: { page_size: 100 } } }));
}

export function useServices() {
  const { tenantId } = useSessionState();
  const me = useMe();
  return useQuery({
    queryKey: ['services', tenantId],
    enabled: Boolean(me.data?.tenant),
    // Remembered, like `me`, so the app opens offline on the service the person works in.
    placeholderData: () => {
      const raw = localStorage.getItem(`stockscan.services.${tenantId}`);
      return raw ? (JSON.parse(raw) as Awaited<ReturnType<typeof fetchServices>>) : undefined;
    },
    queryFn: async () => {
      const page = await fetchServices();
      localStorage.setItem(`stockscan.services.${tenantId}`, JSON.stringify(page));
      return page;
    },
    select: (page) => {
      const restricted = me.data?.service ?? null;
      // An operator limited to one service sees only it.
      return restricted ? page.results.filter((service) => service.id === restricted) : page.results;
    },
  });
}

/** The service the person works in: the one they chose, else the first they may see. */
export function useCurrentService() {
  const services = useServices();
  const { serviceId } = useSessionState();
  const list = services.data ?? [];
  const current = list.find((service) => service.id === serviceId) ?? list[0] ?? null;
  if (current && current.id !== getServiceId()) queueMicrotask(() => setServiceId(current.id));
  return { services: list, current, isLoading: services.isLoading, error: services.error };
}

export function useFormatters() {
  const { i18n } = useTranslation();
  const me = useMe();
  const locale = i18n.language === 'en' ? 'en' : 'fr';
  const currency = me.data?.tenant?.currency ?? 'EUR';
  return {
    locale,
    currency,
    number: (value: string | number, digits = 3) => formatNumber(value, locale, digits),
    money: (value: string | number) => formatMoney(value, currency, locale),
    date: (value: string) => formatDate(value, locale),
  };
}
