import { defineConfig } from 'vite';

// The preload as one CommonJS file: a sandboxed renderer's preload can require only 'electron'.
export default defineConfig({
  build: {
    outDir: new URL('../out/preload', import.meta.url).pathname,
    emptyOutDir: true,
    minify: false,
    lib: {
      entry: new URL('./index.ts', import.meta.url).pathname,
      formats: ['cjs'],
      fileName: () => 'index.cjs',
    },
    rollupOptions: { external: ['electron'] },
  },
});
