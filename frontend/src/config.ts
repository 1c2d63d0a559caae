/** Where the API lives: same origin by default (Django serves the SPA), or VITE_API_BASE_URL. */
export const API_BASE_URL: string = (import.meta.env.VITE_API_BASE_URL ?? '').replace(/\/+$/, '');

/** Build-time switches (.env.example): payments offered in the app, the demo logins shown. */
export const STRIPE_ENABLED = import.meta.env.VITE_STRIPE_ENABLED === 'true';
export const DEMO_MODE = import.meta.env.VITE_DEMO_MODE === 'true';

/** An absolute URL for an API path (Request needs one outside a page, e.g. in tests). */
export function resolveUrl(path: string): string {
  if (/^https?:/.test(path)) return path;
  const origin = typeof window !== 'undefined' ? window.location.origin : 'http://localhost';
  return new URL(`${API_BASE_URL}${path}`, origin).toString();
}
