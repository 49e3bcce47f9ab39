#!/usr/bin/env node
// The `partnergate` command. Runs the built command line (out/cli, plain JavaScript: it starts
// in about a tenth of a second) on Node 22.12 or newer. On an older Node it runs itself again
// with the project's own Node 24 (the `node` devDependency). When a source file is newer than
// the build, or there is no build, it runs the TypeScript sources, so it never runs stale code.
// `serve` runs with the V8 flags of bin/node-flags.json (a young generation sized for a server
// that should stay within 200 MB), so it too may run itself again.
import module from 'node:module';

// Built-in modules are loaded with `require`: importing one builds a namespace of all its
// exports, and node:fs's getters alone load its streams, fs/promises and readline on every
// call. child_process is loaded only when this command runs itself again.
const require = module.createRequire(import.meta.url);
const { existsSync, readFileSync, readdirSync, statSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { fileURLToPath, pathToFileURL } = require('node:url');

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
  runAgain(own, serveFlags());
} else {
  const flags = serveFlags();
  if (flags.length) runAgain(process.execPath, flags);
  else await run();
}

/** For `serve`, the V8 flags this process was not started with. */
function serveFlags() {
  if (!process.argv.slice(2).includes('serve')) return [];
  const flags = JSON.parse(readFileSync(join(root, 'bin', 'node-flags.json'), 'utf8')).serve;
  return flags.filter((f) => !process.execArgv.includes(f));
}

/**
 * This command again, in a child process (another Node, or with more flags), which this one
 * stands for: its exit is this one's, and SIGTERM and SIGHUP sent to this one are passed on.
 * Ctrl-C reaches the child from the terminal itself: passing SIGINT on too would make it two,
 * and a second one stops a server without finishing its work.
 */
function runAgain(node, flags) {
  const child = require('node:child_process').spawn(
    node,
    [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/**
 * The newest modification time of the sources the build is made from. The walk is its own:
 * readdir's `recursive` option takes twice as long over these few directories.
 */
function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (e.isFile() && e.name.endsWith('.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

async function run() {
  // V8's compiled code for the command is kept on disk (node_modules/.cache) between calls.
  module.enableCompileCache?.(join(root, 'node_modules', '.cache', 'partnergate-cli'));
  const built = join(root, 'out', 'cli', 'partnergate.mjs');
  const fresh =
    existsSync(built) &&
    statSync(built).mtimeMs >=
      Math.max(newestSource(join(root, 'main')), newestSource(join(root, 'shared')));
  await import(pathToFileURL(fresh ? built : join(root, 'main', 'cli', 'bin.ts')).href);
}
