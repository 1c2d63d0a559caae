import { useMutation, useQuery } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api/client';
import { startSession, useSessionState } from '../auth';
import { ErrorNotice } from '../components/ErrorNotice';
import { InputField } from '../components/Field';
import { ApiError, unwrap } from '../lib/errors';
import { applyFieldErrors } from '../lib/forms';

type Values = { username: string; password: string; password_confirm: string };

export function InvitationPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const { signedIn } = useSessionState();
  const preview = useQuery({
    queryKey: ['invitation', token],
    queryFn: async () =>
      unwrap(await api.GET('/api/auth/invitations/accept/', { params: { query: { token } } })),
    retry: false,
  });
  const form = useForm<Values>({ defaultValues: { username: '', password: '', password_confirm: '' } });
  const accept = useMutation({
    mutationFn: async (values: Partial<Values>) =>
      unwrap(await api.POST('/api/auth/invitations/accept/', { body: { token, ...values } })),
    onSuccess: (answer) => {
      startSession(answer);
      navigate('/', { replace: true });
    },
    onError: (error) => applyFieldErrors(error, form.setError, ['username', 'password', 'password_confirm']),
  });
  const decline = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/auth/invitations/decline/', { body: { token } })),
  });
  const errors = form.formState.errors;
  const here = `/invitations/accept?token=${encodeURIComponent(token)}`;

  return (
    <main className="page narrow" id="main">
      <h1>{t('invitation.title')}</h1>
      {preview.isLoading && <p>{t('common.loading')}</p>}
      <ErrorNotice error={preview.error} />
      {decline.isSuccess && <p role="status">{t('invitation.declined')}</p>}
      {preview.data && !decline.isSuccess && (
        <>
          <p>
            {t('invitation.summary', {
              tenant: preview.data.tenant_name,
              role: t(`roles.${preview.data.role}`),
              inviter: preview.data.invited_by ?? '—',
            })}
          </p>
          {preview.data.service_name && (
            <p>{t('invitation.service', { service: preview.data.service_name })}</p>
          )}
          <p className="muted">{t('invitation.email', { email: preview.data.email })}</p>
          {preview.data.account_exists ? (
            signedIn ? (
              <button
                type="button"
                className="primary"
                disabled={accept.isPending}
                onClick={() => accept.mutate({})}
              >
                {t('invitation.accept')}
              </button>
            ) : (
              <p>
                <Link className="button primary" to={`/login?next=${encodeURIComponent(here)}`}>
                  {t('invitation.loginToAccept')}
                </Link>
              </p>
            )
          ) : (
            <form onSubmit={form.handleSubmit((values) => accept.mutate(values))} noValidate>
              {(
                [
                  ['username', 'username', 'text'],
                  ['password', 'new-password', 'password'],
                  ['password_confirm', 'new-password', 'password'],
                ] as const
              ).map(([name, autoComplete, type]) => (
                <InputField
                  key={name}
                  label={t(`register.${name}`)}
                  error={errors[name]?.message}
                  type={type}
                  autoComplete={autoComplete}
                  registration={form.register(name, { required: t('form.required') })}
                />
              ))}
              <button type="submit" className="primary" disabled={accept.isPending}>
                {t('invitation.accept')}
              </button>
            </form>
          )}
          {accept.error instanceof ApiError && accept.error.code !== 'VALIDATION_ERROR' && (
            <ErrorNotice error={accept.error} />
          )}
          <ErrorNotice error={decline.error} />
          <button
            type="button"
            className="link"
            disabled={decline.isPending}
            onClick={() => decline.mutate()}
          >
            {t('invitation.decline')}
          </button>
        </>
      )}
    </main>
  );
}
