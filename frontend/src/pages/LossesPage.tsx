import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useForm, useWatch } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { api, type Schemas } from '../api/client';
import { useMe } from '../auth';
import { ErrorNotice } from '../components/ErrorNotice';
import { queueError, RefusedWrite, useQueueItems } from '../components/QueuedWrite';
import { Field } from '../components/Field';
import { useCurrentService, useFormatters } from '../hooks';
import { errorMessage, unwrap } from '../lib/errors';
import { currentMonth, formatDate, formatMonth, today } from '../lib/format';
import { newIdempotencyKey, type QueueItem } from '../lib/queue';
import { getTenantId } from '../lib/session';
import { writeQueue } from '../lib/writeQueue';
import { decimalOrNull } from './ProductFormPage';

type Reason = Schemas['LossReasonEnum'];
export const REASONS: Reason[] = ['breakage', 'expired', 'theft', 'free', 'mistake', 'other'];
type Values = { product: string; quantity: string; reason: Reason; occurred_on: string; note: string };
/** The refusals that are about the loss's date: shown beside the date field. */
const DATE_CODES: readonly string[] = ['MONTH_CLOSED', 'LOSS_IN_FUTURE'];

type CountPage = Schemas['PaginatedStockCountList'];
const countStatusKey = (service: number | undefined, day: string) => [
  'count-status',
  service,
  /^\d{4}-\d{2}-\d{2}$/.test(day) ? day.slice(0, 7) : '',
];

/** Whether the month of a day ("2026-11-30") is closed in the service: undefined while unknown. */
function useMonthClosed(service: number | undefined, day: string): boolean | undefined {
  const key = countStatusKey(service, day);
  const month = String(key[2]);
  const count = useQuery({
    queryKey: key,
    enabled: Boolean(service && month),
    staleTime: 60_000,
    queryFn: async (): Promise<CountPage> =>
      unwrap(await api.GET('/api/counts/', { params: { query: { service, month, page_size: 1 } } })),
  });
  if (!count.data) return undefined;
  return count.data.results[0]?.status === 'closed';
}

/** Calls onRefused for each write of the queue refused for its date, when it is refused. */
function useDateRefusals(queued: QueueItem[], onRefused: (item: QueueItem) => void) {
  const seen = useRef(new Map<string, string>());
  useEffect(() => {
    for (const item of queued) {
      const before = seen.current.get(item.key);
      seen.current.set(item.key, item.status);
      // Only a write seen waiting or sending on this page: one refused earlier is in the queue
      // with its reason, and does not belong beside the date being typed now.
      if (before === undefined || before === 'failed' || item.status !== 'failed') continue;
      if (item.error && DATE_CODES.includes(item.error.code)) onRefused(item);
    }
  }, [queued, onRefused]);
}

/** Products of the service, remembered so a loss can be recorded after an offline reload. */
function useProductChoices(service: number | undefined) {
  const storageKey = `stockscan.products.${service}`;
  return useQuery({
    queryKey: ['product-choices', service],
    enabled: Boolean(service),
    placeholderData: () => {
      const raw = localStorage.getItem(storageKey);
      return raw ? (JSON.parse(raw) as { id: number; name: string; unit: Schemas['UnitEnum'] }[]) : undefined;
    },
    queryFn: async () => {
      const page = unwrap(
        await api.GET('/api/products/', { params: { query: { service, page_size: 200 } } }),
      );
      const choices = page.results.map(({ id, name, unit }) => ({ id, name, unit }));
      localStorage.setItem(storageKey, JSON.stringify(choices));
      return choices;
    },
  });
}

export function LossesPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const me = useMe();
  const { current } = useCurrentService();
  const service = current?.id;
  const format = useFormatters();
  const [filter, setFilter] = useState('');
  const [month, setMonth] = useState(currentMonth());
  const [reasonFilter, setReasonFilter] = useState<Reason | ''>('');
  const products = useProductChoices(service);
  const queued = useQueueItems('loss');
  const form = useForm<Values>({
    defaultValues: { product: '', quantity: '', reason: 'breakage', occurred_on: today(), note: '' },
  });
  const errors = form.formState.errors;
  const occurredOn = useWatch({ control: form.control, name: 'occurred_on' });
  const monthClosed = useMonthClosed(service, occurredOn);
  const dateProblem =
    occurredOn > today() ? t('errors.LOSS_IN_FUTURE') : monthClosed ? t('errors.MONTH_CLOSED') : undefined;
  const locale = format.locale;
  const onDateRefused = useCallback(
    (item: QueueItem) => {
      const day = (item.body as { occurred_on?: string }).occurred_on;
      form.setError('occurred_on', {
        type: 'server',
        message: t('losses.refusedOn', {
          date: day ? formatDate(day, locale) : '—',
          reason: errorMessage(queueError(item), t),
        }),
      });
    },
    [form, t, locale],
  );
  useDateRefusals(queued, onDateRefused);
  // A date refused by the server stops being flagged once another date is chosen.
  const refusedDate = useRef(occurredOn);
  useEffect(() => {
    if (refusedDate.current !== occurredOn && form.getFieldState('occurred_on').error?.type === 'server')
      form.clearErrors('occurred_on');
    refusedDate.current = occurredOn;
  }, [occurredOn, form]);

  const visibleProducts = useMemo(() => {
    const needle = filter.trim().toLocaleLowerCase();
    const list = products.data ?? [];
    return needle ? list.filter((product) => product.name.toLocaleLowerCase().includes(needle)) : list;
  }, [products.data, filter]);
  useEffect(() => {
    const first = visibleProducts[0];
    if (filter && first) form.setValue('product', String(first.id));
  }, [filter, visibleProducts, form]);

  const losses = useQuery({
    queryKey: ['losses', service, month],
    enabled: Boolean(service),
    queryFn: async () =>
      unwrap(await api.GET('/api/losses/', { params: { query: { service, month, page_size: 200 } } })),
  });
  const savedCount = queued.filter((item) => item.status === 'saved').length;
  useEffect(() => {
    void queryClient.invalidateQueries({ queryKey: ['losses'] });
  }, [savedCount, queryClient]);

  const rows = (losses.data?.results ?? []).filter((loss) => !reasonFilter || loss.reason === reasonFilter);
  const totals = REASONS.map((reason) => {
    const ofReason = (losses.data?.results ?? []).filter((loss) => loss.reason === reason);
    return { reason, count: ofReason.length };
  }).filter((total) => total.count > 0);

  const record = form.handleSubmit(async (values) => {
    const product = products.data?.find((choice) => String(choice.id) === values.product);
    const quantity = decimalOrNull(values.quantity);
    if (!product || !service || !quantity) return;
    await writeQueue.enqueue({
      key: newIdempotencyKey(),
      kind: 'loss',
      method: 'POST',
      path: `/api/losses/?service=${service}`,
      tenant: getTenantId(),
      label: `${product.name} — ${format.number(quantity)} ${t(`units.${product.unit}`)} (${t(`reasons.${values.reason}`)})`,
      body: {
        product: product.id,
        quantity,
        unit: product.unit,
        reason: values.reason,
        occurred_on: values.occurred_on,
        note: values.note,
      },
    });
    form.reset({ ...values, quantity: '', note: '' });
    form.setFocus('quantity');
  });

  const quantityField = form.register('quantity', {
    required: t('form.required'),
    validate: (value) =>
      (decimalOrNull(value) && Number(decimalOrNull(value)) > 0) || t('losses.quantityPositive'),
  });

  return (
    <>
      <h1>{t('losses.title')}</h1>
      <section aria-labelledby="record-loss">
        <h2 id="record-loss">{t('losses.record')}</h2>
        <form onSubmit={record} noValidate className="grid-form">
          <Field label={t('losses.findProduct')}>
            {({ id }) => (
              <input
                id={id}
                type="search"
                value={filter}
                onChange={(event) => setFilter(event.target.value)}
              />
            )}
          </Field>
          <Field label={t('losses.product')} error={errors.product?.message}>
            {({ id, describedBy, invalid }) => (
              <select
                id={id}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                {...form.register('product', { required: t('form.required') })}
              >
                <option value="">{t('losses.chooseProduct')}</option>
                {visibleProducts.map((product) => (
                  <option key={product.id} value={product.id}>
                    {product.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('losses.quantity')} error={errors.quantity?.message}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                inputMode="decimal"
                autoComplete="off"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                {...quantityField}
              />
            )}
          </Field>
          <fieldset className="choices">
            <legend>{t('losses.reason')}</legend>
            {REASONS.map((reason) => (
              <label key={reason} className="choice">
                <input type="radio" value={reason} {...form.register('reason')} /> {t(`reasons.${reason}`)}
              </label>
            ))}
          </fieldset>
          <Field label={t('losses.date')} error={errors.occurred_on?.message ?? dateProblem}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                type="date"
                max={today()}
                aria-describedby={describedBy}
                aria-invalid={invalid}
                {...form.register('occurred_on', {
                  required: t('form.required'),
                  validate: (value) => {
                    if (value > today()) return t('errors.LOSS_IN_FUTURE');
                    const count = queryClient.getQueryData<CountPage>(countStatusKey(service, value));
                    return count?.results[0]?.status === 'closed' ? t('errors.MONTH_CLOSED') : true;
                  },
                })}
              />
            )}
          </Field>
          <Field label={t('losses.note')}>{({ id }) => <input id={id} {...form.register('note')} />}</Field>
          <button type="submit" className="primary">
            {t('losses.submit')}
          </button>
        </form>
      </section>

      {queued.length > 0 && (
        <section aria-labelledby="loss-queue">
          <h2 id="loss-queue">{t('queue.title')}</h2>
          <ul className="cards queue" data-testid="loss-queue">
            {[...queued].reverse().map((item) => (
              <li key={item.key} className={`card queue-${item.status}`} data-status={item.status}>
                <span>{item.label}</span>
                <span className={`badge badge-${item.status}`}>{t(`queue.status.${item.status}`)}</span>
                {item.status === 'failed' && item.error && (
                  <>
                    <RefusedWrite item={item} />
                  </>
                )}
              </li>
            ))}
          </ul>
          {savedCount > 0 && (
            <button type="button" onClick={() => void writeQueue.clearSaved()}>
              {t('queue.clearSaved')}
            </button>
          )}
        </section>
      )}

      <section aria-labelledby="loss-list">
        <h2 id="loss-list">{t('losses.listTitle', { month: formatMonth(month, format.locale) })}</h2>
        <div className="filters">
          <label>
            {t('losses.month')}{' '}
            <input
              type="month"
              value={month}
              onChange={(event) => event.target.value && setMonth(event.target.value)}
            />
          </label>
          <label>
            {t('losses.reasonFilter')}{' '}
            <select
              value={reasonFilter}
              onChange={(event) => setReasonFilter(event.target.value as Reason | '')}
            >
              <option value="">{t('losses.allReasons')}</option>
              {REASONS.map((reason) => (
                <option key={reason} value={reason}>
                  {t(`reasons.${reason}`)}
                </option>
              ))}
            </select>
          </label>
        </div>
        <ErrorNotice error={losses.error} />
        {totals.length > 0 && (
          <p className="muted">
            {totals
              .map((total) =>
                t('losses.total', {
                  reason: t(`reasons.${total.reason}`),
                  number: format.number(total.count),
                }),
              )
              .join(' · ')}
          </p>
        )}
        <ul className="cards" data-testid="loss-list">
          {rows.map((loss) => (
            <li key={loss.id} className="card">
              <span className="card-title">{loss.product_name}</span>
              <span>
                {format.number(loss.quantity)} {t(`units.${loss.unit}`)} · {t(`reasons.${loss.reason}`)} ·{' '}
                {format.date(loss.occurred_on)}
                {loss.value !== null && me.data?.tenant && <> · {format.money(loss.value)}</>}
              </span>
              {loss.note && <span className="muted">{loss.note}</span>}
            </li>
          ))}
        </ul>
        {losses.data && rows.length === 0 && <p className="muted">{t('losses.none')}</p>}
      </section>
    </>
  );
}
