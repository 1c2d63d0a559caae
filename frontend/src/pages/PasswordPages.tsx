import { useMutation } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client';
import { ErrorNotice } from '../components/ErrorNotice';
import { InputField } from '../components/Field';
import { ApiError, unwrap } from '../lib/errors';
import { applyFieldErrors } from '../lib/forms';

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const form = useForm<{ email: string }>({ defaultValues: { email: '' } });
  const request = useMutation({
    mutationFn: async (values: { email: string }) =>
      unwrap(await api.POST('/api/auth/password-reset/', { body: values })),
    onError: (error) => applyFieldErrors(error, form.setError, ['email']),
  });
  return (
    <main className="page narrow" id="main">
      <h1>{t('forgot.title')}</h1>
      {request.isSuccess ? (
        <p role="status">{request.data.detail}</p>
      ) : (
        <form onSubmit={form.handleSubmit((values) => request.mutate(values))} noValidate>
          <InputField
            label={t('forgot.email')}
            error={form.formState.errors.email?.message}
            type="email"
            autoComplete="email"
            registration={form.register('email', { required: t('form.required') })}
          />
          {request.error instanceof ApiError && request.error.code !== 'VALIDATION_ERROR' && (
            <ErrorNotice error={request.error} />
          )}
          <button type="submit" className="primary" disabled={request.isPending}>
            {t('forgot.submit')}
          </button>
        </form>
      )}
      <p>
        <Link to="/login">{t('common.backToLogin')}</Link>
      </p>
    </main>
  );
}

type ResetValues = { new_password: string; new_password_confirm: string };

export function ResetPasswordPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const form = useForm<ResetValues>({ defaultValues: { new_password: '', new_password_confirm: '' } });
  const reset = useMutation({
    mutationFn: async (values: ResetValues) =>
      unwrap(
        await api.POST('/api/auth/password-reset/confirm/', {
          body: { ...values, uid: params.get('uid') ?? '', token: params.get('token') ?? '' },
        }),
      ),
    onError: (error) => applyFieldErrors(error, form.setError, ['new_password', 'new_password_confirm']),
  });
  const errors = form.formState.errors;
  return (
    <main className="page narrow" id="main">
      <h1>{t('reset.title')}</h1>
      {reset.isSuccess ? (
        <p role="status">
          {reset.data.detail} <Link to="/login">{t('login.submit')}</Link>
        </p>
      ) : (
        <form onSubmit={form.handleSubmit((values) => reset.mutate(values))} noValidate>
          <InputField
            label={t('reset.password')}
            error={errors.new_password?.message}
            type="password"
            autoComplete="new-password"
            registration={form.register('new_password', { required: t('form.required') })}
          />
          <InputField
            label={t('reset.confirm')}
            error={errors.new_password_confirm?.message}
            type="password"
            autoComplete="new-password"
            registration={form.register('new_password_confirm', { required: t('form.required') })}
          />
          {reset.error instanceof ApiError && reset.error.code !== 'VALIDATION_ERROR' && (
            <ErrorNotice error={reset.error} />
          )}
          <button type="submit" className="primary" disabled={reset.isPending}>
            {t('reset.submit')}
          </button>
        </form>
      )}
    </main>
  );
}

export function ConfirmEmailPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const confirm = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/auth/email/confirm/', { body: { token: params.get('token') ?? '' } })),
  });
  return (
    <main className="page narrow" id="main">
      <h1>{t('confirmEmail.title')}</h1>
      {confirm.isSuccess ? (
        <p role="status">{t('confirmEmail.done', { email: confirm.data.email })}</p>
      ) : (
        <>
          <p>{t('confirmEmail.intro')}</p>
          <ErrorNotice error={confirm.error} />
          <button
            type="button"
            className="primary"
            disabled={confirm.isPending}
            onClick={() => confirm.mutate()}
          >
            {t('confirmEmail.submit')}
          </button>
        </>
      )}
      <p>
        <Link to="/">{t('common.home')}</Link>
      </p>
    </main>
  );
}
