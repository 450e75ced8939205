/**
 * The Billow Console's build: `console/dist`, served by the API process at /console. Built by
 * `npm start` and `npm test` (scripts/lib.sh, ensure_console) only when these sources change.
 * `npx vite console` serves it with hot reload against an API on :3000 (BILLOW_API to change).
 */
import { defineConfig } from 'vite';

const api = process.env.BILLOW_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    // React, Mantine, React Router, TanStack Query and the billing core's decimals: ~500 kB, ~155 kB gzipped
    // (bench/console.ts measures the first load against its 300 kB budget).
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      onwarn(warning, warn) {
        // Mantine marks its modules "use client" for React Server Components; meaningless in a browser bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: { '/api': api, '/console/session': api },
  },
});
