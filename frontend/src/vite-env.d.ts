/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_API_BASE_URL?: string;
  readonly VITE_STRIPE_ENABLED?: string;
  readonly VITE_DEMO_MODE?: string;
}
