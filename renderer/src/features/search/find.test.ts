import { describe, expect, it } from 'vitest';
import type { Account, ReportDefinition } from '../../../../shared/schemas.ts';
import { apiKey } from '../../stores/keys.fixture.ts';
import { findAll } from './find.ts';

const account = (id: number, name: string, o: Partial<Account> = {}) =>
  ({ id, name, kind: 'affiliate', email: null, company: null, ...o }) as Account;
const report = (id: number, name: string) =>
  ({ id, name, description: '', audience: { kind: 'all' } }) as ReportDefinition;

const data = {
  accounts: [
    account(1, 'Atlas Media', { email: 'reports@atlas.example' }),
    account(4, 'Delta Digital'),
    account(11, 'Delta Capital', { kind: 'ib' }),
    account(12, 'Iris Markets', { kind: 'ib' }),
  ],
  keys: [
    apiKey({
      id: 3,
      label: 'BI warehouse',
      displayPrefix: 'pgk_Ab12Cd',
      accountName: 'Atlas Media',
    }),
    apiKey({ id: 4, label: 'Sheets', displayPrefix: 'pgk_Zz99Yy', accountId: 12 }),
  ],
  reports: [report(1, 'Daily performance by offer'), report(3, 'Leads and deposits')],
};
const titles = (q: string) => findAll(q, data).map((f) => `${f.kind}:${f.title}`);

describe('the global search', () => {
  it('finds partners by name, email or id, word starts before the middle of a word', () => {
    expect(titles('delta')).toEqual(['partner:Delta Capital', 'partner:Delta Digital']);
    expect(titles('atlas.example')).toEqual(['partner:Atlas Media']);
    expect(titles('#12')).toEqual(['partner:Iris Markets']);
    expect(titles('ital')).toEqual(['partner:Delta Capital', 'partner:Delta Digital']);
  });
  it('finds keys by label, by the start of their prefix, and from a pasted key', () => {
    expect(titles('warehouse')).toEqual(['key:BI warehouse']);
    expect(titles('pgk_ab')).toEqual(['key:BI warehouse']);
    expect(titles('pgk_Zz99YyQWERTYUIOPASDFGHJKLZXCVBN_abcdef')).toEqual(['key:Sheets']);
    const key = findAll('sheets', data)[0]!;
    expect([key.page, key.pageId]).toEqual(['partners', 12]);
  });
  it('finds reports and opens them on the reports page', () => {
    const [r] = findAll('leads', data);
    expect([r!.kind, r!.page, r!.pageId]).toEqual(['report', 'reports', 3]);
    expect(titles('  ')).toEqual([]);
  });
});
