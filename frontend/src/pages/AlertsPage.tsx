import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api/client';
import { ErrorNotice } from '../components/ErrorNotice';
import { useCurrentService, useFormatters } from '../hooks';
import { unwrap } from '../lib/errors';

export function AlertsPage() {
  const { t } = useTranslation();
  const { current } = useCurrentService();
  const format = useFormatters();
  const alerts = useQuery({
    queryKey: ['alerts', current?.id],
    enabled: Boolean(current),
    queryFn: async () =>
      unwrap(await api.GET('/api/alerts/', { params: { query: { service: current?.id } } })),
  });
  return (
    <>
      <h1>{t('alerts.title')}</h1>
      <ErrorNotice error={alerts.error} />
      {alerts.data?.excluded.map((excluded) => (
        <div key={excluded.kind} className="notice notice-plan">
          <p>
            {t('alerts.excluded', {
              kind: t(`alerts.kinds.${excluded.kind}`),
              plan: excluded.plan,
            })}
          </p>
          <p>
            <Link to="/billing">{t('plan.upgradeLink')}</Link>
          </p>
        </div>
      ))}
      {alerts.data && alerts.data.results.length === 0 && <p className="muted">{t('alerts.none')}</p>}
      <ul className="cards">
        {alerts.data?.results.map((alert) => {
          const quantity = (value: string) => `${format.number(value)} ${t(`units.${alert.unit}`)}`;
          return (
            <li key={`${alert.kind}-${alert.product}-${alert.line ?? ''}`} className="card">
              <span className="card-title">{alert.product_name}</span>
              {alert.kind === 'low_stock' ? (
                <span>
                  {t('alerts.lowStock', {
                    quantity: quantity(alert.quantity),
                    min: alert.min_quantity === null ? '—' : quantity(alert.min_quantity),
                  })}
                </span>
              ) : (
                <>
                  <span>
                    {t('alerts.expiry', {
                      date: alert.expiry_date ? format.date(alert.expiry_date) : '—',
                      count: alert.days_left ?? 0,
                    })}
                    {alert.lot && ` · ${t('alerts.lot', { lot: alert.lot })}`}
                  </span>
                  <span>{t('alerts.quantity', { quantity: quantity(alert.quantity) })}</span>
                </>
              )}
              {alert.value !== null && (
                <span className="muted" data-testid="alert-value">
                  {t('alerts.value', { value: format.money(alert.value) })}
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}
