/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { APP_ROUTES } from './src/routes.ts';

export default defineConfig({
  plugins: [
    react(),
    {
      // dist/routes.json: the paths Django answers with index.html (config/settings/spa.py).
      name: 'stockscan-routes',
      generateBundle() {
        this.emitFile({ type: 'asset', fileName: 'routes.json', source: JSON.stringify(APP_ROUTES) });
      },
    },
    VitePWA({
      // The service worker precaches the app shell (hashed JS/CSS, index.html) so the app opens
      // offline; API calls are never cached by it (the offline queue handles writes).
      registerType: 'autoUpdate',
      injectRegister: false,
      manifest: {
        name: 'StockScan',
        short_name: 'StockScan',
        lang: 'fr',
        start_url: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1f4e79',
        icons: [{ src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,webmanifest}'],
        navigateFallback: '/index.html',
        // Only the app's own routes get the app offline: the API docs, the admin (wherever
        // DJANGO_ADMIN_URL puts it) and /health always go to the network.
        navigateFallbackAllowlist: [new RegExp(`^/(?:$|(?:${APP_ROUTES.join('|')})(?:[/?#]|$))`)],
        runtimeCaching: [],
      },
    }),
  ],
  build: {
    target: 'es2022',
    sourcemap: false,
    manifest: true,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8000', '/health': 'http://127.0.0.1:8000' },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
