import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useFieldArray, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { api, type Schemas } from '../api/client';
import { startSession } from '../auth';
import { ErrorNotice } from '../components/ErrorNotice';
import { Field, InputField } from '../components/Field';
import { ApiError, fieldErrors, unwrap } from '../lib/errors';
import { applyFieldErrors } from '../lib/forms';

type BusinessType = Schemas['BusinessTypeEnum'];
type ServiceType = Schemas['ServiceTypeEnum'];

// The choices are the schema's enums (the server's presets: each service type starts with its
// counting mode and product fields, applied by the server at registration).
export const BUSINESS_TYPES: BusinessType[] = [
  'restaurant',
  'bar',
  'grocery',
  'bakery',
  'pharmacy',
  'retail',
  'other',
];
export const SERVICE_TYPES: ServiceType[] = [
  'kitchen',
  'restaurant_dining',
  'bar',
  'grocery_food',
  'bulk_food',
  'bakery',
  'retail_general',
  'pharmacy_parapharmacy',
  'other',
];

/** The services a trade usually has, proposed at step 2 (the person can change them). */
const TRADE_SERVICES: Record<BusinessType, ServiceType[]> = {
  restaurant: ['kitchen', 'bar'],
  bar: ['bar'],
  grocery: ['grocery_food'],
  bakery: ['bakery'],
  pharmacy: ['pharmacy_parapharmacy'],
  retail: ['retail_general'],
  other: ['other'],
};
// The server takes at most four services besides the first (RegisterSerializer).
const MAX_EXTRA_SERVICES = 4;
const FOOD_TRADES: BusinessType[] = ['restaurant', 'bar', 'grocery', 'bakery'];

type Values = {
  business_type: BusinessType;
  tenant_name: string;
  service_type: ServiceType;
  service_name: string;
  extra_services: { name: string; service_type: ServiceType }[];
  username: string;
  email: string;
  password: string;
  password_confirm: string;
};

const STEP_FIELDS: (keyof Values)[][] = [
  ['business_type', 'tenant_name'],
  ['service_type', 'service_name', 'extra_services'],
  ['username', 'email', 'password', 'password_confirm'],
];
const KNOWN = STEP_FIELDS.flat() as string[];

export function RegisterPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [step, setStep] = useState(0);
  const form = useForm<Values>({
    defaultValues: {
      business_type: 'restaurant',
      tenant_name: '',
      service_type: 'kitchen',
      service_name: '',
      extra_services: [],
      username: '',
      email: '',
      password: '',
      password_confirm: '',
    },
  });
  const extras = useFieldArray({ control: form.control, name: 'extra_services' });
  const errors = form.formState.errors;

  const register = useMutation({
    mutationFn: async (values: Values) => {
      const trade = values.business_type;
      const body: Schemas['RegisterRequest'] = {
        ...values,
        domain: FOOD_TRADES.includes(trade) ? 'food' : 'general',
        service_name: values.service_name || t(`serviceTypes.${values.service_type}`),
      };
      return unwrap(await api.POST('/api/auth/register/', { body }));
    },
    onSuccess: (answer) => {
      startSession(answer);
      navigate('/catalogue', { replace: true });
    },
    onError: (error) => {
      const fields = Object.keys(fieldErrors(error)).map((field) => field.split('.')[0] ?? field);
      for (const message of applyFieldErrors(error, form.setError, KNOWN)) {
        form.setError('root', { message });
      }
      const failing = STEP_FIELDS.findIndex((names) => names.some((name) => fields.includes(name)));
      if (failing >= 0) setStep(failing);
    },
  });

  const chooseTrade = (trade: BusinessType) => {
    const [first, ...rest] = TRADE_SERVICES[trade];
    form.setValue('service_type', first ?? 'other');
    form.setValue(
      'extra_services',
      rest.map((type) => ({ name: t(`serviceTypes.${type}`), service_type: type })),
    );
  };

  const next = async () => {
    const valid = await form.trigger(STEP_FIELDS[step]);
    if (valid) setStep(step + 1);
  };

  return (
    <main className="page narrow" id="main">
      <h1>{t('register.title')}</h1>
      <p className="muted">{t('register.step', { step: step + 1, total: 3 })}</p>
      <form onSubmit={form.handleSubmit((values) => register.mutate(values))} noValidate>
        {step === 0 && (
          <fieldset>
            <legend>{t('register.tradeTitle')}</legend>
            <div className="choices">
              {BUSINESS_TYPES.map((trade) => (
                <label key={trade} className="choice">
                  <input
                    type="radio"
                    value={trade}
                    {...form.register('business_type', {
                      onChange: (event) => chooseTrade(event.target.value as BusinessType),
                    })}
                  />
                  {t(`businessTypes.${trade}`)}
                </label>
              ))}
            </div>
            <InputField
              label={t('register.tenantName')}
              error={errors.tenant_name?.message}
              autoComplete="organization"
              registration={form.register('tenant_name', { required: t('form.required') })}
            />
          </fieldset>
        )}
        {step === 1 && (
          <fieldset>
            <legend>{t('register.servicesTitle')}</legend>
            <p className="hint">{t('register.servicesHint')}</p>
            <Field label={t('register.serviceType')} error={errors.service_type?.message}>
              {({ id, describedBy }) => (
                <select id={id} aria-describedby={describedBy} {...form.register('service_type')}>
                  {SERVICE_TYPES.map((type) => (
                    <option key={type} value={type}>
                      {t(`serviceTypes.${type}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label={t('register.serviceName')}
              error={errors.service_name?.message}
              hint={t('register.serviceNameHint')}
            >
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  {...form.register('service_name')}
                />
              )}
            </Field>
            {extras.fields.map((extra, index) => (
              <div key={extra.id} className="extra-service">
                <Field
                  label={t('register.extraName', { index: index + 2 })}
                  error={
                    (form.formState.errors.extra_services?.[index]?.name?.message as string | undefined) ??
                    undefined
                  }
                >
                  {({ id, describedBy, invalid }) => (
                    <input
                      id={id}
                      aria-describedby={describedBy}
                      aria-invalid={invalid}
                      {...form.register(`extra_services.${index}.name`, { required: t('form.required') })}
                    />
                  )}
                </Field>
                <Field label={t('register.extraType', { index: index + 2 })}>
                  {({ id }) => (
                    <select id={id} {...form.register(`extra_services.${index}.service_type`)}>
                      {SERVICE_TYPES.map((type) => (
                        <option key={type} value={type}>
                          {t(`serviceTypes.${type}`)}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <button type="button" onClick={() => extras.remove(index)}>
                  {t('register.removeService')}
                </button>
              </div>
            ))}
            <button
              type="button"
              disabled={extras.fields.length >= MAX_EXTRA_SERVICES}
              onClick={() => extras.append({ name: '', service_type: 'other' })}
            >
              {t('register.addService')}
            </button>
          </fieldset>
        )}
        {step === 2 && (
          <fieldset>
            <legend>{t('register.accountTitle')}</legend>
            {(
              [
                ['username', 'username', 'text'],
                ['email', 'email', 'email'],
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
          </fieldset>
        )}
        {errors.root?.message && (
          <p className="field-error" role="alert">
            {errors.root.message}
          </p>
        )}
        {register.error &&
          !(register.error instanceof ApiError && register.error.code === 'VALIDATION_ERROR') && (
            <ErrorNotice error={register.error} />
          )}
        <div className="actions">
          {step > 0 && (
            <button type="button" onClick={() => setStep(step - 1)}>
              {t('common.back')}
            </button>
          )}
          {step < 2 ? (
            <button type="button" className="primary" onClick={() => void next()}>
              {t('common.next')}
            </button>
          ) : (
            <button type="submit" className="primary" disabled={register.isPending}>
              {t('register.submit')}
            </button>
          )}
        </div>
      </form>
      <p>
        {t('register.haveAccount')} <Link to="/login">{t('login.submit')}</Link>
      </p>
    </main>
  );
}
