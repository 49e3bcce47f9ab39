/**
 * A fake Everflow in a process of its own (as a real tracker is), for the benchmark: prints
 * `{"url","key"}` once listening; on the line `change` from standard input every conversion
 * changes (status and payout) and it answers `changed`.
 * Usage: node test/fakes/tracker-process.ts ROWS NOW_MS
 */
import { createInterface } from 'node:readline';
import { fakeConversions, fakeEverflow } from './trackers.ts';

const [rows, now] = process.argv.slice(2).map(Number) as [number, number];
const affiliates = Array.from({ length: 50 }, (_, i) => 1001 + i);
const tracker = await fakeEverflow(
  fakeConversions(rows, now, { affiliates, offers: [77, 78, 79, 80, 81], days: 2 }),
);
process.stdout.write(`${JSON.stringify({ url: tracker.url, key: tracker.key })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'change') continue;
  for (const c of tracker.conversions) {
    c.status = c.status === 'pending' ? 'approved' : 'rejected';
    c.payout += 1;
  }
  process.stdout.write('changed\n');
}
await tracker.close();
