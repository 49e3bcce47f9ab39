import { defineConfig, type Plugin } from 'vite';
import { builtinModules } from 'node:module';
import pkg from '../../package.json' with { type: 'json' };

// The command line as plain JavaScript (out/cli), so a call does not strip the types of a
// hundred source files first. The pure-JavaScript libraries every command loads are bundled
// with it; the rest (the native SQLite binding, the HTTP stack, the PDF engine and its data
// files) load from node_modules, and only when a command needs them: dynamic imports stay
// separate chunks.
const BUNDLED = new Set(['zod', 'commander', 'csv-parse', '@date-fns/tz', 'croner', 'ipaddr.js']);

/**
 * Node's built-in modules are loaded with `require`, not `import`: importing a built-in builds
 * a namespace of every export, which runs their lazy getters (`fs.promises`, `crypto.webcrypto`,
 * each of `process`'s properties) and loads modules the command never uses — about 10 ms of
 * every call. The rewritten lines are the bundler's own import statements at the top of a chunk.
 */
function builtinsByRequire(): Plugin {
  const req = '__builtinRequire';
  return {
    name: 'builtins-by-require',
    renderChunk(code) {
      let rewritten = 0;
      const out = code.replace(
        /^import (.+) from "(node:(?!module")[\w/]+)";$/gm,
        (_line, clause: string, id: string) => {
          rewritten++;
          const m = /^(?:\* as ([\w$]+)|([\w$]+))?(?:, )?(?:\{ (.+) \})?$/.exec(clause);
          if (!m) throw new Error(`builtins-by-require: unexpected import of ${id}: ${clause}`);
          const [, star, def, names] = m;
          const whole = star ?? def;
          const named = names?.replaceAll(' as ', ': ');
          if (whole && named)
            return `const ${whole} = ${req}("${id}"); const { ${named} } = ${whole};`;
          if (whole) return `const ${whole} = ${req}("${id}");`;
          return `const { ${named} } = ${req}("${id}");`;
        },
      );
      if (!rewritten) return null;
      const prelude = `import { createRequire as ${req}Of } from "node:module";\nconst ${req} = ${req}Of(import.meta.url);\n`;
      const shebang = /^#!.*\n/.exec(out)?.[0] ?? '';
      return shebang + prelude + out.slice(shebang.length);
    },
  };
}
const external = Object.keys(pkg.dependencies).filter((d) => !BUNDLED.has(d));
export default defineConfig({
  plugins: [builtinsByRequire()],
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
