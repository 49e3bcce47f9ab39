/**
 * An account manager assigned some partners, calling through the one dispatcher every transport
 * uses: calls on their partners pass, calls reaching another partner (directly, through a key,
 * a whitelist rule or a report's audience) are refused naming the permission and the partner,
 * and lists hold their partners only. Owners, admins and managers on all partners are not
 * narrowed.
 */
import { describe, expect, it } from 'vitest';
import type { AdminInput, AdminMethod, AdminOutput } from '../../shared/admin-contract.ts';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { createAdminDispatch } from '../../main/admin/handlers.ts';
import type { AdminCaller } from '../../main/admin/dispatch.ts';
import { journalStatements } from '../../main/db/journal.ts';
import { storeOf, testClock, testCore } from '../helpers.ts';

async function setup() {
  const clock = testClock();
  const core = testCore({ clock });
  const dispatch = createAdminDispatch(core, new ListenerController(core));
  const acme = core.accounts.create({ name: 'Acme', kind: 'affiliate' });
  const beta = core.accounts.create({ name: 'Beta', kind: 'affiliate' });
  const acmeKey = await core.keys.issue({
    accountId: acme.id,
    label: 'acme',
    scopes: ['reports:read'],
  });
  const betaKey = await core.keys.issue({
    accountId: beta.id,
    label: 'beta',
    scopes: ['reports:read'],
  });
  const betaRule = core.ipRules.add({
    keyId: betaKey.key.id,
    kind: 'cidr',
    cidr: '10.0.0.0/8',
  }).rule;
  const invited = core.users.invite({
    email: 'mia@example.com',
    name: 'Mia',
    role: 'manager',
    partnerIds: [acme.id],
  });
  const mia: AdminCaller = {
    actor: 'mia@example.com (10.1.1.1)',
    user: { id: invited.user.id, role: 'manager', partners: [acme.id] },
  };
  const as =
    (caller: AdminCaller) =>
    async <M extends AdminMethod>(method: M, input: AdminInput<M>) => {
      const a = await dispatch(method, input, caller);
      return a.ok
        ? { ok: true as const, result: a.result as AdminOutput<M> }
        : { ok: false as const, status: a.status, code: a.error.code, message: a.error.message };
    };
  return { clock, core, acme, beta, acmeKey, betaKey, betaRule, mia, as, miaId: invited.user.id };
}

describe('an account manager’s partners', () => {
  it('refuses a call on another partner, naming the permission and the partner', async () => {
    const { beta, as, mia } = await setup();
    const r = await as(mia)('issueKey', {
      accountId: beta.id,
      label: 'x',
      scopes: ['reports:read'],
    });
    expect(r).toMatchObject({ ok: false, status: 403, code: 'partner_not_assigned' });
    expect(!r.ok && r.message).toBe(
      'Forbidden: issuing, changing and revoking API keys and their whitelists for Beta needs the keys:write permission on that partner; you work on Acme.',
    );
  });

  it('reaches a partner through its keys, whitelist rules and reports', async () => {
    const { core, beta, betaKey, betaRule, as, mia } = await setup();
    const report = core.reports.create({
      name: 'Beta only',
      dataset: 'conversions',
      columns: ['day', 'conversions'],
      filters: [],
      audience: { kind: 'accounts', accountIds: [beta.id] },
    });
    const call = as(mia);
    const refused = [
      await call('getAccount', { id: beta.id }),
      await call('getKey', { id: betaKey.key.id }),
      await call('revokeKey', { id: betaKey.key.id, reason: 'no' }),
      await call('revealKey', { id: betaKey.key.id }),
      await call('addRule', { keyId: betaKey.key.id, kind: 'single', address: '1.2.3.4' }),
      await call('removeRule', { id: betaRule.id }),
      await call('listKeys', { accountId: beta.id }),
      await call('exportKeys', { ids: [betaKey.key.id] }),
      await call('runReport', { reportId: report.id, accountId: beta.id }),
      await call('deleteReport', { id: report.id }),
      await call('createReport', {
        name: 'Everyone',
        dataset: 'conversions',
        columns: ['day', 'conversions'],
        filters: [],
        audience: { kind: 'all' },
      }),
    ];
    for (const r of refused) expect(r).toMatchObject({ ok: false, code: 'partner_not_assigned' });
    expect(core.keys.get(betaKey.key.id).status).toBe('active');
    expect(core.ipRules.list(betaKey.key.id).rules).toHaveLength(1);
    expect(core.reports.get(report.id).name).toBe('Beta only');
  });

  it('lets them work on their own partners, and lists hold theirs only', async () => {
    const { clock, core, acme, acmeKey, as, mia, miaId } = await setup();
    const call = as(mia);
    const issued = await call('issueKey', {
      accountId: acme.id,
      label: 'second',
      scopes: ['reports:read'],
    });
    expect(issued.ok).toBe(true);
    expect((await call('revokeKey', { id: acmeKey.key.id, reason: 'rotated' })).ok).toBe(true);

    const accounts = await call('listAccounts', {});
    expect(accounts.ok && accounts.result.map((a) => a.name)).toEqual(['Acme']);
    const keys = await call('listKeys', {});
    expect(keys.ok && keys.result.map((k) => k.accountName)).toEqual(['Acme', 'Acme']);
    const exported = await call('exportKeys', {});
    expect(exported.ok && exported.result.map((k) => k.partner)).toEqual(['Acme', 'Acme']);
    clock.advance(40 * 24 * 3600_000);
    const dashboard = await call('dashboard', {});
    expect(dashboard.ok && dashboard.result.unused.map((k) => k.accountName)).toEqual(['Acme']);
    const everyone = await as({})('dashboard', {});
    expect(everyone.ok && everyone.result.unused.map((k) => k.accountName).sort()).toEqual([
      'Acme',
      'Beta',
    ]);

    // A partner they add is theirs to work on.
    const added = await call('createAccount', { name: 'Gamma', kind: 'affiliate' });
    expect(added.ok).toBe(true);
    expect(core.users.get(miaId).partnerIds).toEqual([acme.id, added.ok ? added.result.id : 0]);
  });

  it('counts their partners’ calls only on the dashboard, and shows their changes only in the audit log', async () => {
    const { clock, core, acme, beta, acmeKey, betaKey, as, mia, miaId } = await setup();
    const call = (keyId: number, accountId: number, n: number, status = 200) =>
      Array.from({ length: n }, (_, i) => ({
        at: clock.now() - 1000,
        requestId: `${keyId}-${status}-${i}`,
        keyId,
        accountId,
        ip: status === 403 ? `10.9.9.${i}` : '10.1.1.1',
        method: 'GET',
        route: '/api/v1/me',
        status,
        errorCode: status === 403 ? 'ip_not_allowed' : null,
        rows: 0,
        durationMs: 1,
        count: 1,
      }));
    journalStatements(storeOf(core)).writeBatch([
      ...call(acmeKey.key.id, acme.id, 3),
      ...call(betaKey.key.id, beta.id, 5),
      ...call(betaKey.key.id, beta.id, 2, 403),
    ]);
    const hers = await as(mia)('dashboard', {});
    expect(hers.ok && hers.result.totals).toEqual({
      requests: 3,
      errors: 0,
      rateLimited: 0,
      refusedAddresses: 0,
    });
    expect(hers.ok && hers.result.series.reduce((n, p) => n + p.requests, 0)).toBe(3);
    expect(hers.ok && hers.result.byPartner.map((p) => p.accountName)).toEqual(['Acme']);
    const all = await as({})('dashboard', {});
    expect(all.ok && all.result.totals).toMatchObject({ requests: 10, refusedAddresses: 2 });

    // The audit log: Acme's account and keys, offers, her own account; not Beta's.
    core.offers.create({ name: 'Spring', defaultPayout: 5 });
    const log = await as(mia)('listAudit', {});
    const seen = log.ok ? log.result.map((e) => `${e.action} ${e.entityType}:${e.entityId}`) : [];
    expect(seen).toContain(`account.create account:${acme.id}`);
    expect(seen).toContain(`key.issue key:${acmeKey.key.id}`);
    expect(seen).toContain(`user.invite user:${miaId}`);
    expect(seen.some((e) => e.startsWith('offer.create'))).toBe(true);
    expect(
      seen.filter((e) => e.includes(`account:${beta.id}`) || e.includes(`key:${betaKey.key.id}`)),
    ).toEqual([]);
    const everything = await as({})('listAudit', {});
    expect(everything.ok && everything.result.length).toBeGreaterThan(seen.length);
  });

  it('does not narrow owners, admins or a manager on all partners', async () => {
    const { beta, as, mia } = await setup();
    for (const user of [
      { id: 1, role: 'admin' as const },
      { id: mia.user!.id, role: 'manager' as const, partners: 'all' as const },
    ]) {
      const call = as({ user });
      expect((await call('getAccount', { id: beta.id })).ok).toBe(true);
      const all = await call('listAccounts', {});
      expect(all.ok && all.result).toHaveLength(2);
    }
  });
});
