import { afterEach, describe, expect, it } from 'vitest';
import type { JournalEntry, JournalStatements } from '../../main/db/journal.ts';
import { RequestJournal } from '../../main/services/request-journal.ts';

const written: JournalEntry[][] = [];
const journals: RequestJournal[] = [];

function journal(): RequestJournal {
  const statements = {
    writeBatch(batch: readonly JournalEntry[]) {
      written.push(batch.map((e) => ({ ...e })));
      return true;
    },
  } as unknown as JournalStatements;
  const j = new RequestJournal(statements, { intervalMs: 3_600_000 });
  journals.push(j);
  return j;
}

afterEach(async () => {
  for (const j of journals.splice(0)) await j.close();
  written.length = 0;
});

const base = {
  at: 5_000,
  requestId: 'req_1',
  keyId: 1 as number | null,
  accountId: 1 as number | null,
  ip: '10.0.0.1',
  method: 'GET',
  route: '/api/v1/me',
  status: 200,
  errorCode: null as string | null,
  rows: 1,
  durationMs: 0.5,
};
type Call = typeof base;

const rows = () =>
  written
    .flat()
    .map((e) => [e.keyId, e.ip, e.method, e.route, e.status, e.errorCode, e.at, e.count, e.rows]);

describe('request journal', () => {
  it('folds a call into the entry of the same key, address, route, status, code and second', () => {
    const j = journal();
    const refused = { ...base, status: 403, errorCode: 'ip_not_allowed' };
    // Each pair differs in one thing only.
    const pairs: [Call, Call][] = [
      [base, { ...base, keyId: 2 }],
      [base, { ...base, ip: '10.0.0.2' }],
      [base, { ...base, method: 'HEAD' }],
      [base, { ...base, route: '/api/v1/offers' }],
      [base, { ...base, status: 201 }],
      [refused, { ...refused, errorCode: 'rate_limited' }],
      [base, { ...base, at: 6_000 }],
      [base, { ...base, at: 5_999 }],
    ];
    const calls = pairs.flatMap(([a, b]) => [a, b, b, a]);
    for (const c of calls) j.record({ ...c });
    j.flush();
    // The same calls folded by hand: one row per distinct key, address, … and second.
    const expected = new Map<string, unknown[]>();
    for (const c of calls) {
      const k = JSON.stringify([c.keyId, c.ip, c.method, c.route, c.status, c.errorCode]);
      const fold = `${k}@${Math.floor(c.at / 1000)}`;
      const row = expected.get(fold);
      if (row) {
        row[7] = (row[7] as number) + 1;
        row[8] = (row[8] as number) + c.rows;
      } else
        expected.set(fold, [c.keyId, c.ip, c.method, c.route, c.status, c.errorCode, c.at, 1, 1]);
    }
    expect(expected.size).toBe(9);
    expect(rows()).toEqual([...expected.values()]);
  });

  it('counts a call after a write in a new entry, never in one already written', () => {
    const j = journal();
    j.record({ ...base });
    j.record({ ...base });
    j.flush();
    j.record({ ...base });
    j.flush();
    expect(rows().map((r) => r.at(-2))).toEqual([2, 1]);
  });

  it('keeps a row for each failure a person may ask about', () => {
    const j = journal();
    for (let i = 0; i < 3; i++)
      j.record({ ...base, requestId: `req_${i}`, status: 400, errorCode: 'invalid_parameters' });
    j.flush();
    expect(written.flat().map((e) => [e.requestId, e.count])).toEqual([
      ['req_0', 1],
      ['req_1', 1],
      ['req_2', 1],
    ]);
  });
});
