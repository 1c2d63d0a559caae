import createClient from 'openapi-fetch';
import { API_BASE_URL, resolveUrl } from '../config';
import { authFetch } from './http';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

export const api = createClient<paths>({
  baseUrl: API_BASE_URL || resolveUrl('').replace(/\/$/, ''),
  fetch: (request: Request) => authFetch(request),
});
