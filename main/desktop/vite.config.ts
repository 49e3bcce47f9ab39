import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import pkg from '../../package.json' with { type: 'json' };

// The main process as one CommonJS file for Electron; dependencies stay in node_modules
// (better-sqlite3's native binding cannot be bundled) and Node built-ins stay built in. The
// ESM-only settings stores are bundled instead, so the CommonJS file never require()s ESM
// (the app's settings, its command line's included, are electron-store's; conf is headless).
const ESM_ONLY = new Set(['conf', 'electron-store']);
export default defineConfig({
  ssr: { noExternal: true },
  build: {
    ssr: new URL('./main.ts', import.meta.url).pathname,
    outDir: new URL('../../out/desktop', import.meta.url).pathname,
    emptyOutDir: true,
    minify: false,
    target: 'node22',
    rollupOptions: {
      external: [
        'electron',
        ...Object.keys(pkg.dependencies).filter((d) => !ESM_ONLY.has(d)),
        ...builtinModules,
        ...builtinModules.map((m) => `node:${m}`),
      ],
      // One file: the command line the app runs with --cli is loaded on demand, not split off.
      output: { format: 'cjs', entryFileNames: 'main.cjs', codeSplitting: false },
    },
  },
});
