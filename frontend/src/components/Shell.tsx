import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useLogout, useMe, useSessionState } from '../auth';
import { useCurrentService } from '../hooks';
import { changeLanguage, type Language } from '../i18n';
import { setServiceId, setTenantId } from '../lib/session';
import { writeQueue } from '../lib/writeQueue';
import { ErrorNotice } from './ErrorNotice';

function subscribeOnline(listener: () => void) {
  window.addEventListener('online', listener);
  window.addEventListener('offline', listener);
  return () => {
    window.removeEventListener('online', listener);
    window.removeEventListener('offline', listener);
  };
}

function usePendingWrites(): number {
  const [pending, setPending] = useState(0);
  useEffect(() => {
    const read = () =>
      void writeQueue
        .list()
        .then((items) =>
          setPending(items.filter((item) => item.status === 'waiting' || item.status === 'sending').length),
        );
    read();
    return writeQueue.subscribe(read);
  }, []);
  return pending;
}

/** The signed-in frame: business and service switchers, navigation, the person's menu. */
export function Shell() {
  const { t, i18n } = useTranslation();
  const { signedIn } = useSessionState();
  const location = useLocation();
  const navigate = useNavigate();
  const me = useMe();
  const { services, current } = useCurrentService();
  const logout = useLogout();
  const queryClient = useQueryClient();
  const online = useSyncExternalStore(subscribeOnline, () => navigator.onLine);
  const pending = usePendingWrites();

  if (!signedIn)
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  const data = me.data;
  if (!data) {
    return (
      <main className="page">
        {me.error ? <ErrorNotice error={me.error} /> : <p>{t('common.loading')}</p>}
      </main>
    );
  }

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('shell.skip')}
      </a>
      <header className="topbar">
        <span className="brand">StockScan</span>
        {data.memberships.length > 1 ? (
          <select
            className="switcher"
            aria-label={t('shell.business')}
            value={data.tenant?.id ?? ''}
            onChange={(event) => {
              setTenantId(Number(event.target.value));
              void queryClient.invalidateQueries();
            }}
          >
            {data.memberships.map((membership) => (
              <option key={membership.tenant.id} value={membership.tenant.id}>
                {membership.tenant.name}
              </option>
            ))}
          </select>
        ) : (
          <span className="tenant-name">{data.tenant?.name}</span>
        )}
        {services.length > 1 ? (
          <select
            className="switcher"
            aria-label={t('shell.service')}
            value={current?.id ?? ''}
            onChange={(event) => setServiceId(Number(event.target.value))}
          >
            {services.map((service) => (
              <option key={service.id} value={service.id}>
                {service.name}
              </option>
            ))}
          </select>
        ) : (
          current && <span className="service-name">{current.name}</span>
        )}
        <details className="user-menu">
          <summary>{data.user.first_name || data.user.username}</summary>
          <div className="user-menu-panel">
            <p className="muted">{data.user.email}</p>
            <p className="muted">
              {t(`roles.${data.role ?? 'operator'}`, { defaultValue: data.role ?? '' })}
            </p>
            <label>
              {t('shell.language')}{' '}
              <select
                value={i18n.language}
                onChange={(event) => changeLanguage(event.target.value as Language)}
              >
                <option value="fr">Français</option>
                <option value="en">English</option>
              </select>
            </label>
            <button
              type="button"
              onClick={async () => {
                if (pending > 0 && !window.confirm(t('shell.logoutPending', { count: pending }))) return;
                await logout();
                navigate('/login');
              }}
            >
              {t('shell.logout')}
            </button>
          </div>
        </details>
      </header>
      {(!online || pending > 0) && (
        <p className={online ? 'banner' : 'banner banner-offline'} role="status">
          {!online ? t('shell.offline') : ''} {pending > 0 ? t('shell.pending', { count: pending }) : ''}
        </p>
      )}
      <nav className="mainnav" aria-label={t('shell.navigation')}>
        <NavLink to="/count">{t('nav.count')}</NavLink>
        <NavLink to="/catalogue">{t('nav.catalogue')}</NavLink>
        <NavLink to="/categories">{t('nav.categories')}</NavLink>
        <NavLink to="/losses">{t('nav.losses')}</NavLink>
        <NavLink to="/alerts">{t('nav.alerts')}</NavLink>
        <NavLink to="/billing">{t('nav.billing')}</NavLink>
      </nav>
      <main id="main" className="page">
        <Outlet />
      </main>
    </div>
  );
}
