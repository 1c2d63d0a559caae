import { useMutation } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api/client';
import { startSession } from '../auth';
import { DEMO_MODE } from '../config';
import { ErrorNotice } from '../components/ErrorNotice';
import { InputField } from '../components/Field';
import { ApiError, unwrap } from '../lib/errors';
import { applyFieldErrors } from '../lib/forms';

type Values = { username: string; password: string };

export function safeNext(next: string | null): string {
  // Only a path of this app: never an absolute or protocol-relative URL.
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const form = useForm<Values>({ defaultValues: { username: '', password: '' } });
  const login = useMutation({
    mutationFn: async (values: Values) => unwrap(await api.POST('/api/auth/login/', { body: values })),
    onSuccess: (answer) => {
      startSession(answer);
      navigate(safeNext(params.get('next')), { replace: true });
    },
    onError: (error) => applyFieldErrors(error, form.setError, ['username', 'password']),
  });
  const errors = form.formState.errors;
  return (
    <main className="page narrow" id="main">
      <h1>{t('login.title')}</h1>
      {DEMO_MODE && <p className="notice notice-plan">{t('login.demo')}</p>}
      <form onSubmit={form.handleSubmit((values) => login.mutate(values))} noValidate>
        <InputField
          label={t('login.identifier')}
          error={errors.username?.message}
          autoComplete="username"
          registration={form.register('username', { required: t('form.required') })}
        />
        <InputField
          label={t('login.password')}
          error={errors.password?.message}
          type="password"
          autoComplete="current-password"
          registration={form.register('password', { required: t('form.required') })}
        />
        {login.error instanceof ApiError && login.error.code !== 'VALIDATION_ERROR' && (
          <ErrorNotice error={login.error} />
        )}
        {login.error && !(login.error instanceof ApiError) && <ErrorNotice error={login.error} />}
        <button type="submit" className="primary" disabled={login.isPending}>
          {t('login.submit')}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">{t('login.forgot')}</Link>
      </p>
      <p>
        {t('login.noAccount')} <Link to="/register">{t('login.register')}</Link>
      </p>
    </main>
  );
}
