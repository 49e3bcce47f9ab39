/**
 * What a command line call loads. A call starts in the time it takes to load its modules, so
 * the packages only some commands need (the settings writer and its JSON Schema validator, the
 * HTTP stack, the PDF engine, certificates, MCP) must stay unloaded by the others, and of the
 * hundreds of input schemas only the ones a call parses with may be built.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OWN_NODE = join(ROOT, 'node_modules', 'node', 'bin', 'node');

/**
 * Records every module a process resolves (imports and requires alike), and counts the zod
 * schemas it builds (each has its `_zod` internals defined once) and the SQL statements it
 * prepares.
 */
const RECORDER = `import { createRequire, registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const r = next(specifier, context);
    seen.add(r.url);
    return r;
  },
});
const define = Object.defineProperty;
let schemas = 0;
Object.defineProperty = function (o, key, d) {
  if (key === '_zod') schemas++;
  return define(o, key, d);
};
const Database = createRequire(process.env.PG_ROOT + '/package.json')('better-sqlite3');
const prepare = Database.prototype.prepare;
let statements = 0;
Database.prototype.prepare = function (...args) {
  statements++;
  return prepare.apply(this, args);
};
process.on('exit', () => {
  writeFileSync(process.env.PG_LOADED, [...seen].join('\\n'));
  writeFileSync(process.env.PG_LOADED + '.counts', JSON.stringify({ schemas, statements }));
});
`;

/**
 * The packages in node_modules that `partnergate ...args` loads, and the schemas it builds and
 * statements it prepares.
 */
async function packagesLoaded(
  dataDir: string,
  ...args: string[]
): Promise<Set<string> & { schemasBuilt: number; statementsPrepared: number }> {
  const dir = tempDir();
  const recorder = join(dir, 'recorder.mjs');
  const loaded = join(dir, 'loaded.txt');
  writeFileSync(recorder, RECORDER);
  await run(
    OWN_NODE,
    ['--import', recorder, join(ROOT, 'bin', 'partnergate.mjs'), '--data-dir', dataDir, ...args],
    { env: { ...process.env, PG_LOADED: loaded, PG_ROOT: ROOT } },
  );
  const packages = new Set<string>();
  for (const url of readFileSync(loaded, 'utf8').split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m) packages.add(m[1]!);
  }
  const counts = JSON.parse(readFileSync(`${loaded}.counts`, 'utf8')) as {
    schemas: number;
    statements: number;
  };
  return Object.assign(packages, {
    schemasBuilt: counts.schemas,
    statementsPrepared: counts.statements,
  });
}

const ONLY_FOR_SOME = [
  'conf',
  'ajv',
  'fastify',
  'find-my-way',
  'fast-json-stringify',
  'pdfkit',
  'node-forge',
  '@modelcontextprotocol/sdk',
];

describe('a command line call', () => {
  it('lists partners and reads settings without what only writing settings or serving needs', async () => {
    const dir = tempDir();
    for (const args of [
      ['partner', 'list'],
      ['settings', 'show'],
    ]) {
      const loaded = await packagesLoaded(dir, ...args);
      expect(loaded).toContain('better-sqlite3');
      expect(
        ONLY_FOR_SOME.filter((p) => loaded.has(p)),
        args.join(' '),
      ).toEqual([]);
    }
  });

  it('prepares only the statements it runs', async () => {
    const dir = tempDir();
    // Preparing every group took about 150; listing partners opens the store and reads accounts.
    const loaded = await packagesLoaded(dir, 'partner', 'list');
    expect(loaded.statementsPrepared).toBeGreaterThan(0);
    expect(loaded.statementsPrepared).toBeLessThan(30);
  });

  it('builds only the input schemas it parses with', async () => {
    const dir = tempDir();
    // The shared modules define about 750 (each `.optional()` or `.max()` is one); building them
    // all took a third of a call's time. Listing partners parses one input of three fields.
    const loaded = await packagesLoaded(dir, 'partner', 'list');
    expect(loaded.schemasBuilt).toBeGreaterThan(0);
    expect(loaded.schemasBuilt).toBeLessThan(40);
  });

  it('loads the settings writer when it changes a setting', async () => {
    const dir = tempDir();
    const loaded = await packagesLoaded(dir, 'settings', 'set', 'listener-port', '9911');
    expect(loaded).toContain('conf');
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).toContain('9911');
  });
});
