#!/usr/bin/env node
// The `partnergate` command. Runs the built command line (out/cli, plain JavaScript: it starts
// in about a tenth of a second) on Node 22.12 or newer. On an older Node it runs itself again
// with the project's own Node 24 (the `node` devDependency). When a source file is newer than
// the build, or there is no build, it runs the TypeScript sources, so it never runs stale code.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [major, minor] = process.versions.node.split('.').map(Number);

if (major < 22 || (major === 22 && minor < 12)) {
  const own = join(
    root,
    'node_modules',
    'node',
    'bin',
    process.platform === 'win32' ? 'node.exe' : 'node',
  );
  if (!existsSync(own)) {
    process.stderr.write(
      `partnergate needs Node.js 22.12 or newer (this is ${process.versions.node}); run npm install in ${root} to get its own Node 24.\n`,
    );
    process.exit(2);
  }
  const r = spawnSync(own, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

/** The newest modification time of the sources the build is made from. */
function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile() && e.name.endsWith('.ts'))
      newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  return newest;
}

// V8's compiled code for the command is kept on disk (node_modules/.cache) between calls.
module.enableCompileCache?.(join(root, 'node_modules', '.cache', 'partnergate-cli'));
const built = join(root, 'out', 'cli', 'partnergate.mjs');
const fresh =
  existsSync(built) &&
  statSync(built).mtimeMs >=
    Math.max(newestSource(join(root, 'main')), newestSource(join(root, 'shared')));
await import(pathToFileURL(fresh ? built : join(root, 'main', 'cli', 'bin.ts')).href);
