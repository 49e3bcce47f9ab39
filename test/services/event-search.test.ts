import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { csvDocument, numeral } from '../../shared/csv.ts';
import { currencyDigits } from '../../shared/money.ts';
import type { Core } from '../../main/core.ts';
import type { Account } from '../../shared/schemas.ts';
import { BackgroundThreadStopped, startCheckpointer } from '../../main/db/checkpointer.ts';
import { storeOf, testCore } from '../helpers.ts';

describe('a conversion by its transaction id', () => {
  it('is the partner’s own; an employee seeing partners that share an id names the partner', () => {
    const core = testCore();
    const offer = core.offers.create({ name: 'VPN', defaultPayout: 1250 });
    const a = core.accounts.create({ kind: 'affiliate', name: 'A' });
    const b = core.accounts.create({ kind: 'affiliate', name: 'B' });
    const staff = core.accounts.create({ kind: 'employee', name: 'S', employeeAccess: 'all' });
    const onlyB = core.accounts.create({ kind: 'employee', name: 'T', assignedPartnerIds: [b.id] });
    core.postbacks.record(a, { transaction_id: 'order-1', offer_id: offer.id, payout: '3.5' });
    core.postbacks.record(b, { transaction_id: 'order-1', offer_id: offer.id, payout: '7' });

    expect(core.events.conversion(a, 'order-1')).toMatchObject({ payout: 3.5 });
    expect(core.events.conversion(b, 'order-1')).toMatchObject({ payout: 7 });
    // A partner never sees what the network earns.
    expect(core.events.conversion(a, 'order-1')).not.toHaveProperty('revenue');
    expect(core.events.conversion(a, 'order-1')).not.toHaveProperty('partner_id');
    expect(() => core.events.conversion(a, 'order-2')).toThrow(
      expect.objectContaining({
        code: 'not_found',
        message: expect.stringMatching(/"order-2"/) as unknown,
      }),
    );
    expect(() => core.events.conversion(a, 'order-1', [String(b.id)])).toThrow(
      /only for employee keys/,
    );

    expect(() => core.events.conversion(staff, 'order-1')).toThrow(
      expect.objectContaining({
        code: 'invalid_parameters',
        message: `Transaction id "order-1" is recorded for partners ${a.id}, ${b.id}; add partner= to pick one.`,
      }),
    );
    expect(core.events.conversion(staff, 'order-1', [String(b.id)])).toMatchObject({
      partner_id: b.id,
      revenue: expect.any(Number) as unknown,
    });
    // An employee reads only the partners assigned to it.
    expect(core.events.conversion(onlyB, 'order-1')).toMatchObject({ partner_id: b.id });
    expect(() => core.events.conversion(onlyB, 'order-1', [String(a.id)])).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
  });
});

describe('a page of rows', () => {
  it('names each row’s offer as it is named now, renamed in this process or another', () => {
    const core = testCore();
    const offer = core.offers.create({ name: 'VPN', defaultPayout: 1250 });
    const a = core.accounts.create({ kind: 'affiliate', name: 'A' });
    core.postbacks.record(a, { transaction_id: 'order-1', offer_id: offer.id, payout: '3.5' });
    const offerOfPage = () =>
      core.events.page(
        core.events.prepare({ table: 'conversions', account: a, filters: {}, limit: 10 }),
      ).rows[0]!.offer;
    expect(offerOfPage()).toBe('VPN');
    core.offers.update({ id: offer.id, name: 'VPN Pro' });
    expect(offerOfPage()).toBe('VPN Pro');
    // Another process (another connection) renames it: seen once SQLite's data version moves.
    storeOf(core).prepare('UPDATE offers SET name = ? WHERE id = ?').run('VPN Max', offer.id);
    const until = Date.now() + 2000;
    while (offerOfPage() !== 'VPN Max' && Date.now() < until)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    expect(offerOfPage()).toBe('VPN Max');
  });
});

describe('a streamed answer', () => {
  function setUp(o: Parameters<typeof testCore>[0] = {}) {
    const core = testCore(o);
    const offer = core.offers.create({ name: 'VPN, "Pro"', defaultPayout: 1250 });
    const a = core.accounts.create({ kind: 'affiliate', name: 'A' });
    const b = core.accounts.create({ kind: 'affiliate', name: 'B' });
    let n = 0;
    const record = (partner: typeof a, count: number) => {
      for (let i = 0; i < count; i++, n++)
        core.postbacks.record(partner, {
          transaction_id: `t-${n}`,
          offer_id: offer.id,
          payout: String(n % 7),
          sub1: n % 5 === 0 ? '=cmd' : `s${n}`,
          time: new Date(Date.UTC(2026, 9, 1 + (n % 20), n % 24)).toISOString(),
        });
    };
    // Interleaved, so the partner's ids are not one run.
    for (let i = 0; i < 10; i++) {
      record(a, 5);
      record(b, 2);
    }
    const search = (cursor?: string) =>
      core.events.prepare({
        table: 'conversions',
        account: a,
        from: '2026-10-01',
        to: '2026-10-31',
        timezone: 'UTC',
        filters: {},
        limit: 10_000,
        cursor,
      });
    return { core, a, b, record, search };
  }

  it('holds every row once, in id order, across parts and id windows, with rows arriving as it goes', async () => {
    const { core, a, b, record, search } = setUp();
    const texts: string[] = [];
    let counted = 0;
    let part = 0;
    for await (const p of core.events.stream(search(), 'csv', {
      header: true,
      partRows: 7,
      windowRows: 20,
    })) {
      texts.push(p.data.toString());
      counted += p.rows;
      // New rows land after every id already read: they come at the end, once.
      if (++part === 2) {
        record(a, 3);
        record(b, 1);
      }
    }
    const rows = parse<Record<string, string>>(texts.join(''), { columns: true });
    const paged = core.events.page(search()).rows;
    expect(paged).toHaveLength(53);
    expect(rows.map((r) => r.transaction_id)).toEqual(paged.map((r) => r.transaction_id));
    expect(counted).toBe(53);
    expect(rows.map((r) => Number(r.id))).toEqual(paged.map((r) => r.id));
    // A partner's stream has only what the partner may read, written safely.
    expect(Object.keys(rows[0]!)).not.toContain('revenue');
    expect(Object.keys(rows[0]!)).not.toContain('partner_id');
    expect(rows[0]!.offer).toBe('VPN, "Pro"');
    expect(rows.find((r) => r.transaction_id === 't-0')!.sub1).toBe("'=cmd");
    expect(rows[0]!.time).toBe(paged[0]!.time);
  });

  it('starts after a page’s cursor, and an empty answer is its header alone', async () => {
    const { core, search } = setUp();
    const first = core.events.page({ ...search(), limit: 12 });
    const rest = (
      await all(
        core.events.stream(search(first.nextCursor!), 'ndjson', {
          header: true,
          partRows: 5,
          windowRows: 9,
        }),
      )
    )
      .map((p) => p.data.toString())
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number });
    expect([...first.rows, ...rest].map((r) => r.id)).toEqual(
      core.events.page(search()).rows.map((r) => r.id),
    );
    const none = core.events.prepare({
      table: 'conversions',
      account: core.accounts.create({ kind: 'affiliate', name: 'C' }),
      filters: {},
      limit: 10,
    });
    const parts = await all(core.events.stream(none, 'csv', { header: true }));
    expect(parts.map((p) => ({ text: p.data.toString(), rows: p.rows }))).toEqual([
      { text: `${core.events.columns('conversions', none.account).join(',')}\r\n`, rows: 0 },
    ]);
  });

  it('writes long and non-ASCII cells whole, however far they outgrow a part’s first buffer', async () => {
    const { core, a, search } = setUp();
    const offer = core.offers.list('active')[0]!;
    const long = 'Жёлтый 😀 "ü", '.repeat(700);
    for (let i = 0; i < 3; i++)
      core.postbacks.record(a, {
        transaction_id: `long-${i}`,
        offer_id: offer.id,
        sub2: long,
        time: '2026-10-05T10:00:00Z',
      });
    const text = (await all(core.events.stream(search(), 'csv', { header: true, partRows: 4 })))
      .map((p) => p.data.toString())
      .join('');
    const rows = parse<Record<string, string>>(text, { columns: true });
    expect(rows.filter((r) => r.sub2 === long)).toHaveLength(3);
    expect(rows).toHaveLength(53);
  });

  describe('read on the database thread', () => {
    /** The database thread, its reads counted; the `n`th fails when `fail(n)` gives an error. */
    function thread(fail: (n: number) => Error | null = () => null) {
      const seen = { reads: 0 };
      const start: typeof startCheckpointer = (file, options) => {
        const real = startCheckpointer(file, { ...options, intervalMs: 50 });
        return {
          ...real,
          read: (r) => {
            const failure = fail(++seen.reads);
            return failure ? Promise.reject(failure) : real.read(r);
          },
        };
      };
      return { seen, start };
    }
    const options = { header: true, partRows: 7, windowRows: 20 };
    const text = async (parts: AsyncIterable<{ data: Buffer }>) =>
      (await all(parts)).map((p) => p.data.toString()).join('');

    it('is the same bytes as read on the core’s own connection, CSV and NDJSON', async () => {
      const { seen, start } = thread();
      const { core, search } = setUp({ startCheckpointer: start });
      const csv = await text(core.events.stream(search(), 'csv', options));
      const ndjson = await text(core.events.stream(search(), 'ndjson', options));
      expect(parse(csv, { columns: true })).toHaveLength(50);
      await core.checkpointInBackground().started;
      expect(await text(core.events.stream(search(), 'csv', options))).toBe(csv);
      // 50 rows in windows of 20: each full window's ids take two reads, the last one; then
      // the rows of each part of 7.
      expect(seen.reads).toBe(2 + 2 + 1 + 8);
      expect(await text(core.events.stream(search(), 'ndjson', options))).toBe(ndjson);
      expect(seen.reads).toBe(13 + 5);
    });

    it('goes on reading on the core’s own connection when the thread stops halfway', async () => {
      const { seen, start } = thread((n) =>
        n >= 4 ? new BackgroundThreadStopped('The database thread stopped.') : null,
      );
      const { core, search } = setUp({ startCheckpointer: start });
      const csv = await text(core.events.stream(search(), 'csv', options));
      await core.checkpointInBackground().started;
      expect(await text(core.events.stream(search(), 'csv', options))).toBe(csv);
      expect(seen.reads).toBeGreaterThan(4);
    });

    it('ends with a failed read’s error, and a stream left unread leaves no failure behind', async () => {
      const disk = () => Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_READ' });
      // A stream reads the ids, then asks for the first two parts' rows: the second part's fails.
      const failing = async () => {
        const { start } = thread((n) => (n === 3 ? disk() : null));
        const { core, search } = setUp({ startCheckpointer: start });
        await core.checkpointInBackground().started;
        return core.events.stream(search(), 'csv', { header: true, partRows: 7 });
      };
      await expect(text(await failing())).rejects.toMatchObject({ code: 'SQLITE_IOERR_READ' });
      // The reader stops after the first part, while the second's failed read is still asked for.
      const parts = await failing();
      const first = await parts.next();
      expect(first.value?.rows).toBe(7);
      await parts.return(undefined);
      // A failure nobody awaits would be reported as unhandled after this.
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
  });
});

/** Every part of a stream, in order. */
async function all<T>(parts: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of parts) out.push(p);
  return out;
}

/** Every row of October 2026 in `table` that `account` may read. */
function october(core: Core, table: 'clicks' | 'conversions', account: Account) {
  return core.events.prepare({
    table,
    account,
    from: '2026-10-01',
    to: '2026-10-31',
    timezone: 'UTC',
    filters: {},
    limit: 10_000,
  });
}

describe('a streamed CSV of clicks', () => {
  it('is byte for byte the rows its pages hold, written by the one writer, whatever the cells hold', async () => {
    const core = testCore();
    const offers = ['VPN, "Pro"', '=HYPERLINK("x")', 'Жёлтый'].map(
      (name) => core.offers.create({ name, defaultPayout: 100 }).id,
    );
    const a = core.accounts.create({ kind: 'affiliate', name: 'A' });
    const b = core.accounts.create({ kind: 'affiliate', name: 'B' });
    const staff = core.accounts.create({ kind: 'employee', name: 'S', employeeAccess: 'all' });
    const subs = [
      'fb_ads',
      '-5',
      '@x',
      'a,b',
      'say "hi"',
      'x\ny',
      'tab\t',
      ' lead',
      'trail ',
      'é',
      'wide\u3000',
      'c:\\d',
      '\x7f',
      null,
    ];
    const db = storeOf(core);
    const insert = db.prepare(
      'INSERT INTO clicks (ts, partner_id, offer_id, sub1, sub2, country, click_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const start = Date.UTC(2026, 9, 1);
    db.transaction(() => {
      for (let i = 0; i < 60; i++)
        insert.run(
          // Times that do not grow with the ids.
          start + ((i * 7919) % 60) * 3_600_000 + i,
          i % 4 === 3 ? b.id : a.id,
          offers[i % offers.length],
          subs[i % subs.length],
          i % 5 === 0 ? subs[(i * 3) % subs.length] : `s${i}`,
          i % 2 ? 'DE' : null,
          `c-${i}`,
        );
    })();
    for (const account of [a, staff]) {
      const search = october(core, 'clicks', account);
      const columns = core.events.columns('clicks', account);
      const paged = core.events.page(search).rows;
      expect(paged).toHaveLength(account === a ? 45 : 60);
      let counted = 0;
      const text = (
        await all(core.events.stream(search, 'csv', { header: true, partRows: 7, windowRows: 20 }))
      )
        .map((p) => {
          counted += p.rows;
          return p.data.toString();
        })
        .join('');
      expect(text).toBe(
        csvDocument(
          columns,
          paged.map((r) => columns.map((c) => r[c])),
        ),
      );
      expect(counted).toBe(paged.length);
    }
  });

  it('writes conversions’ money with each row’s currency digits, as its pages hold it', async () => {
    const core = testCore();
    const usd = core.offers.create({ name: 'VPN, "Pro"', defaultPayout: 1250 });
    const jpy = core.offers.create({ name: '=Yen', defaultPayout: 900, currency: 'JPY' });
    const a = core.accounts.create({ kind: 'affiliate', name: 'A' });
    const staff = core.accounts.create({ kind: 'employee', name: 'S', employeeAccess: 'all' });
    const subs = ['fb_ads', '-5', 'a,b', 'say "hi"', 'é', null];
    for (let i = 0; i < 40; i++) {
      const yen = i % 3 === 0;
      core.postbacks.record(a, {
        transaction_id: `t-${i}`,
        offer_id: yen ? jpy.id : usd.id,
        payout: yen ? String(i * 7) : `${i}.${String(i % 100).padStart(2, '0')}`,
        sale_amount: i % 4 ? String(i * 3) : undefined,
        sub1: subs[i % subs.length] ?? undefined,
        time: new Date(Date.UTC(2026, 9, 1 + ((i * 7) % 20), i % 24)).toISOString(),
      });
    }
    for (const account of [a, staff]) {
      const search = october(core, 'conversions', account);
      const columns = core.events.columns('conversions', account);
      const money = ['revenue', 'payout', 'sale_amount'].filter((c) => columns.includes(c));
      expect(money.length).toBeGreaterThan(1);
      const paged = core.events.page(search).rows;
      expect(paged).toHaveLength(40);
      const text = (await all(core.events.stream(search, 'csv', { header: true, partRows: 6 })))
        .map((p) => p.data.toString())
        .join('');
      // Pages give money as numbers; the CSV writes it with the currency's digits.
      const cell = (r: (typeof paged)[number], c: string) => {
        const v = r[c];
        return money.includes(c) && typeof v === 'number'
          ? numeral(v.toFixed(currencyDigits(String(r.currency))))
          : v;
      };
      expect(text).toBe(
        csvDocument(
          columns,
          paged.map((r) => columns.map((c) => cell(r, c))),
        ),
      );
      expect(text).toContain(',63,');
    }
  });
});
