/**
 * A server for the benchmark, in its own process so the load generator does not share its
 * event loop: `bare` is a node:http hello world, `api` the real partner API on a data dir.
 * Prints the port on stdout, then serves until SIGTERM.
 */
import http from 'node:http';
import { openCore } from '../../main/core.ts';
import { startPartnerListener } from '../../main/api/listener.ts';

const [mode, dataDir] = process.argv.slice(2);

if (mode === 'bare') {
  const body = JSON.stringify({ hello: 'world' });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  server.keepAliveTimeout = 72_000;
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    process.stdout.write(`${typeof a === 'object' && a ? a.port : 0}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else {
  const core = openCore({ dataDir: dataDir!, actor: 'bench' });
  // As `partnergate serve` does.
  core.checkpointInBackground({ onFailure: (m) => process.stderr.write(`${m}\n`) });
  // The failure throttle would turn the measured 401s into 429s: lift it to measure the 401 path.
  const listener = await startPartnerListener(core, {
    host: '127.0.0.1',
    port: 0,
    authFailuresPerMinute: 1e9,
  });
  process.stdout.write(`${listener.port}\n`);
  process.on('SIGTERM', () => {
    void listener.close().then(() => {
      core.close();
      process.exit(0);
    });
  });
}
