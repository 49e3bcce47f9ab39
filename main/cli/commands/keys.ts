import { CLI } from '../../../shared/cli-name.ts';
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HANDOUT_FORMATS, type HandoutFormat } from '../../../shared/admin-contract.ts';
import { EXIT_USAGE } from '../exit-codes.ts';
import { parseDuration, parseRateLimit } from '../../../shared/durations.ts';
import type { IssuedKey } from '../../../shared/schemas.ts';
import { keyExportCsv } from '../../../shared/key-export.ts';
import { keyDetails, keyLine, table } from '../format.ts';
import { parseExpiry, parseId, parseScopes, type ExpiryFlags } from '../options.ts';
import type { CliApp } from '../program.ts';

interface IssueFlags extends ExpiryFlags {
  partner: string;
  label: string;
  scopes: string;
  rateLimit?: string;
  queryAuth?: boolean;
  mcp?: boolean;
}

function secretText(issued: IssuedKey, verb: string): string {
  return (
    `${verb} key #${issued.key.id} "${issued.key.label}" for ${issued.key.accountName}.\n\n` +
    `  ${issued.secret}\n\n` +
    `Copy it now and hand it to the partner over a private channel. Partnergate stores only its hash` +
    (issued.key.secretRetained
      ? ` and an encrypted copy (\`${CLI} key reveal\`).\n`
      : '; it will not be shown again.\n') +
    (issued.key.ipRuleCount === 0
      ? `The key refuses every address until you whitelist one: partnergate whitelist add --key ${issued.key.id} --ip ADDRESS\n`
      : '')
  );
}

export function registerKeyCommands(program: Command, app: CliApp): void {
  const key = program
    .command('key')
    .description(
      'API keys: issue, list, export, show, reveal, extend, update, revoke, rotate, handout',
    );
  const now = () => app.io.now?.() ?? Date.now();

  key
    .command('issue')
    .description('issue a new key for an account (prints the secret once)')
    .requiredOption('--partner <id>', 'the account the key belongs to')
    .requiredOption('--label <label>', 'what the key is for, e.g. "BI warehouse"')
    .requiredOption(
      '--scopes <list>',
      'comma-separated: reports:read,stats:read,conversions:read,clicks:read,leads:read,offers:read,conversions:write',
    )
    .option('--expires-in <duration>', 'e.g. 90d, 12h, 2w (default: the settings’ default expiry)')
    .option('--expires-at <date>', 'e.g. 2027-01-31')
    .option('--no-expiry', 'the key never expires')
    .option('--rate-limit <rate>', 'e.g. 100/min, 10/s, 5000/hour (default 100/min)')
    .option('--query-auth', 'also accept the key in the URL (?api_key=), for spreadsheets')
    .option('--no-mcp', 'AI assistants may not use the key through /mcp (default: the settings’)')
    .action(async (o: IssueFlags, cmd: Command) => {
      const issued = await (
        await app.admin(cmd)
      ).issueKey({
        accountId: parseId(o.partner, '--partner'),
        label: o.label,
        scopes: parseScopes(o.scopes),
        ...(parseExpiry(o, now()) !== undefined && { expiresAt: parseExpiry(o, now())! }),
        ...(o.rateLimit !== undefined && {
          rateLimit: parseRateLimit(o.rateLimit, '--rate-limit'),
        }),
        allowQueryAuth: o.queryAuth === true,
        ...(o.mcp === false && { allowMcp: false }),
      });
      app.print(cmd, { ...issued.key, secret: issued.secret }, () => secretText(issued, 'Issued'));
    });

  key
    .command('list')
    .description('list keys')
    .option('--partner <id>', 'only this account’s keys')
    .action(async (o: { partner?: string }, cmd: Command) => {
      const list = await (
        await app.admin(cmd)
      ).listKeys(o.partner ? { accountId: parseId(o.partner, '--partner') } : {});
      app.print(cmd, list, () =>
        list.length
          ? table(list.map(keyLine), [
              'id',
              'account',
              'label',
              'prefix',
              'status',
              'expires',
              'rate',
              'rules',
              'last used',
            ])
          : 'No keys.\n',
      );
    });

  key
    .command('export')
    .description(
      'every key (or one account’s) as CSV, with partner names, permissions and whitelist rules; --json for JSON',
    )
    .option('--partner <id>', 'only this account’s keys')
    .action(async (o: { partner?: string }, cmd: Command) => {
      const rows = await (
        await app.admin(cmd)
      ).exportKeys(o.partner ? { accountId: parseId(o.partner, '--partner') } : {});
      app.print(cmd, rows, () => keyExportCsv(rows));
    });

  key
    .command('show')
    .description('show a key and its whitelist')
    .argument('<id>', 'key id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const admin = await app.admin(cmd);
      const k = await admin.getKey({ id: parseId(id, 'id') });
      const whitelist = await admin.listRules({ keyId: k.id });
      app.print(
        cmd,
        { ...k, whitelist },
        () =>
          keyDetails(k) +
          (whitelist.empty
            ? '\nWhitelist: empty — every address is refused.\n'
            : `\nWhitelist\n${table(
                whitelist.rules.map((r) => ({
                  rule: r.id,
                  kind: r.kind,
                  addresses: r.text,
                  note: r.note,
                })),
                ['rule', 'kind', 'addresses', 'note'],
              )}`),
      );
    });

  key
    .command('reveal')
    .description('show a key’s secret again (unless secrets are shown once)')
    .argument('<id>', 'key id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { secret } = await (await app.admin(cmd)).revealKey({ id: parseId(id, 'id') });
      app.print(cmd, { id: Number(id), secret }, () => `${secret}\n`);
    });

  key
    .command('extend')
    .description('move a key’s expiry')
    .argument('<id>', 'key id')
    .option('--expires-in <duration>', 'from now, e.g. 90d')
    .option('--expires-at <date>', 'e.g. 2027-01-31')
    .option('--no-expiry', 'never expire')
    .action(async (id: string, o: ExpiryFlags, cmd: Command) => {
      const expiresAt = parseExpiry(o, now());
      if (expiresAt === undefined) {
        return cmd.error('error: give the new expiry: --expires-in, --expires-at or --no-expiry', {
          exitCode: 2,
          code: 'partnergate.missingExpiry',
        });
      }
      const k = await (await app.admin(cmd)).extendKey({ id: parseId(id, 'id'), expiresAt });
      app.print(
        cmd,
        k,
        () =>
          `Key #${k.id} now ${k.expiresAt === null ? 'never expires' : `expires ${new Date(k.expiresAt).toISOString()}`}.\n`,
      );
    });

  key
    .command('update')
    .description(
      'change a key’s label, permissions, rate limit or URL-key permission (at once on the listener)',
    )
    .argument('<id>', 'key id')
    .option('--label <label>', 'what the key is for')
    .option('--scopes <list>', 'comma-separated; replaces the key’s permissions')
    .option('--rate-limit <rate>', 'e.g. 100/min, 10/s, 5000/hour')
    .option('--query-auth', 'also accept the key in the URL (?api_key=)')
    .option('--no-query-auth', 'accept the key in headers only')
    .option('--mcp', 'AI assistants may use the key through /mcp')
    .option('--no-mcp', 'AI assistants may not use the key')
    .action(
      async (
        id: string,
        o: {
          label?: string;
          scopes?: string;
          rateLimit?: string;
          queryAuth?: boolean;
          mcp?: boolean;
        },
        cmd: Command,
      ) => {
        if (
          o.label === undefined &&
          o.scopes === undefined &&
          o.rateLimit === undefined &&
          o.queryAuth === undefined &&
          o.mcp === undefined
        ) {
          return cmd.error(
            'error: say what changes: --label, --scopes, --rate-limit, --query-auth, --no-query-auth, --mcp or --no-mcp',
            { exitCode: 2, code: 'partnergate.nothingToUpdate' },
          );
        }
        const k = await (
          await app.admin(cmd)
        ).updateKey({
          id: parseId(id, 'id'),
          ...(o.label !== undefined && { label: o.label }),
          ...(o.scopes !== undefined && { scopes: parseScopes(o.scopes) }),
          ...(o.rateLimit !== undefined && {
            rateLimit: parseRateLimit(o.rateLimit, '--rate-limit'),
          }),
          ...(o.queryAuth !== undefined && { allowQueryAuth: o.queryAuth }),
          ...(o.mcp !== undefined && { allowMcp: o.mcp }),
        });
        app.print(cmd, k, () => `Updated key #${k.id}.\n${keyDetails(k)}`);
      },
    );

  key
    .command('revoke')
    .description('stop a key at once')
    .argument('<id>', 'key id')
    .requiredOption('--reason <text>', 'why, for the audit log and the account manager')
    .action(async (id: string, o: { reason: string }, cmd: Command) => {
      const k = await (await app.admin(cmd)).revokeKey({ id: parseId(id, 'id'), reason: o.reason });
      app.print(
        cmd,
        k,
        () => `Revoked key #${k.id} "${k.label}". Calls with it now get 401 key_revoked.\n`,
      );
    });

  key
    .command('rotate')
    .description('issue a replacement secret with the same settings and whitelist')
    .argument('<id>', 'key id')
    .option(
      '--grace <duration>',
      'how long the old secret keeps working, e.g. 24h, 7d (0s: stop now)',
      '24h',
    )
    .action(async (id: string, o: { grace: string }, cmd: Command) => {
      const graceMs = o.grace.trim() === '0' ? 0 : parseDuration(o.grace, '--grace');
      const issued = await (await app.admin(cmd)).rotateKey({ id: parseId(id, 'id'), graceMs });
      app.print(
        cmd,
        { ...issued.key, secret: issued.secret },
        () =>
          secretText(issued, 'Rotated: new') +
          (graceMs === 0
            ? `The old key #${id} stopped working now.\n`
            : `The old key #${id} keeps working for ${o.grace}.\n`),
      );
    });

  key
    .command('handout')
    .description(
      'write the document a partner gets with this key: base URLs, how to trust HTTPS, each report shared with them, ready requests, limits, errors, AI-assistant set-up',
    )
    .argument('<id>', 'key id')
    .option('--format <format>', 'html, md or pdf', 'html')
    .option('--include-key', 'put the key itself in it (a reveal, in the audit log)')
    .option(
      '--out <file>',
      'where to write it (default: its own name, here); - for standard output',
    )
    .action(
      async (
        id: string,
        o: { format: string; includeKey?: boolean; out?: string },
        cmd: Command,
      ) => {
        if (!(HANDOUT_FORMATS as readonly string[]).includes(o.format))
          return cmd.error(`error: --format is html, md or pdf, not "${o.format}"`, {
            exitCode: EXIT_USAGE,
          });
        const format = o.format as HandoutFormat;
        if (o.out === '-' && format === 'pdf')
          return cmd.error('error: a PDF goes to a file: give --out FILE', {
            exitCode: EXIT_USAGE,
          });
        const admin = await app.admin(cmd);
        const input = { id: parseId(id, 'id'), format };
        const file = o.includeKey
          ? await admin.keyHandoutWithKey(input)
          : await admin.keyHandout(input);
        const body = Buffer.from(file.base64, 'base64');
        if (o.out === '-') return app.io.stdout(body.toString('utf8'));
        const path = resolve(o.out ?? file.filename);
        writeFileSync(path, body, { mode: o.includeKey ? 0o600 : 0o644 });
        app.print(
          cmd,
          { file: path, bytes: body.length, contentType: file.contentType },
          () =>
            `Wrote ${path} (${Math.max(1, Math.round(body.length / 1024))} KB).${
              o.includeKey ? ' It holds the key: send it privately.' : ''
            }\n`,
        );
      },
    );

  key
    .command('handout-link')
    .description(
      'turn on (or --off) the link where the listener serves this key’s handout, and print it',
    )
    .argument('<id>', 'key id')
    .option('--off', 'turn the link off; turning it on again makes a new one')
    .action(async (id: string, o: { off?: boolean }, cmd: Command) => {
      const link = await (
        await app.admin(cmd)
      ).setHandoutLink({ id: parseId(id, 'id'), enabled: !o.off });
      app.print(cmd, link, () =>
        link.enabled
          ? `${link.urls.join('\n')}\nThe link answers while the key works, from the addresses the key allows.\n`
          : `The handout link of key #${link.keyId} is off.\n`,
      );
    });
}
