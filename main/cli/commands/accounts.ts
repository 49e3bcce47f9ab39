import type { Command } from 'commander';
import { formatMoney, parseMoney } from '../../../shared/money.ts';
import type { Account, AccountKind, AccountStatus, OfferStatus } from '../../../shared/schemas.ts';
import { formatTime, keyLine, table } from '../format.ts';
import { parseId, parseIdList } from '../options.ts';
import type { CliApp } from '../program.ts';

interface AccountFlags {
  kind?: AccountKind;
  name?: string;
  email?: string;
  company?: string;
  status?: AccountStatus;
  notes?: string;
  timezone?: string;
  currency?: string;
  seesAll?: boolean;
  partners?: string;
  search?: string;
}

const accountRow = (a: Account) => ({
  id: a.id,
  kind: a.kind,
  name: a.name,
  status: a.status,
  email: a.email,
  company: a.company,
  timezone: a.timezone,
  access:
    a.kind === 'employee'
      ? a.employeeAccess === 'all'
        ? 'all partners'
        : `partners ${a.assignedPartnerIds.join(',') || 'none'}`
      : 'own data',
});

function accountText(a: Account): string {
  const rows: [string, string][] = [
    ['Account', `#${a.id} ${a.name}`],
    ['Kind', a.kind],
    ['Status', a.status],
    ['Email', a.email ?? '—'],
    ['Company', a.company ?? '—'],
    ['Time zone', a.timezone],
    ['Currency', a.currency],
    ['Sees', accountRow(a).access],
    ['Created', formatTime(a.createdAt)],
  ];
  if (a.notes) rows.push(['Notes', a.notes]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

/** The flags `partner add` and `partner update` share, as account fields (absent when not given). */
function accountFields(o: AccountFlags) {
  return {
    ...(o.email !== undefined && { email: o.email }),
    ...(o.company !== undefined && { company: o.company }),
    ...(o.status !== undefined && { status: o.status }),
    ...(o.notes !== undefined && { notes: o.notes }),
    ...(o.timezone !== undefined && { timezone: o.timezone }),
    ...(o.currency !== undefined && { currency: o.currency }),
    ...(o.seesAll && { employeeAccess: 'all' as const }),
    ...(o.partners !== undefined && { assignedPartnerIds: parseIdList(o.partners, '--partners') }),
  };
}

export function registerAccountCommands(program: Command, app: CliApp): void {
  const partner = program
    .command('partner')
    .description('partners (affiliates, introducing brokers) and employees');

  partner
    .command('add')
    .description('add a partner or an employee')
    .requiredOption('--name <name>', 'display name')
    .option('--kind <kind>', 'affiliate, ib or employee', 'affiliate')
    .option('--email <email>')
    .option('--company <company>')
    .option('--status <status>', 'active, onboarding or suspended', 'active')
    .option('--notes <text>')
    .option('--timezone <tz>', 'IANA time zone for their reports', 'UTC')
    .option('--currency <code>', 'ISO 4217 currency', 'USD')
    .option('--sees-all', 'employees: may read every partner’s data')
    .option('--partners <ids>', 'employees: the partner ids they may read, comma-separated')
    .action(async (o: AccountFlags, cmd: Command) => {
      const a = await (
        await app.admin(cmd)
      ).createAccount({
        kind: o.kind as AccountKind,
        name: o.name ?? '',
        ...accountFields(o),
      });
      app.print(cmd, a, () => `Added ${a.kind} #${a.id} ${a.name}.\n`);
    });

  partner
    .command('list')
    .description('list partners and employees')
    .option('--kind <kind>', 'affiliate, ib or employee')
    .option('--status <status>', 'active, onboarding or suspended')
    .option('--search <text>', 'name, email, company or id')
    .action(async (o: AccountFlags, cmd: Command) => {
      const list = await (
        await app.admin(cmd)
      ).listAccounts({
        ...(o.kind && { kind: o.kind }),
        ...(o.status && { status: o.status }),
        ...(o.search && { search: o.search }),
      });
      app.print(cmd, list, () =>
        list.length
          ? table(list.map(accountRow), ['id', 'kind', 'name', 'status', 'email', 'access'])
          : 'No accounts match.\n',
      );
    });

  partner
    .command('show')
    .description('show an account and its keys')
    .argument('<id>', 'account id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const admin = await app.admin(cmd);
      const a = await admin.getAccount({ id: parseId(id, 'id') });
      const keys = await admin.listKeys({ accountId: a.id });
      app.print(
        cmd,
        { ...a, keys },
        () =>
          accountText(a) +
          (keys.length
            ? `\nKeys\n${table(keys.map(keyLine), ['id', 'label', 'prefix', 'status', 'expires', 'rules', 'last used'])}`
            : '\nNo keys yet.\n'),
      );
    });

  partner
    .command('update')
    .description('change an account')
    .argument('<id>', 'account id')
    .option('--name <name>')
    .option('--email <email>')
    .option('--company <company>')
    .option('--status <status>', 'active, onboarding or suspended')
    .option('--notes <text>')
    .option('--timezone <tz>')
    .option('--currency <code>')
    .option('--sees-all', 'employees: may read every partner’s data')
    .option('--partners <ids>', 'employees: the partner ids they may read')
    .action(async (id: string, o: AccountFlags, cmd: Command) => {
      const a = await (
        await app.admin(cmd)
      ).updateAccount({
        id: parseId(id, 'id'),
        ...(o.name !== undefined && { name: o.name }),
        ...accountFields(o),
      });
      app.print(cmd, a, () => `Updated #${a.id} ${a.name}.\n${accountText(a)}`);
    });

  const offer = program.command('offer').description('offers partners promote');
  offer
    .command('add')
    .description('add an offer')
    .requiredOption('--name <name>')
    .requiredOption('--payout <amount>', 'default payout, e.g. 12.50')
    .option('--currency <code>', 'ISO 4217 currency', 'USD')
    .option('--status <status>', 'active, paused or archived', 'active')
    .action(
      (
        o: { name: string; payout: string; currency: string; status: OfferStatus },
        cmd: Command,
      ) => {
        const created = app.core(cmd).offers.create({
          name: o.name,
          status: o.status,
          currency: o.currency,
          defaultPayout: parseMoney(o.payout, o.currency, '--payout'),
        });
        app.print(cmd, created, () => `Added offer #${created.id} ${created.name}.\n`);
      },
    );
  offer
    .command('update')
    .description('rename, re-price, pause or archive an offer (its currency stays)')
    .argument('<id>', 'offer id')
    .option('--name <name>')
    .option('--payout <amount>', 'default payout for new conversions, e.g. 12.50')
    .option('--status <status>', 'active, paused or archived')
    .action(
      (id: string, o: { name?: string; payout?: string; status?: OfferStatus }, cmd: Command) => {
        const core = app.core(cmd);
        const offerId = parseId(id, 'id');
        const current = core.offers.get(offerId);
        const updated = core.offers.update({
          id: offerId,
          ...(o.name !== undefined && { name: o.name }),
          ...(o.status !== undefined && { status: o.status }),
          ...(o.payout !== undefined && {
            defaultPayout: parseMoney(o.payout, current.currency, '--payout'),
          }),
        });
        app.print(
          cmd,
          updated,
          () =>
            `Offer #${updated.id} ${updated.name}: ${updated.status}, ${formatMoney(updated.defaultPayout, updated.currency)}.\n`,
        );
      },
    );
  offer
    .command('list')
    .description('list offers')
    .option('--status <status>', 'active, paused or archived')
    .action((o: { status?: OfferStatus }, cmd: Command) => {
      const list = app.core(cmd).offers.list(o.status);
      app.print(cmd, list, () =>
        list.length
          ? table(
              list.map((x) => ({
                id: x.id,
                name: x.name,
                status: x.status,
                payout: formatMoney(x.defaultPayout, x.currency),
              })),
              ['id', 'name', 'status', 'payout'],
            )
          : 'No offers.\n',
      );
    });
}
