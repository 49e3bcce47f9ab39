import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The admin UI, built once for both bridges: served by the loopback admin listener in a
// browser, and loaded from the app:// protocol by the desktop app.
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: './',
  plugins: [react()],
  resolve: {
    // The one CSV writer (shared/csv.ts) uses csv-stringify; its Node build needs Buffer, its
    // browser build carries what it needs.
    alias: { 'csv-stringify/sync': 'csv-stringify/browser/esm/sync' },
  },
  build: {
    outDir: new URL('../out/renderer', import.meta.url).pathname,
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
