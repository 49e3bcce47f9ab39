import type { Command } from 'commander';
import { invalid } from '../../../shared/errors.ts';
import type { IpRuleInput, WhitelistReport } from '../../../shared/schemas.ts';
import { table } from '../format.ts';
import { parseId } from '../options.ts';
import type { CliApp } from '../program.ts';

function whitelistText(w: WhitelistReport, keyId: number): string {
  if (w.empty) return `Key #${keyId} has no whitelist rules: every address is refused.\n`;
  let out = table(
    w.rules.map((r) => ({
      rule: r.id,
      kind: r.kind,
      addresses: r.text,
      from: r.start,
      to: r.end,
      note: r.note,
    })),
    ['rule', 'kind', 'addresses', 'from', 'to', 'note'],
  );
  if (w.openToEveryAddress) out += 'Warning: open to every address.\n';
  for (const o of w.overlaps)
    out += `Note: ${o.message} (rules ${o.otherRuleId} and ${o.ruleId}).\n`;
  return out;
}

export function registerWhitelistCommands(program: Command, app: CliApp): void {
  const wl = program.command('whitelist').description('the addresses a key may be used from');

  wl.command('add')
    .description('allow an address, a From–To range or a CIDR block (IPv4 or IPv6)')
    .requiredOption('--key <id>', 'key id')
    .option('--ip <address>', 'one address, e.g. 203.0.113.7 or 2001:db8::7')
    .option('--from <address>', 'first address of a range')
    .option('--to <address>', 'last address of a range')
    .option('--cidr <block>', 'e.g. 10.0.0.0/24 or 2001:db8::/32')
    .option('--note <text>', 'e.g. "office VPN"')
    .option(
      '--allow-every-address',
      'say on purpose that a rule such as 0.0.0.0/0 may open the key to every address',
    )
    .action(
      async (
        o: {
          key: string;
          ip?: string;
          from?: string;
          to?: string;
          cidr?: string;
          note?: string;
          allowEveryAddress?: boolean;
        },
        cmd: Command,
      ) => {
        const keyId = parseId(o.key, '--key');
        const forms = [
          o.ip !== undefined,
          o.from !== undefined || o.to !== undefined,
          o.cidr !== undefined,
        ].filter(Boolean).length;
        if (forms !== 1)
          throw invalid(
            'rule_form',
            'Give exactly one of --ip ADDRESS, --from ADDRESS --to ADDRESS, or --cidr BLOCK.',
          );
        if ((o.from === undefined) !== (o.to === undefined))
          throw invalid('rule_form', 'A range needs both --from and --to.');
        const note = {
          ...(o.note !== undefined && { note: o.note }),
          ...(o.allowEveryAddress && { allowEveryAddress: true }),
        };
        const input: IpRuleInput =
          o.ip !== undefined
            ? { keyId, kind: 'single', address: o.ip, ...note }
            : o.cidr !== undefined
              ? { keyId, kind: 'cidr', cidr: o.cidr, ...note }
              : { keyId, kind: 'range', from: o.from!, to: o.to!, ...note };
        const added = await (await app.admin(cmd)).addRule(input);
        app.print(
          cmd,
          added,
          () =>
            `Added rule #${added.rule.id}: ${added.rule.text} for key #${keyId}.\n${added.warnings.map((w) => `Warning: ${w}\n`).join('')}`,
        );
      },
    );

  wl.command('list')
    .description('list a key’s rules, with overlaps and open ranges flagged')
    .requiredOption('--key <id>', 'key id')
    .action(async (o: { key: string }, cmd: Command) => {
      const keyId = parseId(o.key, '--key');
      const w = await (await app.admin(cmd)).listRules({ keyId });
      app.print(cmd, w, () => whitelistText(w, keyId));
    });

  wl.command('remove')
    .description('delete a rule')
    .argument('<rule>', 'rule id (see whitelist list)')
    .action(async (rule: string, _o: unknown, cmd: Command) => {
      const removed = await (await app.admin(cmd)).removeRule({ id: parseId(rule, 'rule') });
      app.print(
        cmd,
        removed,
        () => `Removed rule #${removed.id} (${removed.text}) from key #${removed.keyId}.\n`,
      );
    });

  wl.command('test')
    .description('would this address be allowed for the key, and by which rule?')
    .requiredOption('--key <id>', 'key id')
    .requiredOption('--ip <address>', 'the address to test')
    .action(async (o: { key: string; ip: string }, cmd: Command) => {
      const r = await (
        await app.admin(cmd)
      ).checkAddress({ keyId: parseId(o.key, '--key'), address: o.ip });
      app.print(cmd, r, () => `${r.allowed ? 'ALLOWED' : 'REFUSED'}: ${r.reason}\n`);
      if (!r.allowed) app.exitWith(1);
    });
}
