import { useMutation, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, type Schemas } from '../api/client';
import { useMe } from '../auth';
import { STRIPE_ENABLED } from '../config';
import { ErrorNotice } from '../components/ErrorNotice';
import { useFormatters } from '../hooks';
import { unwrap } from '../lib/errors';
import { formatMoney } from '../lib/format';

// Every limit of the schema's PlanLimits, in the order shown: tsc fails when the backend adds one.
const LIMIT_ORDER = {
  max_products: true,
  max_services: true,
  max_users: true,
  max_customers: true,
  csv_monthly_limit: true,
  xlsx_monthly_limit: true,
  ai_requests_monthly_limit: true,
  history_days: true,
} as const satisfies Record<keyof Schemas['PlanLimits'], true>;
const LIMITS = Object.keys(LIMIT_ORDER) as (keyof typeof LIMIT_ORDER)[];

/** The plans and what each allows, the current one marked: where every limit message links. */
export function BillingPage() {
  const { t } = useTranslation();
  const format = useFormatters();
  const plans = useQuery({ queryKey: ['plans'], queryFn: async () => unwrap(await api.GET('/api/plans/')) });
  const entitlements = useQuery({
    queryKey: ['entitlements'],
    queryFn: async () => unwrap(await api.GET('/api/auth/me/org/entitlements/')),
  });
  const currentPlan = entitlements.data?.plan_effective;
  const me = useMe();
  const checkout = useMutation({
    mutationFn: async (plan: Schemas['PlanEnum']) =>
      unwrap(await api.POST('/api/auth/billing/checkout/', { body: { plan, cycle: 'MONTHLY' } })),
    onSuccess: (answer) => window.location.assign(answer.url),
  });
  const canBuy = STRIPE_ENABLED && me.data?.role === 'owner';
  return (
    <>
      <h1>{t('billing.title')}</h1>
      <ErrorNotice error={plans.error ?? entitlements.error ?? checkout.error} />
      {currentPlan && <p>{t('billing.current', { plan: currentPlan })}</p>}
      <ul className="cards plans">
        {plans.data?.map((plan) => (
          <li key={plan.code} className={plan.code === currentPlan ? 'card plan-current' : 'card'}>
            <h2>
              {plan.name}{' '}
              {plan.code === currentPlan && <span className="badge">{t('billing.yourPlan')}</span>}
            </h2>
            {plan.prices?.MONTHLY && (
              <p>
                {t('billing.perMonth', {
                  price: formatMoney(plan.prices.MONTHLY.amount, plan.prices.MONTHLY.currency, format.locale),
                })}
              </p>
            )}
            <dl className="limits">
              {LIMITS.map((limit) => (
                <div key={limit}>
                  <dt>{t(`limits.${limit}`)}</dt>
                  <dd>
                    {plan.limits[limit] === null
                      ? t('plan.unlimited')
                      : format.number(plan.limits[limit] ?? 0)}
                  </dd>
                </div>
              ))}
            </dl>
            {canBuy && plan.purchasable && plan.code !== currentPlan && (
              <button
                type="button"
                className="primary"
                disabled={checkout.isPending}
                onClick={() => checkout.mutate(plan.code as Schemas['PlanEnum'])}
              >
                {t('billing.choose', { plan: plan.name })}
              </button>
            )}
            <ul className="features">
              {plan.features.map((feature) => (
                <li key={feature}>{t(`features.${feature}`)}</li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </>
  );
}
