/** What the pages that write through the offline queue (losses, counting) show of a refused
 * write: the error its answer was, and retry / drop. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, type ErrorBody } from '../lib/errors';
import type { QueueItem } from '../lib/queue';
import { writeQueue } from '../lib/writeQueue';
import { ErrorNotice } from './ErrorNotice';

/** The queue's writes of one kind, kept up to date as the queue changes. */
export function useQueueItems(kind: string): QueueItem[] {
  const [items, setItems] = useState<QueueItem[]>([]);
  useEffect(() => {
    const read = () => void writeQueue.list(kind).then(setItems);
    read();
    return writeQueue.subscribe(read);
  }, [kind]);
  return items;
}

/** A refused write of the queue as the error its answer was. */
export function queueError(item: QueueItem): ApiError {
  return new ApiError(item.error?.status ?? 400, {
    code: item.error?.code,
    detail: item.error?.detail,
    ...item.error?.body,
  } as ErrorBody);
}

/** The refusal's message, then the buttons that send it again or drop it. */
export function RefusedWrite({ item }: { item: QueueItem }) {
  const { t } = useTranslation();
  return (
    <>
      <ErrorNotice error={queueError(item)} />
      <span className="row-actions">
        <button type="button" onClick={() => item.seq !== undefined && void writeQueue.retry(item.seq)}>
          {t('queue.retry')}
        </button>
        <button type="button" onClick={() => item.seq !== undefined && void writeQueue.remove(item.seq)}>
          {t('queue.remove')}
        </button>
      </span>
    </>
  );
}
