import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { ErrorNotice } from '../components/ErrorNotice';
import { InputField } from '../components/Field';
import { useCurrentService } from '../hooks';
import { ApiError, unwrap } from '../lib/errors';
import { applyFieldErrors } from '../lib/forms';

export function CategoriesPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { current } = useCurrentService();
  const service = current?.id;
  const [editing, setEditing] = useState<{ id: number; name: string } | null>(null);
  const form = useForm<{ name: string }>({ defaultValues: { name: '' } });
  const categories = useQuery({
    queryKey: ['categories', service],
    enabled: Boolean(service),
    queryFn: async () =>
      unwrap(await api.GET('/api/categories/', { params: { query: { service, page_size: 200 } } })),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['categories', service] });
  const create = useMutation({
    mutationFn: async (values: { name: string }) => {
      if (!service) throw new Error('no service');
      return unwrap(await api.POST('/api/categories/', { params: { query: { service } }, body: values }));
    },
    onSuccess: () => {
      form.reset();
      void refresh();
    },
    onError: (error) => applyFieldErrors(error, form.setError, ['name']),
  });
  const rename = useMutation({
    mutationFn: async (values: { id: number; name: string }) =>
      unwrap(
        await api.PATCH('/api/categories/{id}/', {
          params: { path: { id: String(values.id) } },
          body: { name: values.name },
        }),
      ),
    onSuccess: () => {
      setEditing(null);
      void refresh();
    },
  });
  const remove = useMutation({
    mutationFn: async (id: number) => {
      const result = await api.DELETE('/api/categories/{id}/', { params: { path: { id: String(id) } } });
      if (!result.response.ok) unwrap(result);
    },
    onSuccess: () => void refresh(),
  });

  return (
    <>
      <h1>{t('categories.title')}</h1>
      <form
        onSubmit={form.handleSubmit((values) => create.mutate(values))}
        noValidate
        className="inline-form"
      >
        <InputField
          label={t('categories.newName')}
          error={form.formState.errors.name?.message}
          registration={form.register('name', { required: t('form.required') })}
        />
        <button type="submit" className="primary" disabled={create.isPending}>
          {t('categories.add')}
        </button>
      </form>
      {create.error instanceof ApiError && create.error.code !== 'VALIDATION_ERROR' && (
        <ErrorNotice error={create.error} />
      )}
      <ErrorNotice error={categories.error ?? rename.error ?? remove.error} />
      <ul className="cards">
        {categories.data?.results.map((category) => (
          <li key={category.id} className="card card-row">
            {editing?.id === category.id ? (
              <form
                className="inline-form"
                onSubmit={(event) => {
                  event.preventDefault();
                  rename.mutate(editing);
                }}
              >
                <label className="visually-hidden" htmlFor={`category-${category.id}`}>
                  {t('categories.rename')}
                </label>
                <input
                  id={`category-${category.id}`}
                  value={editing.name}
                  onChange={(event) => setEditing({ id: category.id, name: event.target.value })}
                />
                <button type="submit">{t('common.save')}</button>
                <button type="button" onClick={() => setEditing(null)}>
                  {t('common.cancel')}
                </button>
              </form>
            ) : (
              <>
                <span className="card-title">{category.name}</span>
                <span className="row-actions">
                  <button type="button" onClick={() => setEditing({ id: category.id, name: category.name })}>
                    {t('categories.rename')}
                  </button>
                  <button type="button" onClick={() => remove.mutate(category.id)}>
                    {t('common.delete')}
                  </button>
                </span>
              </>
            )}
          </li>
        ))}
      </ul>
      {categories.data?.results.length === 0 && <p className="muted">{t('categories.empty')}</p>}
    </>
  );
}
