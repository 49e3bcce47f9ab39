/**
 * The feature stores against a scripted bridge: what each action asks the core for, what it
 * keeps, and what it does when the core says no.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AdminApi } from '../../../shared/admin-contract.ts';
import type { Account, IpRule, WhitelistReport } from '../../../shared/schemas.ts';
import { apiKey } from '../stores/keys.fixture.ts';

const calls: { method: string; input: unknown }[] = [];
const answers = new Map<string, (input: never) => unknown>();

// The stores reach the core only through window.api; here it is a recording fake.
vi.stubGlobal('window', {
  api: new Proxy({} as AdminApi, {
    get: (_t, method: string) => (input: unknown) => {
      calls.push({ method, input });
      const answer = answers.get(method);
      if (!answer) return Promise.reject(new Error(`no answer scripted for ${method}`));
      try {
        return Promise.resolve(answer(input as never));
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
  }),
});

const { keysOf, useKeys } = await import('../stores/keys.ts');
const { useWhitelist, ruleInput } = await import('./keys/whitelist-store.ts');
const { useReports, emptyDraft } = await import('./reports/store.ts');
const { filterAccounts } = await import('./partners/store.ts');
const { useImport } = await import('./import/store.ts');

const key = apiKey;

beforeEach(() => {
  calls.length = 0;
  answers.clear();
});

describe('keys store', () => {
  it('keeps a just-issued secret for the one-time dialog and the API panel, and forgets the dialog on dismiss', async () => {
    answers.set('issueKey', () => ({ key: key({ id: 3 }), secret: 'pgk_secret' }));
    await useKeys.getState().issue({ accountId: 7, label: 'BI', scopes: ['reports:read'] });
    expect(calls).toEqual([
      { method: 'issueKey', input: { accountId: 7, label: 'BI', scopes: ['reports:read'] } },
    ]);
    expect(useKeys.getState().issued?.secret).toBe('pgk_secret');
    expect(useKeys.getState().revealed[3]).toBe('pgk_secret');
    expect(keysOf(useKeys.getState().keys, 7).map((k) => k.id)).toContain(3);
    useKeys.getState().dismissIssued();
    expect(useKeys.getState().issued).toBeNull();
  });

  it('replaces a revoked key in place, and leaves the list alone when the core refuses', async () => {
    useKeys.setState({ keys: [key({ id: 1 }), key({ id: 2 })] });
    answers.set('revokeKey', () => key({ id: 2, status: 'revoked', revokedReason: 'leak' }));
    await useKeys.getState().revoke(2, 'leak');
    expect(keysOf(useKeys.getState().keys, 7).map((k) => k.status)).toEqual(['active', 'revoked']);
    answers.set('extendKey', () => {
      throw new Error('Key 2 was revoked; a revoked key cannot be extended.');
    });
    await expect(useKeys.getState().extend(2, 'never')).rejects.toThrow(/cannot be extended/);
    expect(keysOf(useKeys.getState().keys, 7).map((k) => k.status)).toEqual(['active', 'revoked']);
  });
});

describe('whitelist store', () => {
  const rule: IpRule = {
    id: 9,
    keyId: 1,
    kind: 'cidr',
    family: 6,
    text: '2001:db8::/32',
    start: '2001:db8::',
    end: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff',
    note: 'office',
    openToEveryAddress: false,
    createdAt: 0,
    createdBy: 't',
  };
  const report = (rules: IpRule[]): WhitelistReport => ({
    rules,
    overlaps: [],
    openToEveryAddress: false,
    empty: rules.length === 0,
  });

  it('deletes a rule and puts it back with Undo; the key’s rule count follows', async () => {
    let rules = [rule];
    useKeys.setState({ keys: [key({ id: 1, ipRuleCount: 1 })] });
    answers.set('getKey', () => key({ id: 1, ipRuleCount: rules.length }));
    const ruleCount = () => useKeys.getState().keys.find((k) => k.id === 1)!.ipRuleCount;
    answers.set('listRules', () => report(rules));
    answers.set('refusedAddresses', () => []);
    answers.set('removeRule', () => ((rules = []), rule));
    answers.set(
      'addRule',
      (i: { cidr: string }) => (
        (rules = [{ ...rule, id: 10, text: i.cidr }]),
        { rule: rules[0], warnings: [] }
      ),
    );
    await useWhitelist.getState().remove(rule);
    expect(useWhitelist.getState().byKey[1]!.empty).toBe(true);
    expect(ruleCount()).toBe(0);
    await useWhitelist.getState().undo();
    expect(calls.find((c) => c.method === 'addRule')!.input).toEqual({
      keyId: 1,
      kind: 'cidr',
      cidr: '2001:db8::/32',
      note: 'office',
    });
    expect(useWhitelist.getState().byKey[1]!.rules.map((r) => r.text)).toEqual(['2001:db8::/32']);
    expect(useWhitelist.getState().lastRemoved).toBeNull();
    expect(ruleCount()).toBe(1);
  });

  it('turns rule text back into input of the right kind', () => {
    expect(ruleInput(1, '10.0.0.1')).toEqual({ keyId: 1, kind: 'single', address: '10.0.0.1' });
    expect(ruleInput(1, '10.0.0.1-10.0.0.9')).toEqual({
      keyId: 1,
      kind: 'range',
      from: '10.0.0.1',
      to: '10.0.0.9',
    });
    expect(ruleInput(1, '10.0.0.0/8', 'vpn')).toEqual({
      keyId: 1,
      kind: 'cidr',
      cidr: '10.0.0.0/8',
      note: 'vpn',
    });
  });
});

describe('reports store', () => {
  it('keeps the draft when saving fails, and shows why a preview failed', async () => {
    useReports.setState({
      draft: { ...emptyDraft(), name: 'Margin', columns: ['day', 'revenue'] },
      dirty: true,
    });
    answers.set('createReport', () => {
      throw new Error('revenue (Revenue) is network data that partner accounts may not see');
    });
    await expect(useReports.getState().save()).rejects.toThrow(/network data/);
    expect(useReports.getState().draft).toMatchObject({
      name: 'Margin',
      columns: ['day', 'revenue'],
    });
    expect(useReports.getState().dirty).toBe(true);
    answers.set('previewReport', () => {
      throw new Error('The date range ends before it starts.');
    });
    await useReports.getState().runPreview(7, '2026-11-10', '2026-11-01');
    expect(useReports.getState()).toMatchObject({
      preview: null,
      previewing: false,
      previewError: 'The date range ends before it starts.',
    });
    const input = calls.find((c) => c.method === 'previewReport')!.input as Record<string, unknown>;
    expect(input).toMatchObject({
      accountId: 7,
      from: '2026-11-10',
      to: '2026-11-01',
      spec: { dataset: 'performance', columns: ['day', 'revenue'] },
    });
    expect(input.spec).not.toHaveProperty('name');
  });
});

describe('partners filter', () => {
  const account = (id: number, over: Partial<Account> = {}): Account => ({
    id,
    kind: 'affiliate',
    name: `Partner ${id}`,
    email: `p${id}@x.example`,
    company: null,
    status: 'active',
    notes: '',
    timezone: 'UTC',
    currency: 'USD',
    employeeAccess: null,
    assignedPartnerIds: [],
    createdAt: 0,
    updatedAt: 0,
    ...over,
  });

  it('filters by text, kind, status, keys and expiring keys, fast enough for thousands of accounts', () => {
    const now = Date.UTC(2026, 10, 21);
    const accounts = Array.from({ length: 5000 }, (_, i) =>
      account(i + 1, {
        kind: i % 3 === 0 ? 'ib' : 'affiliate',
        status: i % 10 === 0 ? 'suspended' : 'active',
      }),
    );
    const keys = [
      key({ accountId: 2, expiresAt: now + 5 * 86_400_000 }),
      key({ accountId: 4, expiresAt: null }),
      key({ accountId: 6, status: 'revoked' }),
    ];
    const f = {
      search: '',
      kind: '' as const,
      status: '' as const,
      hasKeys: false,
      expiringSoon: false,
    };
    expect(filterAccounts(accounts, keys, f, now)).toHaveLength(5000);
    expect(
      filterAccounts(accounts, keys, { ...f, hasKeys: true }, now).map((r) => r.account.id),
    ).toEqual([2, 4]);
    expect(
      filterAccounts(accounts, keys, { ...f, expiringSoon: true }, now).map((r) => r.account.id),
    ).toEqual([2]);
    expect(
      filterAccounts(accounts, keys, { ...f, search: 'partner 4999' }, now).map(
        (r) => r.account.id,
      ),
    ).toEqual([4999]);
    expect(
      filterAccounts(accounts, keys, { ...f, search: '17' }, now).map((r) => r.account.id),
    ).toContain(17);
    expect(
      filterAccounts(accounts, keys, { ...f, kind: 'ib', status: 'suspended' }, now).every(
        (r) => r.account.kind === 'ib' && r.account.status === 'suspended',
      ),
    ).toBe(true);
  });
});

describe('import store', () => {
  it('previews the head of the file, then follows the job until it is done', async () => {
    answers.set('previewImport', () => ({
      headers: ['time', 'partner_id'],
      mapping: { time: 'time' },
      missing: ['offer_id'],
      ignored: [],
      sample: [],
      fields: [],
    }));
    const file = {
      name: 'c.csv',
      slice: () => ({ text: () => Promise.resolve('time,partner_id\n') }),
    } as unknown as File;
    await useImport.getState().choose(file);
    expect(useImport.getState().mapping).toEqual({ time: 'time' });
    useImport.getState().map('offer_id', 'partner_id');
    let polls = 0;
    answers.set('uploadFile', (f: File) => {
      // The file itself goes to the bridge, never its text.
      expect(f).toBe(file);
      return { uploadId: 'up-1', bytes: 20 };
    });
    answers.set('startImport', () => ({
      id: 'j1',
      state: 'running',
      rowsRead: 0,
      bytesRead: 0,
      bytesTotal: 10,
      result: null,
      error: null,
      dataset: 'conversions',
    }));
    answers.set('importStatus', () =>
      ++polls < 2
        ? {
            id: 'j1',
            state: 'running',
            rowsRead: 1,
            bytesRead: 5,
            bytesTotal: 10,
            result: null,
            error: null,
          }
        : {
            id: 'j1',
            state: 'done',
            rowsRead: 1,
            bytesRead: 10,
            bytesTotal: 10,
            result: {
              rowsRead: 1,
              imported: 1,
              rejected: 0,
              committed: true,
              ignoredColumns: [],
              rejectsCsv: null,
            },
            error: null,
          },
    );
    await useImport.getState().start();
    expect(calls.find((c) => c.method === 'startImport')!.input).toMatchObject({
      dataset: 'conversions',
      upload: 'up-1',
      mapping: { time: 'time', offer_id: 'partner_id' },
      mode: 'all-or-nothing',
    });
    expect(useImport.getState().job).toMatchObject({ state: 'done', result: { imported: 1 } });
  });
});
