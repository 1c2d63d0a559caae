/**
 * Counting a month: month × service, the checklist by area in shelf order with last month's
 * quantity beside each product, keyboard entry (type, Enter: saved and on to the next), set or
 * add, opened containers and lots/expiry dates where the service tracks them, and closing.
 * Every line is written through the offline queue with its Idempotency-Key: it shows counted at
 * once (optimistic) and is sent exactly once, when the network allows.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Schemas } from '../api/client';
import { ErrorNotice } from '../components/ErrorNotice';
import { queueError, RefusedWrite, useQueueItems } from '../components/QueuedWrite';
import { useCurrentService, useFormatters } from '../hooks';
import { ApiError, errorMessage, unwrap } from '../lib/errors';
import { currentMonth, formatMonth } from '../lib/format';
import { newIdempotencyKey, type QueueItem } from '../lib/queue';
import { getTenantId, setServiceId } from '../lib/session';
import { writeQueue } from '../lib/writeQueue';
import { decimalOrNull } from './ProductFormPage';

type ChecklistItem = Schemas['ChecklistItem'];
type CountDetail = Schemas['StockCountDetail'];
type Mode = 'set' | 'add';
type Uncounted = 'zero' | 'expected';
export const COUNT_KIND = 'count-line';

interface CountLineBody {
  count: number;
  product: number;
  quantity: string;
  mode: Mode;
  container_state: 'SEALED' | 'OPENED';
  remaining_fraction?: string;
  remaining_quantity?: string;
  lot?: string;
  expiry_date?: string;
}

/** A remembered read: shown at once (and offline after a reload) while the API answers. */
function remembered<T>(key: string): T | undefined {
  const raw = localStorage.getItem(key);
  return raw ? (JSON.parse(raw) as T) : undefined;
}
function remember<T>(key: string, value: T): T {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* storage full: only the offline copy is lost */
  }
  return value;
}

function useCountQueue(count: number | undefined): QueueItem[] {
  const all = useQueueItems(COUNT_KIND);
  return useMemo(() => all.filter((item) => (item.body as CountLineBody).count === count), [all, count]);
}

/** Whether a typed quantity is valid for the unit: whole numbers for pieces. */
export function parseQuantity(raw: string, unit: string): string | null {
  const value = decimalOrNull(raw);
  if (value === null) return null;
  if (unit === 'pcs') return /^\d+$/.test(value) ? value : null;
  return /^\d+(\.\d{1,3})?$/.test(value) ? value : null;
}

/** Adds two decimals of up to 3 places without floats. */
export function addDecimals(a: string, b: string): string {
  const thousandths = (value: string) => {
    const [whole = '0', fraction = ''] = value.split('.');
    return BigInt(whole) * 1000n + BigInt((fraction + '000').slice(0, 3));
  };
  const sum = thousandths(a) + thousandths(b);
  const whole = sum / 1000n;
  const fraction = (sum % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

function features(service: Schemas['Service'] | undefined): Record<string, unknown> {
  const raw = service?.features;
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((name) => [String(name), true]));
  return raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
}

export function CountPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const format = useFormatters();
  const { services, current } = useCurrentService();
  // The service counted is the app's current one: choosing it here chooses it in the shell too.
  const service = current ?? undefined;
  const [month, setMonth] = useState(currentMonth());
  const [area, setArea] = useState('');
  const [mode, setMode] = useState<Mode>('set');
  const [opened, setOpened] = useState(false);
  const [remainingKind, setRemainingKind] = useState<'fraction' | 'quantity'>('fraction');
  const [fraction, setFraction] = useState(50);
  const [remainingQuantity, setRemainingQuantity] = useState('');
  const [lot, setLot] = useState('');
  const [expiry, setExpiry] = useState('');
  const [drafts, setDrafts] = useState<Record<number, string>>({});
  const [invalid, setInvalid] = useState<Record<number, boolean>>({});
  const [optimistic, setOptimistic] = useState<Record<number, string>>({});
  const [closeChoice, setCloseChoice] = useState<Uncounted>('zero');
  const [uncounted, setUncounted] = useState<number | null>(null);
  const [announce, setAnnounce] = useState('');
  const inputs = useRef<(HTMLInputElement | null)[]>([]);
  const has = features(service);
  const tracksOpened = Boolean(has.open_container_tracking);
  const tracksLot = Boolean(has.lot);
  const tracksExpiry = Boolean(has.dlc);

  const countKey = ['count-of-month', service?.id, month];
  const monthCount = useQuery({
    queryKey: countKey,
    enabled: Boolean(service),
    placeholderData: () =>
      remembered<Schemas['StockCount'] | null>(`stockscan.count.${service?.id}.${month}`),
    queryFn: async () => {
      const page = unwrap(
        await api.GET('/api/counts/', { params: { query: { service: service?.id, month, page_size: 1 } } }),
      );
      return remember(`stockscan.count.${service?.id}.${month}`, page.results[0] ?? null);
    },
  });
  const count = monthCount.data ?? undefined;
  const countId = count?.id;

  const detail = useQuery({
    queryKey: ['count-detail', countId],
    enabled: Boolean(countId),
    placeholderData: () => remembered<CountDetail>(`stockscan.count-detail.${countId}`),
    queryFn: async () =>
      remember(
        `stockscan.count-detail.${countId}`,
        unwrap(await api.GET('/api/counts/{id}/', { params: { path: { id: String(countId) } } })),
      ),
  });
  const checklist = useQuery({
    queryKey: ['checklist', countId, area],
    enabled: Boolean(countId),
    placeholderData: () => remembered<ChecklistItem[]>(`stockscan.checklist.${countId}.${area}`),
    queryFn: async () => {
      const query = area ? { area: Number(area), page_size: 1000 } : { page_size: 1000 };
      const page = unwrap(
        await api.GET('/api/counts/{id}/checklist/', { params: { path: { id: String(countId) }, query } }),
      );
      return remember(`stockscan.checklist.${countId}.${area}`, page.results);
    },
  });
  const areas = useQuery({
    queryKey: ['areas', service?.id],
    enabled: Boolean(service),
    queryFn: async () =>
      unwrap(await api.GET('/api/areas/', { params: { query: { service: service?.id, page_size: 200 } } }))
        .results,
  });

  const start = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/counts/', {
          params: { query: { service: service?.id ?? 0 } },
          body: { month },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['count-of-month'] }),
  });
  const close = useMutation({
    mutationFn: async (choice: Uncounted | undefined) =>
      unwrap(
        await api.POST('/api/counts/{id}/close/', {
          params: { path: { id: String(countId) } },
          body: choice ? { uncounted: choice } : {},
        }),
      ),
    onSuccess: () => {
      setUncounted(null);
      void queryClient.invalidateQueries({ queryKey: ['count-of-month'] });
      void queryClient.invalidateQueries({ queryKey: ['count-detail'] });
      void queryClient.invalidateQueries({ queryKey: ['checklist'] });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'UNCOUNTED_PRODUCTS') {
        const left = (error.body as Record<string, unknown>).uncounted;
        setUncounted(typeof left === 'number' ? left : 0);
      }
    },
  });

  const queued = useCountQueue(countId);
  const latest = useMemo(() => {
    const byProduct = new Map<number, QueueItem>();
    for (const item of queued) byProduct.set((item.body as CountLineBody).product, item);
    return byProduct;
  }, [queued]);
  const savedCount = queued.filter((item) => item.status === 'saved').length;
  useEffect(() => {
    if (savedCount === 0) return;
    void queryClient.invalidateQueries({ queryKey: ['count-detail'] });
    void queryClient.invalidateQueries({ queryKey: ['checklist'] });
  }, [savedCount, queryClient]);

  const items = useMemo(() => checklist.data ?? [], [checklist.data]);
  const groups = useMemo(() => {
    const out: { name: string; items: { item: ChecklistItem; index: number }[] }[] = [];
    items.forEach((item, index) => {
      const name = item.area_name ?? t('count.noArea');
      const last = out[out.length - 1];
      if (last && last.name === name) last.items.push({ item, index });
      else out.push({ name, items: [{ item, index }] });
    });
    return out;
  }, [items, t]);

  // After a reload, the writes still waiting are shown over the last known quantities.
  const pending = useMemo(() => {
    const byProduct = new Map<number, QueueItem[]>();
    for (const write of queued) {
      if (write.status !== 'waiting' && write.status !== 'sending') continue;
      const product = (write.body as CountLineBody).product;
      byProduct.set(product, [...(byProduct.get(product) ?? []), write]);
    }
    return byProduct;
  }, [queued]);
  const closed = count?.status === 'closed';
  const shown = (item: ChecklistItem): string | null => {
    if (optimistic[item.product] !== undefined) return optimistic[item.product] ?? null;
    let value = item.counted_quantity;
    for (const write of pending.get(item.product) ?? []) {
      const body = write.body as CountLineBody;
      value = body.mode === 'add' ? addDecimals(value ?? '0', body.quantity) : body.quantity;
    }
    return value;
  };

  async function save(item: ChecklistItem, index: number) {
    if (!countId || closed) return;
    const quantity = parseQuantity(drafts[item.product] ?? '', item.unit);
    if (quantity === null) {
      setInvalid((before) => ({ ...before, [item.product]: true }));
      return;
    }
    const body: CountLineBody = {
      count: countId,
      product: item.product,
      quantity,
      mode,
      container_state: opened ? 'OPENED' : 'SEALED',
    };
    if (opened && remainingKind === 'fraction') body.remaining_fraction = (fraction / 100).toFixed(2);
    if (opened && remainingKind === 'quantity') {
      const left = parseQuantity(remainingQuantity, 'l');
      if (left === null) {
        setInvalid((before) => ({ ...before, [item.product]: true }));
        return;
      }
      body.remaining_quantity = left;
    }
    if (tracksLot && lot.trim()) body.lot = lot.trim();
    if (tracksExpiry && expiry) body.expiry_date = expiry;
    const before = shown(item) ?? '0';
    const after = mode === 'add' ? addDecimals(before, quantity) : quantity;
    // Shown counted at once: a set replaces, an add adds to what is shown.
    setOptimistic((map) => ({ ...map, [item.product]: after }));
    setAnnounce(t('count.announce', { product: item.product_name, quantity: format.number(after) }));
    setDrafts((map) => ({ ...map, [item.product]: '' }));
    setInvalid((map) => ({ ...map, [item.product]: false }));
    inputs.current[index + 1]?.focus();
    await writeQueue.enqueue({
      key: newIdempotencyKey(),
      kind: COUNT_KIND,
      method: 'POST',
      path: `/api/count-lines/?service=${service?.id ?? ''}`,
      tenant: getTenantId(),
      label: `${item.product_name} — ${mode === 'add' ? '+' : ''}${format.number(quantity)} ${t(`units.${item.unit}`, { defaultValue: item.unit })}`,
      body,
    });
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>, item: ChecklistItem, index: number) {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    void save(item, index);
  }

  const progress = detail.data;
  const total = progress ? progress.products_counted + progress.products_to_count : 0;
  const failed = queued.filter((item) => item.status === 'failed');

  return (
    <>
      <h1>{t('count.title')}</h1>
      <p className="visually-hidden" role="status">
        {announce}
      </p>
      <div className="filters">
        {services.length > 1 && (
          <label>
            {t('count.service')}{' '}
            <select
              value={service?.id ?? ''}
              onChange={(event) => {
                setServiceId(Number(event.target.value));
                setArea('');
                setOptimistic({});
              }}
            >
              {services.map((choice) => (
                <option key={choice.id} value={choice.id}>
                  {choice.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {t('count.month')}{' '}
          <input
            type="month"
            value={month}
            onChange={(event) => {
              if (!event.target.value) return;
              setMonth(event.target.value);
              setOptimistic({});
            }}
          />
        </label>
        {(areas.data?.length ?? 0) > 0 && (
          <label>
            {t('count.area')}{' '}
            <select value={area} onChange={(event) => setArea(event.target.value)}>
              <option value="">{t('count.allAreas')}</option>
              {areas.data?.map((choice) => (
                <option key={choice.id} value={choice.id}>
                  {choice.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <ErrorNotice error={monthCount.error} />

      {monthCount.data === null && (
        <section aria-labelledby="count-start">
          <h2 id="count-start">{t('count.notStarted', { month: formatMonth(month, format.locale) })}</h2>
          <button type="button" className="primary" disabled={start.isPending} onClick={() => start.mutate()}>
            {t('count.start')}
          </button>
          <ErrorNotice error={start.error} />
        </section>
      )}

      {count && (
        <>
          <p className="muted" data-testid="count-status">
            {formatMonth(count.month, format.locale)} · {count.service_name} ·{' '}
            {t(closed ? 'count.closed' : 'count.open')}
          </p>
          {progress && (
            <div className="count-progress">
              <progress
                max={Math.max(total, 1)}
                value={progress.products_counted}
                aria-label={t('count.progressLabel')}
              />
              <p data-testid="count-progress">
                {t('count.progress', {
                  counted: format.number(progress.products_counted),
                  toCount: format.number(progress.products_to_count),
                })}
              </p>
            </div>
          )}

          {!closed && (
            <fieldset className="choices">
              <legend>{t('count.mode')}</legend>
              <label className="choice">
                <input
                  type="radio"
                  name="count-mode"
                  checked={mode === 'set'}
                  onChange={() => setMode('set')}
                />{' '}
                {t('count.modeSet')}
              </label>
              <label className="choice">
                <input
                  type="radio"
                  name="count-mode"
                  checked={mode === 'add'}
                  onChange={() => setMode('add')}
                />{' '}
                {t('count.modeAdd')}
              </label>
            </fieldset>
          )}

          {!closed && (tracksOpened || tracksLot || tracksExpiry) && (
            <details className="count-options">
              <summary>{t('count.options')}</summary>
              {tracksOpened && (
                <div>
                  <label className="choice">
                    <input
                      type="checkbox"
                      checked={opened}
                      onChange={(event) => setOpened(event.target.checked)}
                    />{' '}
                    {t('count.opened')}
                  </label>
                  {opened && (
                    <fieldset className="choices">
                      <legend>{t('count.remaining')}</legend>
                      <label className="choice">
                        <input
                          type="radio"
                          name="remaining-kind"
                          checked={remainingKind === 'fraction'}
                          onChange={() => setRemainingKind('fraction')}
                        />{' '}
                        {t('count.remainingFraction')}
                      </label>
                      <label className="choice">
                        <input
                          type="radio"
                          name="remaining-kind"
                          checked={remainingKind === 'quantity'}
                          onChange={() => setRemainingKind('quantity')}
                        />{' '}
                        {t('count.remainingQuantity')}
                      </label>
                      {remainingKind === 'fraction' ? (
                        <label>
                          {t('count.fractionLeft', { percent: fraction })}{' '}
                          <input
                            type="range"
                            min={0}
                            max={100}
                            step={5}
                            value={fraction}
                            onChange={(event) => setFraction(Number(event.target.value))}
                          />
                        </label>
                      ) : (
                        <label>
                          {t('count.quantityLeft')}{' '}
                          <input
                            inputMode="decimal"
                            value={remainingQuantity}
                            onChange={(event) => setRemainingQuantity(event.target.value)}
                          />
                        </label>
                      )}
                    </fieldset>
                  )}
                </div>
              )}
              {tracksLot && (
                <label>
                  {t('count.lot')} <input value={lot} onChange={(event) => setLot(event.target.value)} />
                </label>
              )}
              {tracksExpiry && (
                <label>
                  {t('count.expiry')}{' '}
                  <input type="date" value={expiry} onChange={(event) => setExpiry(event.target.value)} />
                </label>
              )}
            </details>
          )}

          <ErrorNotice error={checklist.error ?? detail.error} />
          {groups.map((group) => (
            <section key={group.name} aria-label={group.name} className="count-area">
              <h2>{group.name}</h2>
              <ul className="cards count-list">
                {group.items.map(({ item, index }) => {
                  const inputId = `count-${item.product}`;
                  const value = shown(item);
                  const write = latest.get(item.product);
                  const hintId = `${inputId}-hint`;
                  return (
                    <li
                      key={item.product}
                      className="card count-row"
                      data-testid="count-row"
                      data-product={item.product}
                      data-counted={value !== null}
                      data-status={write?.status ?? ''}
                    >
                      <label htmlFor={inputId} className="card-title">
                        {item.product_name}
                      </label>
                      <span className="muted" id={hintId}>
                        {t('count.expected', {
                          quantity: item.expected === null ? t('count.none') : format.number(item.expected),
                        })}{' '}
                        · {t(`units.${item.unit}`, { defaultValue: item.unit })}
                      </span>
                      <span data-testid="counted">
                        {value === null
                          ? t('count.notCounted')
                          : t('count.counted', { quantity: format.number(value) })}
                      </span>
                      {write && (
                        <span className={`badge badge-${write.status}`}>
                          {t(`queue.status.${write.status}`)}
                        </span>
                      )}
                      {write?.status === 'failed' && (
                        <span className="field-error">{errorMessage(queueError(write), t)}</span>
                      )}
                      {!closed && (
                        <input
                          id={inputId}
                          ref={(element) => {
                            inputs.current[index] = element;
                          }}
                          className="count-input"
                          inputMode={item.unit === 'pcs' ? 'numeric' : 'decimal'}
                          autoComplete="off"
                          enterKeyHint="next"
                          aria-describedby={invalid[item.product] ? `${inputId}-error` : hintId}
                          aria-invalid={Boolean(invalid[item.product])}
                          value={drafts[item.product] ?? ''}
                          onChange={(event) =>
                            setDrafts((map) => ({ ...map, [item.product]: event.target.value }))
                          }
                          onKeyDown={(event) => onKeyDown(event, item, index)}
                        />
                      )}
                      {invalid[item.product] && (
                        <span className="field-error" id={`${inputId}-error`} role="alert">
                          {opened &&
                          remainingKind === 'quantity' &&
                          parseQuantity(remainingQuantity, 'l') === null
                            ? t('count.remainingRequired')
                            : item.unit === 'pcs'
                              ? t('count.wholeNumber')
                              : t('count.invalidQuantity')}
                        </span>
                      )}
                    </li>
                  );
                })}
              </ul>
            </section>
          ))}
          {checklist.data && items.length === 0 && <p className="muted">{t('count.empty')}</p>}

          {failed.length > 0 && (
            <section aria-labelledby="count-failed">
              <h2 id="count-failed">{t('count.refused')}</h2>
              <ul className="cards queue">
                {failed.map((item) => (
                  <li key={item.key} className="card queue-failed" data-status="failed">
                    <span>{item.label}</span>
                    <RefusedWrite item={item} />
                  </li>
                ))}
              </ul>
            </section>
          )}

          {!closed && (
            <section aria-labelledby="count-close">
              <h2 id="count-close">{t('count.closeTitle')}</h2>
              {uncounted === null ? (
                <button type="button" disabled={close.isPending} onClick={() => close.mutate(undefined)}>
                  {t('count.close')}
                </button>
              ) : (
                <fieldset className="choices" data-testid="uncounted">
                  <legend>{t('count.uncounted', { count: uncounted })}</legend>
                  <label className="choice">
                    <input
                      type="radio"
                      name="uncounted"
                      checked={closeChoice === 'zero'}
                      onChange={() => setCloseChoice('zero')}
                    />{' '}
                    {t('count.uncountedZero')}
                  </label>
                  <label className="choice">
                    <input
                      type="radio"
                      name="uncounted"
                      checked={closeChoice === 'expected'}
                      onChange={() => setCloseChoice('expected')}
                    />{' '}
                    {t('count.uncountedExpected')}
                  </label>
                  <span className="row-actions">
                    <button
                      type="button"
                      className="primary"
                      disabled={close.isPending}
                      onClick={() => close.mutate(closeChoice)}
                    >
                      {t('count.confirmClose')}
                    </button>
                    <button type="button" onClick={() => setUncounted(null)}>
                      {t('count.cancel')}
                    </button>
                  </span>
                </fieldset>
              )}
              {!(close.error instanceof ApiError && close.error.code === 'UNCOUNTED_PRODUCTS') && (
                <ErrorNotice error={close.error} />
              )}
            </section>
          )}
        </>
      )}
    </>
  );
}
