import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useForm, useWatch } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api, type Schemas } from '../api/client';
import { ErrorNotice } from '../components/ErrorNotice';
import { Field } from '../components/Field';
import { useCurrentService } from '../hooks';
import { ApiError, unwrap } from '../lib/errors';
import { applyFieldErrors } from '../lib/forms';

type Unit = Schemas['UnitEnum'];
const UNITS: Unit[] = ['pcs', 'kg', 'g', 'l', 'ml'];
type Values = {
  name: string;
  category: string;
  barcode: string;
  sku: string;
  unit: Unit;
  purchase_price: string;
  selling_price: string;
  vat_rate: string;
  min_quantity: string;
  serving_size: string;
  serving_price: string;
  supplier: string;
  brand: string;
  notes: string;
  archived: boolean;
};
const TEXT_FIELDS = ['barcode', 'sku', 'supplier', 'brand'] as const;
const DECIMAL_FIELDS = [
  'purchase_price',
  'selling_price',
  'vat_rate',
  'min_quantity',
  'serving_size',
  'serving_price',
] as const;
const KNOWN = ['name', 'category', 'unit', 'notes', 'archived', ...TEXT_FIELDS, ...DECIMAL_FIELDS];

const empty: Values = {
  name: '',
  category: '',
  barcode: '',
  sku: '',
  unit: 'pcs',
  purchase_price: '',
  selling_price: '',
  vat_rate: '',
  min_quantity: '',
  serving_size: '',
  serving_price: '',
  supplier: '',
  brand: '',
  notes: '',
  archived: false,
};

/** A decimal typed the French way ("12,50") as the API reads it ("12.50"); empty is null. */
export function decimalOrNull(value: string): string | null {
  const cleaned = value.trim().replace(/\s/g, '').replace(',', '.');
  return cleaned === '' ? null : cleaned;
}

function toBody(values: Values): Schemas['ProductWriteRequest'] {
  return {
    name: values.name,
    category: values.category ? Number(values.category) : null,
    barcode: values.barcode.trim(),
    sku: values.sku.trim(),
    unit: values.unit,
    purchase_price: decimalOrNull(values.purchase_price),
    selling_price: decimalOrNull(values.selling_price),
    vat_rate: decimalOrNull(values.vat_rate),
    min_quantity: decimalOrNull(values.min_quantity),
    serving_size: decimalOrNull(values.serving_size),
    serving_price: decimalOrNull(values.serving_price),
    supplier: values.supplier,
    brand: values.brand,
    notes: values.notes,
    archived: values.archived,
  };
}

export function ProductFormPage() {
  const { t } = useTranslation();
  const { id } = useParams();
  const editing = id !== undefined && id !== 'new';
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { current } = useCurrentService();
  const service = current?.id;
  const [warnings, setWarnings] = useState<Schemas['Warning'][]>([]);
  const form = useForm<Values>({ defaultValues: empty });
  const errors = form.formState.errors;
  const unit = useWatch({ control: form.control, name: 'unit' });

  const categories = useQuery({
    queryKey: ['categories', service],
    enabled: Boolean(service),
    queryFn: async () =>
      unwrap(await api.GET('/api/categories/', { params: { query: { service, page_size: 200 } } })),
  });
  const product = useQuery({
    queryKey: ['product', id, service],
    enabled: editing && Boolean(service),
    queryFn: async () =>
      unwrap(await api.GET('/api/products/{id}/', { params: { path: { id: String(id) } } })),
  });
  useEffect(() => {
    const data = product.data;
    if (!data) return;
    form.reset({
      name: data.name,
      category: data.category ? String(data.category) : '',
      barcode: data.barcode ?? '',
      sku: data.sku ?? '',
      unit: data.unit,
      purchase_price: data.purchase_price ?? '',
      selling_price: data.selling_price ?? '',
      vat_rate: data.vat_rate ?? '',
      min_quantity: data.min_quantity ?? '',
      serving_size: data.serving_size ?? '',
      serving_price: data.serving_price ?? '',
      supplier: data.supplier,
      brand: data.brand,
      notes: data.notes,
      archived: data.archived,
    });
  }, [product.data, form]);

  const save = useMutation({
    mutationFn: async (values: Values) => {
      const body = toBody(values);
      if (editing) {
        return unwrap(await api.PATCH('/api/products/{id}/', { params: { path: { id: String(id) } }, body }));
      }
      if (!service) throw new Error('no service');
      return unwrap(await api.POST('/api/products/', { params: { query: { service } }, body }));
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['products'] });
      const found = 'warnings' in saved ? ((saved as Schemas['ProductWithWarnings']).warnings ?? []) : [];
      if (found.length) {
        setWarnings(found);
        if (!editing) navigate(`/catalogue/${saved.id}`, { replace: true });
      } else {
        navigate('/catalogue');
      }
    },
    onError: (error) => applyFieldErrors(error, form.setError, KNOWN),
  });

  const input = (
    name: keyof Values,
    label: string,
    extra: { inputMode?: 'decimal'; autoComplete?: string; hint?: string } = {},
  ) => (
    <Field
      key={name}
      label={label}
      error={errors[name]?.message}
      {...(extra.hint ? { hint: extra.hint } : {})}
    >
      {({ id: inputId, describedBy, invalid }) => (
        <input
          id={inputId}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          inputMode={extra.inputMode}
          autoComplete={extra.autoComplete ?? 'off'}
          {...form.register(name, name === 'name' ? { required: t('form.required') } : {})}
        />
      )}
    </Field>
  );

  return (
    <>
      <h1>{editing ? t('product.editTitle') : t('product.newTitle')}</h1>
      <ErrorNotice error={product.error} />
      {warnings.length > 0 && (
        <div className="notice notice-warning" role="status">
          <p>{t('product.savedWithWarnings')}</p>
          <ul>
            {warnings.map((warning) => (
              <li key={`${warning.field}-${warning.code}`}>{warning.message}</li>
            ))}
          </ul>
          <Link to="/catalogue">{t('product.backToList')}</Link>
        </div>
      )}
      <form onSubmit={form.handleSubmit((values) => save.mutate(values))} noValidate className="grid-form">
        {input('name', t('product.name'))}
        <Field label={t('product.category')} error={errors.category?.message}>
          {({ id: inputId, describedBy }) => (
            <select id={inputId} aria-describedby={describedBy} {...form.register('category')}>
              <option value="">{t('product.noCategory')}</option>
              {categories.data?.results.map((category) => (
                <option key={category.id} value={category.id}>
                  {category.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('product.unit')} error={errors.unit?.message}>
          {({ id: inputId, describedBy }) => (
            <select id={inputId} aria-describedby={describedBy} {...form.register('unit')}>
              {UNITS.map((unit) => (
                <option key={unit} value={unit}>
                  {t(`units.${unit}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {input('barcode', t('product.barcode'))}
        {input('sku', t('product.sku'))}
        {input('purchase_price', t('product.purchasePrice'), { inputMode: 'decimal' })}
        {input('selling_price', t('product.sellingPrice'), { inputMode: 'decimal' })}
        {input('vat_rate', t('product.vatRate'), { inputMode: 'decimal' })}
        {input('min_quantity', t('product.minQuantity'), { inputMode: 'decimal' })}
        {input('serving_size', t('product.servingSize'), {
          inputMode: 'decimal',
          hint: t('product.servingSizeHint', { unit: t(`units.${unit}`) }),
        })}
        {input('serving_price', t('product.servingPrice'), {
          inputMode: 'decimal',
          hint: t('product.servingPriceHint'),
        })}
        {input('supplier', t('product.supplier'))}
        {input('brand', t('product.brand'))}
        <Field label={t('product.notes')} error={errors.notes?.message}>
          {({ id: inputId, describedBy, invalid }) => (
            <textarea
              id={inputId}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              {...form.register('notes')}
            />
          )}
        </Field>
        {editing && (
          <label className="checkbox">
            <input type="checkbox" {...form.register('archived')} /> {t('product.archived')}
          </label>
        )}
        {save.error instanceof ApiError && save.error.code !== 'VALIDATION_ERROR' && (
          <ErrorNotice error={save.error} />
        )}
        {save.error && !(save.error instanceof ApiError) && <ErrorNotice error={save.error} />}
        <div className="actions">
          <Link to="/catalogue" className="button">
            {t('common.cancel')}
          </Link>
          <button type="submit" className="primary" disabled={save.isPending}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </>
  );
}
