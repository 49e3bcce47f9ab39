/**
 * Every method of the admin contract, called through the one dispatcher every transport uses,
 * on a real core: the table below must name each method (a method added to the contract
 * without a case here fails to compile and fails this test). The dispatcher's own rules follow:
 * the permission hook, the audit context, and the error shape.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_METHODS,
  type AdminInput,
  type AdminMethod,
  type AdminOutput,
} from '../../shared/admin-contract.ts';
import { forbidden } from '../../shared/errors.ts';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { createAdminDispatch } from '../../main/admin/handlers.ts';
import type { AdminCaller, AdminDispatch } from '../../main/admin/dispatch.ts';
import { Secret, TOTP } from 'otpauth';
import { openCore, type Core } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string;
let core: Core;
let listener: ListenerController;
let dispatch: AdminDispatch;

async function call<M extends AdminMethod>(
  method: M,
  input: AdminInput<M>,
): Promise<AdminOutput<M>> {
  const a = await dispatch(method, input);
  if (!a.ok) throw new Error(`${method}: ${a.error.code}: ${a.error.message}`);
  return a.result as AdminOutput<M>;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pg-dispatch-'));
  core = openCore({
    dataDir: dir,
    actor: 'desktop:ann',
    secretBox: masterKeyBox(Buffer.alloc(32, 5)),
    settings: memorySettingsStore({
      listener: { host: '127.0.0.1', port: 0, startOnLaunch: false, trustedProxies: [] },
    }),
  });
  listener = new ListenerController(core);
  dispatch = createAdminDispatch(core, listener);
});
afterAll(async () => {
  await listener.stop();
  core.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The state the cases build up as they run, in this order. */
const s = {
  partner: 0,
  employee: 0,
  offer: 0,
  key: 0,
  rotated: 0,
  rule: 0,
  report: 0,
  upload: '',
  job: '',
  source: 0,
  user: 0,
  totpSecret: '',
  token: 0,
};

/** The invited person, signed in (as the admin listener would name them). */
const person = () => ({ user: { id: s.user, role: 'manager' as const, partners: [s.partner] } });
async function callAs<M extends AdminMethod>(
  caller: AdminCaller,
  method: M,
  input: AdminInput<M>,
): Promise<AdminOutput<M>> {
  const a = await dispatch(method, input, caller);
  if (!a.ok) throw new Error(`${method}: ${a.error.code}: ${a.error.message}`);
  return a.result as AdminOutput<M>;
}

/** One case per method: call it through the dispatcher and check what came back. */
const CASES: { [M in AdminMethod]: () => Promise<void> } = {
  createAccount: async () => {
    const a = await call('createAccount', { kind: 'affiliate', name: 'Atlas Media' });
    expect(a).toMatchObject({ kind: 'affiliate', name: 'Atlas Media', status: 'active' });
    s.partner = a.id;
    s.employee = (
      await call('createAccount', {
        kind: 'employee',
        name: 'Sam',
        employeeAccess: 'assigned',
        assignedPartnerIds: [a.id],
      })
    ).id;
  },
  updateAccount: async () => {
    expect(await call('updateAccount', { id: s.partner, notes: 'net 30' })).toMatchObject({
      notes: 'net 30',
    });
  },
  getAccount: async () => {
    expect((await call('getAccount', { id: s.partner })).name).toBe('Atlas Media');
  },
  listAccounts: async () => {
    expect((await call('listAccounts', {})).map((a) => a.name).sort()).toEqual([
      'Atlas Media',
      'Sam',
    ]);
  },
  createOffer: async () => {
    const o = await call('createOffer', { name: 'VPN', defaultPayout: 1250, currency: 'EUR' });
    expect(o).toMatchObject({ name: 'VPN', currency: 'EUR', defaultPayout: 1250 });
    s.offer = o.id;
  },
  updateOffer: async () => {
    const o = await call('updateOffer', { id: s.offer, defaultPayout: 1500, status: 'paused' });
    expect(o).toMatchObject({ defaultPayout: 1500, status: 'paused', currency: 'EUR' });
    await call('updateOffer', { id: s.offer, status: 'active' });
    expect(await dispatch('updateOffer', { id: s.offer, currency: 'USD' })).toMatchObject({
      ok: true,
      result: { currency: 'EUR' },
    });
  },
  listOffers: async () => {
    expect((await call('listOffers', {})).map((o) => o.id)).toEqual([s.offer]);
  },
  issueKey: async () => {
    const k = await call('issueKey', {
      accountId: s.partner,
      label: 'BI',
      scopes: ['reports:read'],
      expiresAt: Date.now() + 86_400_000 * 30,
    });
    expect(k.secret).toMatch(/^pgk_/);
    s.key = k.key.id;
  },
  getKey: async () => {
    expect((await call('getKey', { id: s.key })).label).toBe('BI');
  },
  listKeys: async () => {
    expect((await call('listKeys', { accountId: s.partner })).map((k) => k.id)).toEqual([s.key]);
  },
  exportKeys: async () => {
    const rows = await call('exportKeys', { ids: [s.key] });
    expect(rows).toEqual([
      expect.objectContaining({ id: s.key, partner_id: s.partner, scopes: ['reports:read'] }),
    ]);
    expect(await call('exportKeys', { ids: [] })).toEqual([]);
  },
  revealKey: async () => {
    expect((await call('revealKey', { id: s.key })).secret).toMatch(/^pgk_/);
  },
  updateKey: async () => {
    expect(
      await call('updateKey', { id: s.key, label: 'BI warehouse', allowQueryAuth: true }),
    ).toMatchObject({ label: 'BI warehouse', allowQueryAuth: true });
  },
  extendKey: async () => {
    const at = Date.now() + 86_400_000 * 60;
    expect((await call('extendKey', { id: s.key, expiresAt: at })).expiresAt).toBe(at);
  },
  addRule: async () => {
    const { rule } = await call('addRule', { keyId: s.key, kind: 'cidr', cidr: '10.0.0.0/24' });
    expect(rule).toMatchObject({ text: '10.0.0.0/24', family: 4 });
    s.rule = rule.id;
  },
  listRules: async () => {
    expect((await call('listRules', { keyId: s.key })).rules.map((r) => r.id)).toEqual([s.rule]);
  },
  checkAddress: async () => {
    expect(await call('checkAddress', { keyId: s.key, address: '10.0.0.7' })).toMatchObject({
      allowed: true,
    });
  },
  refusedAddresses: async () => {
    expect(await call('refusedAddresses', { keyId: s.key, days: 7 })).toEqual([]);
  },
  removeRule: async () => {
    expect((await call('removeRule', { id: s.rule })).id).toBe(s.rule);
    expect((await call('getKey', { id: s.key })).ipRuleCount).toBe(0);
  },
  keyHandout: async () => {
    const md = await call('keyHandout', { id: s.key, format: 'md' });
    expect(md).toMatchObject({ contentType: 'text/markdown; charset=utf-8' });
    expect(md.filename).toMatch(/^partnergate-atlas-media-key-\d+\.md$/);
    const text = Buffer.from(md.base64, 'base64').toString();
    expect(text).toContain('# Partnergate API — Atlas Media');
    // The whitelist's only rule was removed above: the partner is told before they try.
    expect(text).toContain('No address is allowed for this key yet');
    expect(text).toContain("export PARTNERGATE_KEY='paste your key here'");
  },
  keyHandoutWithKey: async () => {
    const { secret } = await call('revealKey', { id: s.key });
    const pdf = await call('keyHandoutWithKey', { id: s.key, format: 'pdf' });
    expect(pdf.contentType).toBe('application/pdf');
    expect(Buffer.from(pdf.base64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    const html = await call('keyHandoutWithKey', { id: s.key, format: 'html' });
    expect(Buffer.from(html.base64, 'base64').toString()).toContain(secret);
  },
  setHandoutLink: async () => {
    const on = await call('setHandoutLink', { id: s.key, enabled: true });
    expect(on.enabled).toBe(true);
    expect(on.urls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/handout\/[\w-]{32}$/);
    // Asking again keeps the link that was handed out.
    expect(await call('setHandoutLink', { id: s.key, enabled: true })).toEqual(on);
  },
  handoutLink: async () => {
    const on = await call('handoutLink', { id: s.key });
    expect(on.enabled).toBe(true);
    expect(await call('setHandoutLink', { id: s.key, enabled: false })).toEqual({
      keyId: s.key,
      enabled: false,
      urls: [],
    });
    const again = await call('setHandoutLink', { id: s.key, enabled: true });
    // Turned on again, it is a new link: the old one stays dead.
    expect(again.urls[0]).not.toBe(on.urls[0]);
  },
  rotateKey: async () => {
    const r = await call('rotateKey', { id: s.key, graceMs: 3_600_000 });
    expect(r.key.rotatedFromKeyId).toBe(s.key);
    expect((await call('getKey', { id: s.key })).replacedByKeyId).toBe(r.key.id);
    s.rotated = r.key.id;
  },
  revokeKey: async () => {
    expect(await call('revokeKey', { id: s.rotated, reason: 'left' })).toMatchObject({
      status: 'revoked',
      revokedReason: 'left',
    });
  },
  createReport: async () => {
    const r = await call('createReport', {
      name: 'Daily',
      dataset: 'performance',
      columns: ['day', 'clicks', 'payout'],
      audience: { kind: 'accounts', accountIds: [s.employee] },
    });
    expect(r.audience).toEqual({ kind: 'accounts', accountIds: [s.employee] });
    s.report = r.id;
  },
  updateReport: async () => {
    expect((await call('updateReport', { id: s.report, name: 'Daily totals' })).name).toBe(
      'Daily totals',
    );
  },
  getReport: async () => {
    expect((await call('getReport', { id: s.report })).name).toBe('Daily totals');
  },
  listReports: async () => {
    expect((await call('listReports', { accountId: s.employee })).map((r) => r.id)).toEqual([
      s.report,
    ]);
    expect(await call('listReports', { accountId: s.partner })).toEqual([]);
  },
  runReport: async () => {
    const r = await call('runReport', { reportId: s.report, accountId: s.employee });
    expect(r.columns.map((c) => c.id)).toEqual(['day', 'clicks', 'payout']);
    // Not shared with the partner: the same refusal the partner API gives.
    const refused = await dispatch('runReport', { reportId: s.report, accountId: s.partner });
    expect(refused).toMatchObject({ ok: false, status: 403, error: { code: 'report_not_shared' } });
  },
  previewReport: async () => {
    const r = await call('previewReport', {
      spec: { dataset: 'conversions', columns: ['status', 'conversions'] },
      accountId: s.partner,
    });
    expect(r.columns.map((c) => c.id)).toEqual(['status', 'conversions']);
  },
  deleteReport: async () => {
    expect(await call('deleteReport', { id: s.report })).toEqual({ id: s.report });
    expect(await dispatch('getReport', { id: s.report })).toMatchObject({
      ok: false,
      status: 404,
    });
  },
  listenerStatus: async () => {
    expect(await call('listenerStatus', {})).toMatchObject({ running: false });
  },
  configureListener: async () => {
    expect(await call('configureListener', { host: '127.0.0.1', port: 0 })).toMatchObject({
      running: false,
      host: '127.0.0.1',
    });
  },
  startListener: async () => {
    const st = await call('startListener', {});
    expect(st.running).toBe(true);
    expect(st.port).toBeGreaterThan(0);
  },
  probeApi: async () => {
    const st = await call('listenerStatus', {});
    const p = await call('probeApi', {
      url: `http://127.0.0.1:${st.port}/api/v1/me`,
      keyId: s.key,
    });
    // The key's whitelist is empty: the listener refuses it, and the panel shows that answer.
    expect(p).toMatchObject({ status: 403, error: null });
    expect(p.body).toContain('ip_not_allowed');
    // Only this listener's own addresses: the admin side is nobody's proxy.
    const elsewhere = await dispatch('probeApi', {
      url: 'http://169.254.169.254/api/v1/me',
      keyId: s.key,
    });
    expect(elsewhere).toMatchObject({ ok: false, error: { code: 'not_the_listener' } });
  },
  stopListener: async () => {
    expect(await call('stopListener', {})).toMatchObject({ running: false });
  },
  dashboard: async () => {
    const d = await call('dashboard', { days: 2 });
    // The probe above was one refused call.
    expect(d.totals).toMatchObject({ requests: 1, errors: 1, refusedAddresses: 1 });
    expect(d.series.reduce((n, p) => n + p.errors, 0)).toBe(1);
  },
  listAudit: async () => {
    const entries = await call('listAudit', { limit: 100 });
    expect(entries.map((e) => e.action)).toContain('key.rotate');
    expect(new Set(entries.map((e) => e.actor))).toEqual(new Set(['desktop:ann']));
  },
  previewImport: async () => {
    const p = await call('previewImport', {
      dataset: 'clicks',
      head: 'Time,Partner,Offer\n2026-11-01T10:00:00Z,1,1\n',
    });
    expect(p.mapping).toEqual({ time: 'Time', partner_id: 'Partner', offer_id: 'Offer' });
  },
  startImport: async () => {
    const up = await core.imports.receive(
      Readable.from([
        `time,partner_id,offer_id\n`,
        `2026-11-01T10:00:00Z,${s.partner},${s.offer}\n`,
      ]),
      'c.csv',
    );
    const job = await call('startImport', { dataset: 'clicks', upload: up.uploadId });
    expect(job).toMatchObject({ state: 'running', fileName: 'c.csv' });
    s.job = job.id;
  },
  importStatus: async () => {
    let job = await call('importStatus', { id: s.job });
    while (job.state === 'running') {
      await new Promise((r) => setTimeout(r, 20));
      job = await call('importStatus', { id: s.job });
    }
    expect(job).toMatchObject({ state: 'done', result: { imported: 1, committed: true } });
  },
  getSettings: async () => {
    expect((await call('getSettings', {})).keys.secretPolicy).toBe('reshow');
  },
  updateSettings: async () => {
    const after = await call('updateSettings', { theme: 'dark', defaultExpiryDays: 30 });
    expect(after).toMatchObject({ theme: 'dark', keys: { defaultExpiryDays: 30 } });
  },
  about: async () => {
    expect(await call('about', {})).toEqual({ version: '0.1.0', dataDir: dir, demo: null });
  },
  secretStorage: async () => {
    expect(await call('secretStorage', {})).toMatchObject({ retains: true });
  },
  addSource: async () => {
    const folder = join(dir, 'drop');
    const src = await call('addSource', {
      name: 'Tracker drop',
      ids: 'mapped',
      config: { kind: 'folder', folder, settleSeconds: 1 },
    });
    expect(src).toMatchObject({ kind: 'folder', dataset: 'conversions', paused: false });
    s.source = src.id;
    expect(await dispatch('addSource', { name: 'tracker DROP', config: src.config })).toMatchObject(
      {
        ok: false,
        status: 409,
        error: { code: 'source_name_taken' },
      },
    );
  },
  listSources: async () => {
    expect((await call('listSources', {})).map((x) => x.name)).toEqual(['Tracker drop']);
  },
  updateSource: async () => {
    expect(await call('updateSource', { id: s.source, schedule: '*/5 * * * *' })).toMatchObject({
      schedule: '*/5 * * * *',
    });
  },
  runSource: async () => {
    const folder = join(dir, 'drop');
    mkdirSync(folder, { recursive: true });
    const file = join(folder, 'one.csv');
    writeFileSync(
      file,
      'time,partner_id,offer_id,status,payout,transaction_id\n2026-11-20T10:00:00Z,A1,O1,approved,2,D-1\n',
    );
    utimesSync(file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(await call('runSource', { id: s.source })).toMatchObject({ state: 'running' });
    await core.sources.idle();
  },
  getSource: async () => {
    const d = await call('getSource', { id: s.source });
    expect(d.runs[0]).toMatchObject({ state: 'ok', held: 1, files: 1 });
    expect(d.held).toEqual([
      expect.objectContaining({ externalPartner: 'A1', externalOffer: 'O1' }),
    ]);
  },
  mapSourceId: async () => {
    await call('mapSourceId', {
      sourceId: s.source,
      kind: 'offer',
      externalId: 'O1',
      localId: s.offer,
    });
    const r = await call('mapSourceId', {
      sourceId: s.source,
      kind: 'partner',
      externalId: 'A1',
      localId: s.partner,
    });
    expect(r.released).toMatchObject({ trigger: 'release', created: 1 });
    expect(
      await dispatch('mapSourceId', {
        sourceId: s.source,
        kind: 'partner',
        externalId: 'X',
        localId: s.employee,
      }),
    ).toMatchObject({ ok: false, error: { code: 'not_a_partner' } });
  },
  unmapSourceId: async () => {
    expect(
      await call('unmapSourceId', { sourceId: s.source, kind: 'partner', externalId: 'A1' }),
    ).toEqual({ removed: true });
  },
  pauseSource: async () => {
    expect(await call('pauseSource', { id: s.source })).toMatchObject({
      paused: true,
      nextRunAt: null,
    });
  },
  resumeSource: async () => {
    expect(await call('resumeSource', { id: s.source })).toMatchObject({ paused: false });
  },
  removeSource: async () => {
    expect(await call('removeSource', { id: s.source })).toEqual({ id: s.source });
    expect(await call('listSources', {})).toEqual([]);
  },
  inviteUser: async () => {
    const r = await call('inviteUser', { email: 'mia@example.com', name: 'Mia', role: 'viewer' });
    expect(r.user).toMatchObject({ email: 'mia@example.com', role: 'viewer', pending: true });
    expect(r.token.length).toBeGreaterThan(30);
    s.user = r.user.id;
  },
  listUsers: async () => {
    expect((await call('listUsers', {})).map((u) => u.email)).toEqual(['mia@example.com']);
  },
  updateUser: async () => {
    expect(
      await call('updateUser', { id: s.user, role: 'manager', partnerIds: [s.partner] }),
    ).toMatchObject({ role: 'manager', allPartners: false, partnerIds: [s.partner] });
  },
  userSessions: async () => {
    expect(await call('userSessions', { id: s.user })).toEqual([]);
  },
  endUserSessions: async () => {
    expect(await call('endUserSessions', { id: s.user })).toEqual({ ended: 0 });
  },
  userSetupLink: async () => {
    expect((await call('userSetupLink', { id: s.user })).token.length).toBeGreaterThan(30);
  },
  whoAmI: async () => {
    const alone = await call('whoAmI', {});
    expect(alone.user).toBeNull();
    expect(alone.permissions).toContain('users:manage');
    const mia = await callAs(person(), 'whoAmI', {});
    expect(mia.user?.email).toBe('mia@example.com');
    expect(mia.permissions).toContain('keys:write');
    expect(mia.permissions).not.toContain('users:manage');
  },
  beginTwoFactor: async () => {
    expect(await dispatch('beginTwoFactor', {})).toMatchObject({
      ok: false,
      error: { code: 'no_people' },
    });
    const r = await callAs(person(), 'beginTwoFactor', {});
    expect(r.uri).toMatch(/^otpauth:\/\/totp\/Partnergate:mia%40example\.com\?/);
    s.totpSecret = r.secret;
  },
  confirmTwoFactor: async () => {
    const code = new TOTP({ secret: Secret.fromBase32(s.totpSecret) }).generate();
    expect(await callAs(person(), 'confirmTwoFactor', { code })).toMatchObject({
      twoFactor: true,
    });
  },
  resetTwoFactor: async () => {
    expect(await call('resetTwoFactor', { id: s.user })).toMatchObject({ twoFactor: false });
  },
  disableTwoFactor: async () => {
    expect(await callAs(person(), 'disableTwoFactor', {})).toMatchObject({ twoFactor: false });
  },
  createToken: async () => {
    const r = await callAs(person(), 'createToken', { name: 'nightly script' });
    expect(r.secret).toMatch(/^pgu_/);
    expect(r.token).toMatchObject({ name: 'nightly script', status: 'active' });
    s.token = r.token.id;
  },
  listTokens: async () => {
    expect((await callAs(person(), 'listTokens', {})).map((t) => t.name)).toEqual([
      'nightly script',
    ]);
  },
  revokeToken: async () => {
    expect(await callAs(person(), 'revokeToken', { id: s.token })).toMatchObject({
      status: 'revoked',
    });
  },
  removeUser: async () => {
    expect(await call('removeUser', { id: s.user })).toEqual({ id: s.user });
  },
};

describe('the admin contract through its dispatcher', () => {
  it('has a case for every method', () => {
    expect(Object.keys(CASES).sort()).toEqual([...ADMIN_METHODS].sort());
  });

  for (const method of Object.keys(CASES) as AdminMethod[])
    it(method, async () => {
      await CASES[method]();
    });
});

describe('the dispatcher', () => {
  it('refuses what the permission hook refuses, before the handler runs', async () => {
    const guarded = createAdminDispatch(core, listener, {
      authorize: (method, caller) => {
        if (method === 'revokeKey' && caller.actor !== 'owner')
          throw forbidden('permission_missing', 'Forbidden: revoking keys needs keys:revoke.');
      },
    });
    const before = (await call('getKey', { id: s.key })).status;
    expect(
      await guarded('revokeKey', { id: s.key, reason: 'x' }, { actor: 'viewer' }),
    ).toMatchObject({ ok: false, status: 403, error: { code: 'permission_missing' } });
    expect((await call('getKey', { id: s.key })).status).toBe(before);
  });

  it('checks the signed-in person’s role for every call, and names the permission a refusal lacks', async () => {
    const viewer = { user: { id: 7, role: 'viewer' as const } };
    const refused = await dispatch(
      'issueKey',
      { accountId: s.partner, label: 'not allowed', scopes: ['reports:read'] },
      viewer,
    );
    expect(refused).toMatchObject({
      ok: false,
      status: 403,
      error: { code: 'permission_missing' },
    });
    expect(!refused.ok && refused.error.message).toMatch(
      /^Forbidden: issuing, changing and revoking API keys and their whitelists needs the keys:write permission/,
    );
    expect((await call('listKeys', {})).some((k) => k.label === 'not allowed')).toBe(false);
    expect(await dispatch('listKeys', {}, viewer)).toMatchObject({ ok: true });
    expect(
      await dispatch(
        'updateSettings',
        { defaultExpiryDays: 30 },
        { user: { id: 8, role: 'manager' } },
      ),
    ).toMatchObject({ ok: false, status: 403 });
    // Without a signed-in person (the desktop app used alone), the machine's owner calls.
    expect(await dispatch('listKeys', {})).toMatchObject({ ok: true });
  });

  it('writes the caller to the audit log as the one who made the change', async () => {
    const a = await dispatch(
      'updateAccount',
      { id: s.partner, notes: 'by Bea' },
      { actor: 'web:bea' },
    );
    expect(a.ok).toBe(true);
    const last = (await call('listAudit', { limit: 1 }))[0]!;
    expect(last).toMatchObject({ action: 'account.update', actor: 'web:bea' });
  });

  it('answers unknown methods, bad input and hidden failures in the one error shape', async () => {
    expect(await dispatch('constructor', {})).toMatchObject({ ok: false, status: 404 });
    expect(await dispatch('getKey', { id: 'x' })).toMatchObject({
      ok: false,
      status: 400,
      error: { code: 'invalid_input', details: [{ field: 'id' }] },
    });
    const logged: unknown[] = [];
    const failing = createAdminDispatch(core, listener, {
      log: (e) => logged.push(e),
      decorate: (h) => ({
        ...h,
        listOffers: () => {
          throw new Error('disk on fire');
        },
      }),
    });
    const r = await failing('listOffers', {});
    expect(r).toMatchObject({ ok: false, status: 500, error: { code: 'internal_error' } });
    expect(JSON.stringify(r)).not.toContain('disk on fire');
    expect(logged).toHaveLength(1);
  });
});
