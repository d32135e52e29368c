import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `pnpm dev` proxies the API so the browser sees one origin, as under `pnpm start`.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/trpc': 'http://127.0.0.1:3000',
      '/v1': 'http://127.0.0.1:3000',
      '/docs/api': 'http://127.0.0.1:3000',
      '/healthz': 'http://127.0.0.1:3000',
    },
  },
  build: { outDir: 'dist', sourcemap: false },
});
