/**
 * Where an import puts its rows before they join the store: a temporary table of the import's
 * own connection (on disk in the temp folder, gone when the connection closes). Filling it
 * takes no lock on the store, so a long import never stalls other writers while it reads and
 * checks its file; only the final move into the store, in one transaction, holds the lock.
 */
import { openDatabase, type Db } from './connection.ts';
import type { EventTable } from './event-rows.ts';
import {
  CHANGING,
  EXTERNAL_ID,
  INSERT_COLUMNS,
  NATURAL_KEY,
  RECORD_VALUES,
  type EventRecord,
} from './events.ts';

type Value = string | number | null;

/**
 * What a row sent again may change (an upsert import, a postback): a conversion's status and
 * amounts, a lead's status and money. The rest names the row and stays as first stored.
 */
export const UPDATABLE: { [T in EventTable]: readonly string[] } = {
  clicks: [],
  conversions: ['status', 'payout', 'revenue', 'sale_amount'],
  leads: [
    'status',
    'ftd_at',
    'ftd_amount',
    'deposits',
    'withdrawals',
    'volume_centilots',
    'commission',
  ],
};

/** What a row may not change when sent again: whose it is, what it is for, its currency. */
const IDENTITY = ['partner_id', 'offer_id', 'currency'];

/** A staged row that names a stored one: its line, the stored row's id, and what differs. */
export interface ExistingRow {
  line: number;
  id: number;
  /** The partner, offer or currency differs from the stored row's: the row is refused. */
  moves: boolean;
  changed: boolean;
}

/**
 * The import's own connection to the store: it never waits on SQLite's busy handler (its write
 * step retries without blocking), so an import in a serving process never stalls it. There
 * (`background`) its commit does not wait for the disk either: it is synced off the event loop
 * and the checkpoint thread copies the WAL into the database.
 */
export function openImportConnection(file: string, background = false): Db {
  const db = openDatabase(file, { busyTimeoutMs: 0, autoCheckpoint: !background });
  if (background) db.pragma('synchronous = NORMAL');
  return db;
}

export function importStaging<T extends EventTable>(db: Db, table: T) {
  const cols = INSERT_COLUMNS[table];
  const key = NATURAL_KEY[table];
  db.exec(`DROP TABLE IF EXISTS temp.import_rows`);
  // A row's line is its rowid: a row is found by its line without a scan, and rows move in order.
  db.exec(`CREATE TEMP TABLE import_rows (line INTEGER PRIMARY KEY, ${cols.join(', ')})`);
  db.exec(`DROP TABLE IF EXISTS temp.changing_ids`);
  db.exec(`CREATE TEMP TABLE changing_ids (id INTEGER PRIMARY KEY, line INTEGER NOT NULL)`);
  if (key) db.exec(`CREATE UNIQUE INDEX temp.import_rows_key ON import_rows (${key.join(', ')})`);
  // An external id that is unique within a partner (a conversion's transaction id) must not
  // reappear under another partner: that would move the row, not add one.
  const external = EXTERNAL_ID[table];
  const perPartner = external !== null && key !== null && key.includes('partner_id');
  if (perPartner) db.exec(`CREATE INDEX temp.import_rows_external ON import_rows (${external})`);
  const ownerQuery = (from: string) =>
    db
      .prepare(`SELECT partner_id FROM ${from} WHERE ${external} = ? AND partner_id <> ? LIMIT 1`)
      .pluck();
  const storedOwner = perPartner ? ownerQuery(`main.${table}`) : null;
  const stagedOwner = perPartner ? ownerQuery('temp.import_rows') : null;
  const keyMatch = (alias: string) => (key ?? []).map((c) => `${alias}.${c} = ?`).join(' AND ');

  const stage = db.prepare(
    `INSERT OR IGNORE INTO temp.import_rows (line, ${cols.join(', ')}) VALUES (?, ${cols.map(() => '?').join(', ')})`,
  );
  const stagedLine = key
    ? db.prepare(`SELECT line FROM temp.import_rows s WHERE ${keyMatch('s')}`).pluck()
    : null;
  const stored = key
    ? db.prepare(`SELECT 1 FROM main.${table} t WHERE ${keyMatch('t')}`).pluck()
    : null;
  const late = key
    ? db
        .prepare(
          `SELECT s.line FROM temp.import_rows s WHERE EXISTS (SELECT 1 FROM main.${table} t WHERE ${key
            .map((c) => `t.${c} = s.${c}`)
            .join(' AND ')}) ORDER BY s.line`,
        )
        .pluck()
    : null;
  const dropLine = db.prepare(`DELETE FROM temp.import_rows WHERE line = ?`);
  const updatable = UPDATABLE[table];
  const same = (c: string) => `t.${c} IS s.${c}`;
  const existing = key
    ? db.prepare(
        `SELECT s.line AS line, t.id AS id,
           NOT (${IDENTITY.map(same).join(' AND ')}) AS moves,
           NOT (${(updatable.length ? updatable : ['id']).map(same).join(' AND ')}) AS changed
         FROM temp.import_rows s JOIN main.${table} t ON ${key.map((c) => `t.${c} = s.${c}`).join(' AND ')}
         ORDER BY s.line`,
      )
    : null;
  const storedIdentity = key
    ? db.prepare(`SELECT ${IDENTITY.join(', ')} FROM main.${table} t WHERE ${keyMatch('t')}`)
    : null;
  const clearChanging = db.prepare(`DELETE FROM temp.changing_ids`);
  const markChanging = db.prepare(`INSERT INTO temp.changing_ids (id, line) VALUES (?, ?)`);
  // Every marked row takes its staged values in one statement, driven by the marked ids (each
  // a rowid lookup), never by a scan of the stored table.
  const update = updatable.length
    ? db.prepare(
        `UPDATE main.${table} SET (${updatable.join(', ')}) = (
           SELECT ${updatable.map((c) => `r.${c}`).join(', ')} FROM temp.changing_ids c
           JOIN temp.import_rows r ON r.line = c.line WHERE c.id = main.${table}.id),
         updated_at = @at
         WHERE id IN (SELECT id FROM temp.changing_ids)`,
      )
    : null;
  const count = db.prepare(`SELECT count(*) FROM temp.import_rows`).pluck();
  const lastRowid = db
    .prepare(
      `SELECT max(rowid) FROM (SELECT rowid FROM temp.import_rows WHERE rowid > ? ORDER BY rowid LIMIT ?)`,
    )
    .pluck();
  // A changing table's rows keep when they were stored (then last changed).
  const stamped = CHANGING[table];
  const move = db.prepare(
    `INSERT INTO main.${table} (${cols.join(', ')}${stamped ? ', updated_at' : ''}) SELECT ${cols.join(', ')}${stamped ? ', @at' : ''} FROM temp.import_rows WHERE rowid > @after AND rowid <= @last ORDER BY rowid`,
  );

  return {
    /**
     * Staged rows are written in batches, each one transaction on the temporary table: it
     * takes no lock on the store (only its reads see a snapshot of it).
     */
    beginBatch(): void {
      db.exec('BEGIN');
    },
    endBatch(): void {
      db.exec('COMMIT');
    },
    /** Takes the store's write lock for the move (throws SQLITE_BUSY at once if it is held). */
    beginMove(): void {
      db.exec('BEGIN IMMEDIATE');
    },
    commitMove(): void {
      db.exec('COMMIT');
    },
    /** Undoes whatever transaction is open (a batch or the move). */
    rollback(): void {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
    /** Stages a checked row; a row whose key an earlier row of the file has gives that row's line. */
    stage(line: number, r: EventRecord[T]): { ok: true } | { ok: false; earlierLine: number } {
      const values = RECORD_VALUES[table](r as never);
      if (stage.run(line, ...values).changes === 1) return { ok: true };
      const k = key!.map((c) => values[cols.indexOf(c)]!);
      return { ok: false, earlierLine: stagedLine!.get(...k) as number };
    },
    /** Whether the store already holds a row with this key. */
    isStored(k: readonly Value[]): boolean {
      return stored ? stored.get(...k) !== undefined : false;
    },
    /** The other partner a row's external id already belongs to (stored or staged), if any. */
    ownerElsewhere(externalId: string, partnerId: number): number | null {
      if (!storedOwner || !stagedOwner) return null;
      return (storedOwner.get(externalId, partnerId) ??
        stagedOwner.get(externalId, partnerId) ??
        null) as number | null;
    },
    /** The partner, offer and currency of the stored row with this key, if there is one. */
    storedIdentity(k: readonly Value[]): Record<string, Value> | null {
      return storedIdentity ? ((storedIdentity.get(...k) as Record<string, Value>) ?? null) : null;
    },
    /** Staged rows that name stored rows (an upsert's updates), as they stand now. */
    existingRows(): ExistingRow[] {
      return existing
        ? (existing.all() as { line: number; id: number; moves: number; changed: number }[]).map(
            (r) => ({ line: r.line, id: r.id, moves: r.moves === 1, changed: r.changed === 1 }),
          )
        : [];
    },
    /**
     * Marks a batch of stored rows (by id) to take the values staged on their lines; the
     * rollups see the marked ids (`rollups.changing(table)`) before and after `applyMarked`.
     */
    mark(rows: readonly { line: number; id: number }[]): void {
      clearChanging.run();
      for (const r of rows) markChanging.run(r.id, r.line);
    },
    /** Writes the staged changeable values onto the marked rows (inside the move). */
    applyMarked(at: number): void {
      update?.run({ at });
    },
    /** Lines whose key the store holds now (written by someone else while the file was read). */
    storedMeanwhile(): number[] {
      return late ? (late.all() as number[]) : [];
    },
    drop(lines: readonly number[]): void {
      for (const l of lines) dropLine.run(l);
    },
    count(): number {
      return count.get() as number;
    },
    /**
     * Moves the next `limit` staged rows after `afterRowid` into the store (call inside the
     * write transaction); returns the last staged rowid moved, or null when none were left.
     */
    moveNext(afterRowid: number, limit: number, at: number): number | null {
      const last = lastRowid.get(afterRowid, limit) as number | null;
      if (last === null) return null;
      move.run({ after: afterRowid, last, ...(stamped && { at }) });
      return last;
    },
    close(): void {
      db.exec(`DROP TABLE IF EXISTS temp.import_rows`);
      db.exec(`DROP TABLE IF EXISTS temp.changing_ids`);
    },
  };
}

export type ImportStaging = ReturnType<typeof importStaging>;
