import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from '../db/connection.ts';
import { accountStatements } from '../db/accounts.ts';
import { auditStatements } from '../db/audit.ts';
import { eventStatements } from '../db/events.ts';
import { eventRowStatements } from '../db/event-rows.ts';
import { handoutLinkStatements } from '../db/handout-links.ts';
import { journalStatements } from '../db/journal.ts';
import { rollupStatements } from '../db/rollups.ts';
import { rateWindowStatements } from '../db/rate-windows.ts';
import { metaStatements } from '../db/meta.ts';
import { dataVersionStatement } from '../db/data-version.ts';
import { ipRuleStatements } from '../db/ip-rules.ts';
import { keyStatements } from '../db/keys.ts';
import { offerStatements } from '../db/offers.ts';
import { reportDefinitionStatements } from '../db/report-definitions.ts';
import { reportQueryRunner } from '../db/report-query.ts';
import { sourceStatements } from '../db/sources.ts';
import { userStatements } from '../db/users.ts';
import { unsyncedTransaction, withoutWaiting, writeTransaction } from '../db/transactions.ts';
import type { Checkpointer } from '../db/checkpointer.ts';
import { isBusy } from '../db/storage-errors.ts';
import type { SettingsStore } from '../settings-store.ts';
import type { SecretBox } from './secret-box.ts';

/** The prepared statements, by group. */
const STATEMENT_GROUPS = {
  accounts: accountStatements,
  offers: offerStatements,
  keys: keyStatements,
  handoutLinks: handoutLinkStatements,
  ipRules: ipRuleStatements,
  reports: reportDefinitionStatements,
  reportQuery: reportQueryRunner,
  events: eventStatements,
  eventRows: eventRowStatements,
  journal: journalStatements,
  rollups: rollupStatements,
  rateWindows: rateWindowStatements,
  meta: metaStatements,
  dataVersion: dataVersionStatement,
  audit: auditStatements,
  users: userStatements,
  sources: sourceStatements,
} satisfies Record<string, (db: Db) => unknown>;

type StatementGroup = keyof typeof STATEMENT_GROUPS;
export type Statements = {
  readonly [G in StatementGroup]: ReturnType<(typeof STATEMENT_GROUPS)[G]>;
};

/**
 * The statements of `db`, each group prepared the first time it is used: a command-line call
 * uses two or three of the groups, and preparing all of them took a tenth of its time.
 */
export function createStatements(db: Db): Statements {
  const prepared: { [G in StatementGroup]?: unknown } = {};
  const sql = {};
  for (const group of Object.keys(STATEMENT_GROUPS) as StatementGroup[])
    Object.defineProperty(sql, group, {
      enumerable: true,
      get: () => (prepared[group] ??= STATEMENT_GROUPS[group](db)),
    });
  return sql as Statements;
}

export interface ServiceContext {
  db: Db;
  sql: Statements;
  /** Who is making admin changes: written to the audit log (the caller's, inside runAs). */
  readonly actor: string;
  /** Runs `fn` with `actor` as the one making its changes (default: the context's own). */
  runAs<T>(actor: string | undefined, fn: () => T): T;
  now: () => number;
  secretBox: SecretBox;
  settings: SettingsStore;
  /**
   * Counts admin changes made through this context; caches of keys, accounts and rules
   * compare it (with SQLite's data_version for other processes) to know they are stale.
   */
  changeGeneration(): number;
  /**
   * Changes whenever data a cache holds may have changed: a write in this process, or a commit
   * by another (SQLite's data_version, looked at no more than every 100 ms).
   */
  cacheEpoch(): number;
  /**
   * Null: commits copy the WAL into the database and sync the disk as they happen (SQLite's
   * way). In a serving process both happen off the event loop (db/checkpointer.ts), so that
   * no commit on it waits for the disk; that thread also runs the long reads of exports.
   */
  background: Pick<Checkpointer, 'sync' | 'read'> | null;
  /** Runs `fn` in a write transaction that takes the write lock first (BEGIN IMMEDIATE). */
  write<T>(fn: () => T): T;
  /**
   * A write on a request's path (a postback): as `write`, but with a background thread its
   * commit does not wait for the disk. Await `synced()` before saying it is stored.
   */
  writeUnsynced<T>(fn: () => T): T;
  /** Resolves once every commit made so far on this context's connection is on disk. */
  synced(): Promise<void>;
  /**
   * Bookkeeping on a request's path (a session's or an access token's last use): written at once
   * when the write lock is free, skipped (false) when another process holds it, never waited for
   * (neither the lock nor the disk: its commit does not sync).
   */
  writeIfFree(fn: () => void): boolean;
  /** Records an admin change; call inside the same transaction as the change. */
  audit(
    action: string,
    entityType: string,
    entityId: number | null,
    before: unknown,
    after: unknown,
  ): void;
}

export interface ContextOptions {
  db: Db;
  actor: string;
  secretBox: SecretBox;
  settings: SettingsStore;
  now?: () => number;
}

/** How soon a commit by another process (the CLI revoking a key) is seen by the caches. */
const OTHER_PROCESS_CHECK_MS = 100;

export function createContext(o: ContextOptions): ServiceContext {
  const sql = createStatements(o.db);
  const now = o.now ?? Date.now;
  let generation = 0;
  const seen = { epoch: 0, generation: -1, dataVersion: -1, checkedAt: 0 };
  const caller = new AsyncLocalStorage<string>();
  const actor = () => caller.getStore() ?? o.actor;
  const ctx: ServiceContext = {
    db: o.db,
    sql,
    get actor() {
      return actor();
    },
    runAs: (who, fn) => (who === undefined ? fn() : caller.run(who, fn)),
    now,
    secretBox: o.secretBox,
    settings: o.settings,
    changeGeneration: () => generation,
    background: null,
    cacheEpoch() {
      const t = performance.now();
      if (generation === seen.generation && t - seen.checkedAt < OTHER_PROCESS_CHECK_MS)
        return seen.epoch;
      seen.checkedAt = t;
      const v = sql.dataVersion();
      if (generation !== seen.generation || v !== seen.dataVersion) {
        seen.epoch++;
        seen.generation = generation;
        seen.dataVersion = v;
      }
      return seen.epoch;
    },
    write: (fn) => {
      try {
        return writeTransaction(o.db, fn);
      } finally {
        generation++;
      }
    },
    writeUnsynced(fn) {
      try {
        return ctx.background ? unsyncedTransaction(o.db, fn) : writeTransaction(o.db, fn);
      } finally {
        generation++;
      }
    },
    synced() {
      return ctx.background ? ctx.background.sync() : Promise.resolve();
    },
    writeIfFree(fn) {
      try {
        withoutWaiting(o.db, () => unsyncedTransaction(o.db, fn));
        return true;
      } catch (e) {
        if (isBusy(e)) return false;
        throw e;
      }
    },
    audit(action, entityType, entityId, before, after) {
      generation++;
      sql.audit.insert({ at: now(), actor: actor(), action, entityType, entityId, before, after });
    },
  };
  return ctx;
}
