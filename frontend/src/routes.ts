/**
 * The app's top-level paths. The build writes them to dist/routes.json, from which Django
 * answers exactly these paths (and what is below them) with index.html: any other path is a
 * real 404, never the app.
 */
export const APP_ROUTES = [
  'login',
  'register',
  'forgot-password',
  'reset-password',
  'confirm-email',
  'invitations',
  'count',
  'catalogue',
  'categories',
  'losses',
  'alerts',
  'billing',
] as const;
