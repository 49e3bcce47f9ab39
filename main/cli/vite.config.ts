import { defineConfig } from 'vite';
import { builtinModules } from 'node:module';
import pkg from '../../package.json' with { type: 'json' };

// The command line as plain JavaScript (out/cli), so a call does not strip the types of a
// hundred source files first. The pure-JavaScript libraries every command loads are bundled
// with it; the rest (the native SQLite binding, the HTTP stack, the PDF engine and its data
// files) load from node_modules, and only when a command needs them: dynamic imports stay
// separate chunks.
const BUNDLED = new Set(['zod', 'commander', 'csv-parse', '@date-fns/tz', 'croner', 'ipaddr.js']);
const external = Object.keys(pkg.dependencies).filter((d) => !BUNDLED.has(d));
export default defineConfig({
  ssr: { noExternal: [...BUNDLED] },
  build: {
    ssr: new URL('./bin.ts', import.meta.url).pathname,
    outDir: new URL('../../out/cli', import.meta.url).pathname,
    emptyOutDir: true,
    minify: false,
    target: 'node22',
    rollupOptions: {
      external: (id) =>
        external.some((d) => id === d || id.startsWith(`${d}/`)) ||
        builtinModules.includes(id.replace(/^node:/, '')),
      output: {
        format: 'es',
        entryFileNames: 'partnergate.mjs',
        chunkFileNames: '[name]-[hash].mjs',
      },
    },
  },
});
