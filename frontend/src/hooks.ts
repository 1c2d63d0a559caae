import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from './api/client';
import { useMe } from './auth';
import { unwrap } from './lib/errors';
import { formatMoney, formatNumber, formatDate } from './lib/format';
import { getServiceId, setServiceId } from './lib/session';
import { useSessionState } from './auth';

export function useServices() {
  const { tenantId } = useSessionState();
  const me = useMe();
  return useQuery({
    queryKey: ['services', tenantId],
    enabled: Boolean(me.data?.tenant),
    queryFn: async () =>
      unwrap(await api.GET('/api/auth/services/', { params: { query: { page_size: 100 } } })),
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
