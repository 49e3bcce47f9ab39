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
  adminHost?: string;
  plainHttp?: boolean;
  tlsCert?: string;
  tlsKey?: string;
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
    ...(app.io.openSettings && { settings: app.io.openSettings(demoDir) }),
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
    .description(
      'start the partner API listener and the admin UI (on 127.0.0.1 unless --admin-host) until Ctrl-C',
    )
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
      '--admin-host <address>',
      'serve the admin UI beyond this machine too (e.g. 0.0.0.0): only over HTTPS, to people who sign in',
    )
    .option(
      '--plain-http',
      'serve the partner API over plain HTTP beyond loopback (keys then travel in clear; HTTPS is the default)',
    )
    .option('--tls-cert <file>', 'your own certificate (PEM) instead of Partnergate’s own CA')
    .option('--tls-key <file>', 'the private key (PEM) of --tls-cert')
    .option(
      '--trust-proxy <address>',
      'believe X-Forwarded-For from this proxy address or CIDR (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .action(async (o: ServeFlags, cmd: Command) => {
      // The server stack loads only for this command, so every other command starts quickly.
      const { startHeadless } = await import('../../server/headless.ts');
      if ((o.tlsCert === undefined) !== (o.tlsKey === undefined))
        throw invalid(
          'tls_files_incomplete',
          '--tls-cert and --tls-key go together: give the certificate and its private key.',
        );
      const { core, demo } = await openForServe(app, cmd);
      const settings = core.settings.get();
      const running = await startHeadless(core, {
        host: o.host ?? settings.listener.host,
        port: parsePort(o.port, '--port') ?? settings.listener.port,
        adminPort: o.adminUi ? parsePort(o.adminPort, '--admin-port')! : null,
        trustedProxies: o.trustProxy.length ? o.trustProxy : settings.listener.trustedProxies,
        adminHost: o.adminHost,
        tls: {
          ...(o.plainHttp && { https: 'never' as const }),
          ...(o.tlsCert && o.tlsKey && { operator: { certFile: o.tlsCert, keyFile: o.tlsKey } }),
        },
      });
      const { status, admin, adminPin } = running;
      const lines = [
        `Partner API listening on port ${status.port}${demo ? ' (demo data)' : ''}. Partners can use:`,
      ];
      for (const a of status.addresses)
        lines.push(`  ${a.url}/api/v1   (${a.kind}${a.interface ? `, ${a.interface}` : ''})`);
      lines.push(
        `API reference: ${status.addresses.at(-1)?.url ?? `http://127.0.0.1:${status.port}`}/api/v1/docs`,
      );
      if (status.https?.caFingerprint)
        lines.push(
          `HTTPS with Partnergate's own certificate authority. Partners trust it with the CA file ${core.tls.caFile}`,
          `  (curl --cacert partnergate-ca.pem …), or pin the server key: --pinnedpubkey '${status.https.pin}'`,
          `  CA fingerprint (SHA-256), to compare by phone: ${status.https.caFingerprint}`,
        );
      else if (status.https)
        lines.push(`HTTPS with your certificate; its key pin: ${status.https.pin}`);
      if (status.clearBeyondLoopback)
        lines.push(
          'WARNING: plain HTTP beyond this machine (--plain-http): API keys travel in clear on the network.',
        );
      // Before anyone administers the store, the one-time link signs a browser in as this
      // machine's owner, and a set-up link makes the first person, the owner, for a team.
      const ownerSetup =
        admin && !core.users.hasUsers()
          ? `${admin.origin}/#setup=${core.users.ownerSetupLink().token}&owner=1`
          : null;
      if (admin && core.users.hasUsers())
        lines.push(`Admin UI (people sign in with their email and password): ${admin.origin}/`);
      if (admin && adminPin)
        lines.push(
          `Desktop apps join this server at ${admin.origin} and confirm its key pin: ${adminPin}`,
        );
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
          https: status.https && {
            caFingerprint: status.https.caFingerprint,
            pin: status.https.pin,
            caFile: status.https.caPem ? core.tls.caFile : null,
          },
          clearBeyondLoopback: status.clearBeyondLoopback,
          demo,
          adminUrl: admin ? (core.users.hasUsers() ? `${admin.origin}/` : admin.loginUrl) : null,
          adminPin,
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
