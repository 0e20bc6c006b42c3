import { defineConfig } from 'vite';

// The Studio is served by the control plane at `/` (StudioRoutes): hashed files under /assets are
// cached for good, index.html never. In development `npm run dev` proxies /api to a running server
// (SLIPWAY_URL, default http://127.0.0.1:8081).
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: process.env.STUDIO_OUT ?? 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    reportCompressedSize: false,
  },
  worker: { format: 'es' },
  server: {
    proxy: { '/api': process.env.SLIPWAY_URL ?? 'http://127.0.0.1:8081' },
  },
});
