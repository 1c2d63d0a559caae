import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError, errorMessage, isPlanError } from '../lib/errors';

/** Any error as a sentence; a plan's limit or missing feature adds the way to upgrade. */
export function ErrorNotice({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const plan = error instanceof ApiError && isPlanError(error.code);
  return (
    <div className={plan ? 'notice notice-plan' : 'notice notice-error'} role="alert">
      <p>{errorMessage(error, t)}</p>
      {plan && (
        <p>
          <Link to="/billing">{t('plan.upgradeLink')}</Link>
        </p>
      )}
    </div>
  );
}
