/**
 * A row search reads ids from the (partner, time) index, which holds them in time order, and
 * answers them in id order: sorted in JavaScript when the search is short, by SQLite when it
 * is long. Either way a page is the lowest ids after the cursor, and pages neither skip nor
 * repeat a row.
 */
import { describe, expect, it } from 'vitest';
import { eventRowStatements } from '../../main/db/event-rows.ts';
import { storeOf, testCore } from '../helpers.ts';

/** `count` clicks of one partner whose times run backwards as their ids grow. */
function clicksBackwards(count: number) {
  const core = testCore();
  const offer = core.offers.create({ name: 'VPN', defaultPayout: 100 });
  const partner = core.accounts.create({ kind: 'affiliate', name: 'Acme' });
  const other = core.accounts.create({ kind: 'affiliate', name: 'Globex' });
  const db = storeOf(core);
  const insert = db.prepare(
    'INSERT INTO clicks (ts, partner_id, offer_id, click_id) VALUES (?, ?, ?, ?)',
  );
  const start = Date.UTC(2026, 9, 1);
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      insert.run(start + (count - i) * 60_000, partner.id, offer.id, `c${i}`);
      if (i % 3 === 0) insert.run(start + i * 60_000, other.id, offer.id, `o${i}`);
    }
  })();
  const ids = db
    .prepare('SELECT id FROM clicks WHERE partner_id = ? ORDER BY id')
    .pluck()
    .all(partner.id) as number[];
  const rows = eventRowStatements(db);
  const search = (afterId: number, limit: number) =>
    Array.from(
      rows.searchIds({
        table: 'clicks',
        partnerIds: [partner.id],
        startMs: start,
        endMs: start + (count + 1) * 60_000,
        filters: {},
        afterId,
        limit,
      }),
    );
  return { ids, search };
}

describe('the ids of a row search', () => {
  for (const count of [250, 2500])
    it(`are the lowest after the cursor, page after page (${count} rows)`, () => {
      const { ids, search } = clicksBackwards(count);
      expect(search(0, 100)).toEqual(ids.slice(0, 100));
      const seen: number[] = [];
      for (let after = 0; ;) {
        const page = search(after, 100);
        seen.push(...page);
        if (page.length < 100) break;
        after = page.at(-1)!;
      }
      expect(seen).toEqual(ids);
      expect(search(ids[count - 5]!, 100)).toEqual(ids.slice(count - 4));
    });
});
