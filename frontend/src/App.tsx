import { lazy, Suspense, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { Shell } from './components/Shell';

// Each page is its own chunk: the login page does not load the catalogue's code.
const LoginPage = lazy(() => import('./pages/LoginPage').then((m) => ({ default: m.LoginPage })));
const RegisterPage = lazy(() => import('./pages/RegisterPage').then((m) => ({ default: m.RegisterPage })));
const InvitationPage = lazy(() =>
  import('./pages/InvitationPage').then((m) => ({ default: m.InvitationPage })),
);
const ForgotPasswordPage = lazy(() =>
  import('./pages/PasswordPages').then((m) => ({ default: m.ForgotPasswordPage })),
);
const ResetPasswordPage = lazy(() =>
  import('./pages/PasswordPages').then((m) => ({ default: m.ResetPasswordPage })),
);
const ConfirmEmailPage = lazy(() =>
  import('./pages/PasswordPages').then((m) => ({ default: m.ConfirmEmailPage })),
);
const CataloguePage = lazy(() => import('./pages/CataloguePage').then((m) => ({ default: m.CataloguePage })));
const ProductFormPage = lazy(() =>
  import('./pages/ProductFormPage').then((m) => ({ default: m.ProductFormPage })),
);
const CategoriesPage = lazy(() =>
  import('./pages/CategoriesPage').then((m) => ({ default: m.CategoriesPage })),
);
const CountPage = lazy(() => import('./pages/CountPage').then((m) => ({ default: m.CountPage })));
const LossesPage = lazy(() => import('./pages/LossesPage').then((m) => ({ default: m.LossesPage })));
const AlertsPage = lazy(() => import('./pages/AlertsPage').then((m) => ({ default: m.AlertsPage })));
const BillingPage = lazy(() => import('./pages/BillingPage').then((m) => ({ default: m.BillingPage })));

function Loading(): ReactNode {
  const { t } = useTranslation();
  return <p className="page">{t('common.loading')}</p>;
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <main className="page narrow" id="main">
      <h1>{t('notFound.title')}</h1>
      <p>
        <a href="/">{t('common.home')}</a>
      </p>
    </main>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/register" element={<RegisterPage />} />
          <Route path="/forgot-password" element={<ForgotPasswordPage />} />
          <Route path="/reset-password" element={<ResetPasswordPage />} />
          <Route path="/confirm-email" element={<ConfirmEmailPage />} />
          <Route path="/invitations/accept" element={<InvitationPage />} />
          <Route element={<Shell />}>
            <Route index element={<Navigate to="/catalogue" replace />} />
            <Route path="/catalogue" element={<CataloguePage />} />
            <Route path="/catalogue/:id" element={<ProductFormPage />} />
            <Route path="/categories" element={<CategoriesPage />} />
            <Route path="/count" element={<CountPage />} />
            <Route path="/losses" element={<LossesPage />} />
            <Route path="/alerts" element={<AlertsPage />} />
            <Route path="/billing" element={<BillingPage />} />
            <Route path="/billing/success" element={<BillingPage />} />
            <Route path="/billing/cancel" element={<BillingPage />} />
          </Route>
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
    </BrowserRouter>
  );
}
