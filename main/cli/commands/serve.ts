import { CLI } from '../../../shared/cli-name.ts';
import type { Command } from 'commander';
import { join } from 'node:path';
import { invalid } from '../../../shared/errors.ts';
import { openCore, type Core } from '../../core.ts';
import { resolveDataDir } from '../../data-dir.ts';

import type { CliApp } from '../program.ts';

interface ServeFlags {
  host?: string;
  port?: string;
  adminPort: string;
  adminUi: boolean;
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
            `  demo key #${k.id} "${k.label}" for ${k.accountName}: ${CLI} --data-dir "${demoDir}" key reveal ${k.id}\n`,
        )
        .join('') +
      `Your own store (${choice.dir}) is still empty: add partners with \`${CLI} partner add\`, or serve another store with --data-dir.`,
  );
  return { core: demo, demo: true };
}

export function registerServeCommand(program: Command, app: CliApp): void {
  program
    .command('serve')
    .description('start the partner API listener and the admin UI on 127.0.0.1 (until Ctrl-C)')
    .option(
      '--host <address>',
      'where partners reach the API: 127.0.0.1 (this machine), 0.0.0.0 or :: (every interface), or one address (default: the settings’ listener host)',
    )
    .option(
      '--port <n>',
      'partner API port; 0 picks a free one (default: the settings’ listener port, 8787)',
    )
    .option('--admin-port <n>', 'admin UI port on 127.0.0.1; 0 picks a free one', '8788')
    .option('--no-admin-ui', 'serve the partner API only')
    .option(
      '--trust-proxy <address>',
      'believe X-Forwarded-For from this proxy address or CIDR (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .action(async (o: ServeFlags, cmd: Command) => {
      // The server stack loads only for this command, so every other command starts quickly.
      const { startHeadless } = await import('../../server/headless.ts');
      const { core, demo } = await openForServe(app, cmd);
      const settings = core.settings.get();
      const running = await startHeadless(core, {
        host: o.host ?? settings.listener.host,
        port: parsePort(o.port, '--port') ?? settings.listener.port,
        adminPort: o.adminUi ? parsePort(o.adminPort, '--admin-port')! : null,
        trustedProxies: o.trustProxy.length ? o.trustProxy : settings.listener.trustedProxies,
      });
      const { status, admin } = running;
      const lines = [
        `Partner API listening on port ${status.port}${demo ? ' (demo data)' : ''}. Partners can use:`,
      ];
      for (const a of status.addresses)
        lines.push(`  ${a.url}/api/v1   (${a.kind}${a.interface ? `, ${a.interface}` : ''})`);
      lines.push(
        `API reference: ${status.addresses.at(-1)?.url ?? `http://127.0.0.1:${status.port}`}/api/v1/docs`,
      );
      // Before anyone administers the store, the one-time link signs a browser in as this
      // machine's owner, and a set-up link makes the first person, the owner, for a team.
      const ownerSetup =
        admin && !core.users.hasUsers()
          ? `${admin.origin}/#setup=${core.users.ownerSetupLink().token}&owner=1`
          : null;
      if (admin && core.users.hasUsers())
        lines.push(`Admin UI (people sign in with their email and password): ${admin.origin}/`);
      else if (admin) {
        lines.push(`Admin UI (open once; it signs this browser in): ${admin.loginUrl}`);
        lines.push(`To work as a team, create the owner (one-time link, 72 hours): ${ownerSetup}`);
      }
      lines.push('Press Ctrl-C to stop.');
      app.print(
        cmd,
        {
          port: status.port,
          host: status.host,
          addresses: status.addresses,
          demo,
          adminUrl: admin ? (core.users.hasUsers() ? `${admin.origin}/` : admin.loginUrl) : null,
          ownerSetupUrl: ownerSetup,
        },
        () => `${lines.join('\n')}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          app.note(`${signal}: stopping; finishing open requests and writing the request journal…`);
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          void running.stop().then(() => {
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

function parsePort(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw invalid('invalid_port', `${flag} "${text}" must be a number from 0 to 65535.`);
  return Number(text);
}
