import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The admin UI, built once for both bridges: served by the loopback admin listener in a
// browser, and loaded from the app:// protocol by the desktop app.
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: './',
  plugins: [react()],
  build: {
    outDir: new URL('../out/renderer', import.meta.url).pathname,
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
