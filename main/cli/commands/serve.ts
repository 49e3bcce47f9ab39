import type { Command } from 'commander';
import { join } from 'node:path';
import { invalid } from '../../../shared/errors.ts';
import { openCore, type Core } from '../../core.ts';
import { resolveDataDir } from '../../data-dir.ts';
import { startPartnerListener } from '../../api/listener.ts';
import type { CliApp } from '../program.ts';

interface ServeFlags {
  host?: string;
  port?: string;
  trustProxy: string[];
}

/**
 * With no data directory chosen and an empty store, `serve` opens a demo network kept in its
 * own folder beside the real store, so trying Partnergate never mixes demo partners into it.
 */
async function openForServe(app: CliApp, cmd: Command): Promise<{ core: Core; demo: boolean }> {
  const choice = resolveDataDir(app.globals(cmd).dataDir, app.io.env);
  const core = app.core(cmd);
  if (choice.source !== 'default' || !core.isEmpty()) return { core, demo: false };
  const demoDir = join(choice.dir, 'demo');
  const demo = openCore({
    dataDir: demoDir,
    actor: 'serve',
    ...(app.io.now && { now: app.io.now }),
  });
  if (demo.isEmpty()) {
    app.note(
      `Your store at ${choice.dir} is empty, so Partnergate is creating a demo network in ${demoDir}…`,
    );
    await demo.demoData({ scale: 'small', seed: 1 });
  }
  const keys = demo.keys.list().filter((k) => k.status === 'active');
  app.note(
    `Serving DEMO DATA from ${demoDir}.\n` +
      keys
        .map(
          (k) =>
            `  demo key #${k.id} "${k.label}" for ${k.accountName}: partnergate --data-dir "${demoDir}" key reveal ${k.id}\n`,
        )
        .join('') +
      `Your own store (${choice.dir}) is still empty: add partners with \`partnergate partner add\`, or serve another store with --data-dir.`,
  );
  return { core: demo, demo: true };
}

export function registerServeCommand(program: Command, app: CliApp): void {
  program
    .command('serve')
    .description('start the partner API listener (and keep running until Ctrl-C)')
    .option(
      '--host <address>',
      'where to listen: 127.0.0.1 (this machine), 0.0.0.0 or :: (every interface), or one address (default: the settings’ listener host)',
    )
    .option('--port <n>', 'port; 0 picks a free one (default: the settings’ listener port, 8787)')
    .option(
      '--trust-proxy <address>',
      'believe X-Forwarded-For from this proxy address or CIDR (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .action(async (o: ServeFlags, cmd: Command) => {
      const { core, demo } = await openForServe(app, cmd);
      const settings = core.settings.get();
      const port = o.port === undefined ? settings.listener.port : Number(o.port);
      if (
        !Number.isInteger(port) ||
        port < 0 ||
        port > 65535 ||
        (o.port !== undefined && !/^\d+$/.test(o.port))
      ) {
        throw invalid('invalid_port', `--port "${o.port}" must be a number from 0 to 65535.`);
      }
      const listener = await startPartnerListener(core, {
        host: o.host ?? settings.listener.host,
        port,
        trustedProxies: o.trustProxy.length ? o.trustProxy : settings.listener.trustedProxies,
        logger: { level: 'warn' } as never,
      });
      const lines = [
        `Partner API listening on port ${listener.port}${demo ? ' (demo data)' : ''}. Partners can use:`,
      ];
      for (const a of listener.addresses)
        lines.push(`  ${a.url}/api/v1   (${a.kind}${a.interface ? `, ${a.interface}` : ''})`);
      lines.push(
        `API reference: ${listener.addresses.at(-1)?.url ?? `http://127.0.0.1:${listener.port}`}/api/v1/docs`,
      );
      lines.push('Press Ctrl-C to stop.');
      app.print(
        cmd,
        { port: listener.port, host: listener.host, addresses: listener.addresses, demo },
        () => `${lines.join('\n')}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          app.note(`${signal}: stopping; finishing open requests and writing the request journal…`);
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          void listener.close().then(() => {
            if (demo) core.close();
            resolve();
          });
        };
        const onInt = () => stop('SIGINT');
        const onTerm = () => stop('SIGTERM');
        process.on('SIGINT', onInt);
        process.on('SIGTERM', onTerm);
      });
      app.note('Stopped.');
    });
}
