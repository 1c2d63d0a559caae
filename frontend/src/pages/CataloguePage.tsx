import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api/client';
import { ErrorNotice } from '../components/ErrorNotice';
import { useCurrentService, useFormatters } from '../hooks';
import { unwrap } from '../lib/errors';

const PAGE_SIZE = 50;

export function CataloguePage() {
  const { t } = useTranslation();
  const { current } = useCurrentService();
  const format = useFormatters();
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const products = useQuery({
    queryKey: ['products', current?.id, search, page],
    enabled: Boolean(current),
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/products/', {
          params: {
            query: { service: current?.id, search: search || undefined, page, page_size: PAGE_SIZE },
          },
        }),
      ),
  });
  const pages = products.data ? Math.max(1, Math.ceil(products.data.count / PAGE_SIZE)) : 1;

  return (
    <>
      <div className="page-head">
        <h1>{t('catalogue.title')}</h1>
        <Link className="button primary" to="/catalogue/new">
          {t('catalogue.new')}
        </Link>
      </div>
      <form role="search" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor="catalogue-search">{t('catalogue.search')}</label>
        <input
          id="catalogue-search"
          type="search"
          value={search}
          onChange={(event) => {
            setSearch(event.target.value);
            setPage(1);
          }}
        />
      </form>
      <ErrorNotice error={products.error} />
      {products.data && (
        <>
          <p className="muted" aria-live="polite">
            {t('catalogue.count', { count: products.data.count })}
          </p>
          <ul className="cards">
            {products.data.results.map((product) => (
              <li key={product.id} className="card">
                <Link to={`/catalogue/${product.id}`} className="card-title">
                  {product.name}
                </Link>
                <span className="muted">
                  {[product.category_name, product.barcode, t(`units.${product.unit}`)]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
                <span>
                  {product.selling_price !== null &&
                    t('catalogue.sellingPrice', { price: format.money(product.selling_price) })}
                  {product.purchase_price !== null && (
                    <> · {t('catalogue.purchasePrice', { price: format.money(product.purchase_price) })}</>
                  )}
                </span>
              </li>
            ))}
          </ul>
          <nav className="pager" aria-label={t('common.pagination')}>
            <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
              {t('common.previous')}
            </button>
            <span>{t('common.pageOf', { page, pages })}</span>
            <button type="button" disabled={!products.data.next} onClick={() => setPage(page + 1)}>
              {t('common.nextPage')}
            </button>
          </nav>
        </>
      )}
    </>
  );
}
