/**
 * The query plans behind a benchmark row that missed its target: the statements the services
 * run for it, captured while the same call runs in this process, each shown with SQLite's
 * EXPLAIN QUERY PLAN (bound to the same values).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openCore, type Core } from '../../main/core.ts';

/** Statements that read the event rows or their rollups (not settings, keys or bookkeeping). */
const EVENT_SQL = /\b(clicks|conversions|leads|traffic_hourly\w*|leads_hourly\w*)\b/;

interface Ran {
  sql: string;
  args: unknown[];
}

type Method = 'all' | 'get' | 'iterate';

/**
 * Runs `call` on a core over `dir` with every statement watched: `seen` is told of each event
 * query, and the time spent inside them (their rows read into JavaScript values) is counted.
 */
async function watched(
  dir: string,
  call: (core: Core) => unknown,
  seen: (r: Ran) => void,
): Promise<{ seconds: number; inStatements: number }> {
  const probe = new Database(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<
    Method,
    (...args: unknown[]) => unknown
  >;
  probe.close();
  let inStatements = 0;
  const originals = new Map<Method, (...args: unknown[]) => unknown>();
  for (const m of ['all', 'get', 'iterate'] as const) {
    const original = statement[m];
    originals.set(m, original);
    statement[m] = function (this: { source: string }, ...args: unknown[]) {
      if (!EVENT_SQL.test(this.source)) return original.apply(this, args);
      seen({ sql: this.source, args });
      // An iterator reads its rows after the call returns: not counted.
      if (m === 'iterate') return original.apply(this, args);
      const t = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        inStatements += performance.now() - t;
      }
    };
  }
  const core = openCore({ dataDir: dir, actor: 'bench' });
  try {
    const t = performance.now();
    await call(core);
    return { seconds: (performance.now() - t) / 1000, inStatements: inStatements / 1000 };
  } finally {
    core.close();
    for (const [m, original] of originals) statement[m] = original;
  }
}

/** Runs `call` on a core over `dir` and returns the plan of every event query it ran, in order. */
export async function queryPlans(dir: string, call: (core: Core) => unknown): Promise<string> {
  const ran: Ran[] = [];
  await watched(dir, call, (r) => {
    if (!ran.some((x) => x.sql === r.sql)) ran.push(r);
  });
  const db = new Database(join(dir, 'partnergate.sqlite'), { readonly: true });
  try {
    return ran.map((r) => `${r.sql.replace(/\s+/g, ' ').trim()}\n${plan(db, r)}`).join('\n\n');
  } finally {
    db.close();
  }
}

/**
 * How long `call` takes in this process, and how much of that is spent reading event rows
 * through better-sqlite3 (the `all` and `get` calls of its statements: SQLite and the making
 * of JavaScript values). The second is the floor no faster writing can go below.
 */
export function statementShare(
  dir: string,
  call: (core: Core) => unknown,
): Promise<{ seconds: number; inStatements: number }> {
  return watched(dir, call, () => {});
}

/** How long `call` takes in this process with the database thread running, as `serve` has it (s). */
export async function withThread(dir: string, call: (core: Core) => unknown): Promise<number> {
  const core = openCore({ dataDir: dir, actor: 'bench' });
  try {
    await core.checkpointInBackground().started;
    const t = performance.now();
    await call(core);
    return (performance.now() - t) / 1000;
  } finally {
    core.close();
  }
}

/** EXPLAIN QUERY PLAN as SQLite's shell draws it: one line a step, indented under its parent. */
function plan(db: Database.Database, r: Ran): string {
  const steps = db.prepare(`EXPLAIN QUERY PLAN ${r.sql}`).all(...r.args) as {
    id: number;
    parent: number;
    detail: string;
  }[];
  const depth = new Map<number, number>([[0, 0]]);
  return steps
    .map((s) => {
      const d = (depth.get(s.parent) ?? 0) + 1;
      depth.set(s.id, d);
      return `${'  '.repeat(d)}${s.detail}`;
    })
    .join('\n');
}
