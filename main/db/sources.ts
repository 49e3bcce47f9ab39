import type {
  HeldGroup,
  Source,
  SourceConfig,
  SourceDataset,
  SourceIdMapping,
  SourceIdMode,
  SourceKind,
  SourceRun,
  SourceRunTrigger,
} from '../../shared/sources.ts';
import type { Db } from './connection.ts';

/** A source as stored: what the admin sees of it, its sealed credential and its run lease. */
export type SourceRow = Pick<
  Source,
  | 'id'
  | 'name'
  | 'kind'
  | 'dataset'
  | 'schedule'
  | 'ids'
  | 'mapping'
  | 'timezone'
  | 'alertAfterMinutes'
  | 'config'
  | 'credentialHint'
  | 'paused'
  | 'pausedReason'
  | 'createdAt'
  | 'lastSuccessAt'
  | 'failingSince'
  | 'consecutiveFailures'
  | 'nextRunAt'
> & {
  credentialSealed: Buffer | null;
  sealedWith: string | null;
  runningSince: number | null;
  /** Where a forward-only pull (Everflow clicks) continues from. */
  cursor: string | null;
};

interface RawSource {
  id: number;
  name: string;
  kind: SourceKind;
  dataset: SourceDataset;
  schedule: string;
  ids: SourceIdMode;
  mapping: string;
  timezone: string;
  alert_after_minutes: number;
  config: string;
  credential_sealed: Buffer | null;
  sealed_with: string | null;
  credential_hint: string | null;
  paused: number;
  paused_reason: string | null;
  created_at: number;
  last_success_at: number | null;
  failing_since: number | null;
  consecutive_failures: number;
  next_run_at: number | null;
  running_since: number | null;
  cursor: string | null;
}

const toSource = (r: RawSource): SourceRow => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  dataset: r.dataset,
  schedule: r.schedule,
  ids: r.ids,
  mapping: JSON.parse(r.mapping) as Record<string, string>,
  timezone: r.timezone,
  alertAfterMinutes: r.alert_after_minutes,
  config: JSON.parse(r.config) as SourceConfig,
  credentialSealed: r.credential_sealed,
  sealedWith: r.sealed_with,
  credentialHint: r.credential_hint,
  paused: r.paused === 1,
  pausedReason: r.paused_reason,
  createdAt: r.created_at,
  lastSuccessAt: r.last_success_at,
  failingSince: r.failing_since,
  consecutiveFailures: r.consecutive_failures,
  nextRunAt: r.next_run_at,
  runningSince: r.running_since,
  cursor: r.cursor,
});

interface RawRun {
  id: number;
  source_id: number;
  trigger: SourceRunTrigger;
  started_at: number;
  finished_at: number | null;
  state: SourceRun['state'];
  rows_read: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  held: number;
  files: number;
  error_code: string | null;
  error_message: string | null;
  rejects_file: string | null;
}

const toRun = (r: RawRun): SourceRun => ({
  id: r.id,
  sourceId: r.source_id,
  trigger: r.trigger,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  state: r.state,
  rowsRead: r.rows_read,
  created: r.created,
  updated: r.updated,
  unchanged: r.unchanged,
  rejected: r.rejected,
  held: r.held,
  files: r.files,
  error:
    r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? r.error_code },
  rejectsFile: r.rejects_file,
});

export type RunCounts = Pick<
  SourceRun,
  'rowsRead' | 'created' | 'updated' | 'unchanged' | 'rejected' | 'held' | 'files'
>;

export interface HeldRow {
  id: number;
  rowKey: string;
  externalPartner: string;
  externalOffer: string;
  record: Record<string, string>;
}

export function sourceStatements(db: Db) {
  const insert = db.prepare(`INSERT INTO sources
    (name, kind, dataset, schedule, ids, mapping, timezone, alert_after_minutes, config,
     credential_sealed, sealed_with, credential_hint, created_at, next_run_at)
    VALUES (@name, @kind, @dataset, @schedule, @ids, @mapping, @timezone, @alertAfterMinutes,
     @config, @credentialSealed, @sealedWith, @credentialHint, @now, @nextRunAt)`);
  const byId = db.prepare(`SELECT * FROM sources WHERE id = ?`);
  const byName = db.prepare(`SELECT * FROM sources WHERE name = ?`);
  const all = db.prepare(`SELECT * FROM sources ORDER BY name COLLATE NOCASE, id`);
  const update = db.prepare(`UPDATE sources SET name = @name, schedule = @schedule,
    mapping = @mapping, timezone = @timezone, alert_after_minutes = @alertAfterMinutes,
    config = @config, credential_sealed = @credentialSealed, sealed_with = @sealedWith,
    credential_hint = @credentialHint, next_run_at = @nextRunAt WHERE id = @id`);
  const setPaused = db.prepare(
    `UPDATE sources SET paused = @paused, paused_reason = @reason, next_run_at = @nextRunAt WHERE id = @id`,
  );
  const remove = db.prepare(`DELETE FROM sources WHERE id = ?`);
  const claim = db.prepare(`UPDATE sources SET running_since = @now
    WHERE id = @id AND (running_since IS NULL OR running_since < @staleBefore)`);
  const heartbeat = db.prepare(`UPDATE sources SET running_since = @now WHERE id = @id`);
  const release = db.prepare(`UPDATE sources SET running_since = NULL WHERE id = ?`);
  const setCursor = db.prepare(`UPDATE sources SET cursor = ? WHERE id = ?`);
  const succeeded = db.prepare(`UPDATE sources SET last_success_at = @startedAt,
    failing_since = NULL, consecutive_failures = 0, next_run_at = @nextRunAt WHERE id = @id`);
  const failed = db.prepare(`UPDATE sources SET
    failing_since = COALESCE(failing_since, @startedAt),
    consecutive_failures = consecutive_failures + 1, next_run_at = @nextRunAt WHERE id = @id`);

  const insertRun = db.prepare(`INSERT INTO source_runs (source_id, trigger, started_at, state)
    VALUES (?, ?, ?, 'running')`);
  const finishRun = db.prepare(`UPDATE source_runs SET finished_at = @finishedAt, state = @state,
    rows_read = @rowsRead, created = @created, updated = @updated, unchanged = @unchanged,
    rejected = @rejected, held = @held, files = @files, error_code = @errorCode,
    error_message = @errorMessage, rejects_file = @rejectsFile WHERE id = @id`);
  const runById = db.prepare(`SELECT * FROM source_runs WHERE id = ?`);
  const runs = db.prepare(`SELECT * FROM source_runs WHERE source_id = ? ORDER BY id DESC LIMIT ?`);
  const lastRun = db.prepare(
    `SELECT * FROM source_runs WHERE source_id = ? ORDER BY id DESC LIMIT 1`,
  );
  // A run left 'running' by a process that died is closed as failed when its source is claimed.
  const abandonRuns = db.prepare(`UPDATE source_runs SET state = 'failed', finished_at = @now,
    error_code = 'run_interrupted',
    error_message = 'The run stopped before it finished (Partnergate was closed or crashed); rows it had imported are kept.'
    WHERE source_id = @id AND state = 'running'`);

  const mapInsert = db.prepare(`INSERT INTO source_id_map (source_id, kind, external_id, local_id)
    VALUES (@sourceId, @kind, @externalId, @localId)
    ON CONFLICT (source_id, kind, external_id) DO UPDATE SET local_id = excluded.local_id`);
  const mapDelete = db.prepare(
    `DELETE FROM source_id_map WHERE source_id = ? AND kind = ? AND external_id = ?`,
  );
  const maps = db.prepare(`SELECT m.kind, m.external_id, m.local_id,
      COALESCE(a.name, o.name, '(removed)') AS local_name
    FROM source_id_map m
    LEFT JOIN accounts a ON m.kind = 'partner' AND a.id = m.local_id
    LEFT JOIN offers o ON m.kind = 'offer' AND o.id = m.local_id
    WHERE m.source_id = ? ORDER BY m.kind, m.external_id`);

  const holdRow = db.prepare(`INSERT INTO source_held_rows
    (source_id, row_key, external_partner, external_offer, record, first_seen_at, last_seen_at)
    VALUES (@sourceId, @rowKey, @externalPartner, @externalOffer, @record, @now, @now)
    ON CONFLICT (source_id, row_key) DO UPDATE SET external_partner = excluded.external_partner,
      external_offer = excluded.external_offer, record = excluded.record,
      last_seen_at = excluded.last_seen_at`);
  const heldCount = db.prepare(`SELECT count(*) AS n FROM source_held_rows WHERE source_id = ?`);
  const heldGroups = db.prepare(`SELECT external_partner, external_offer, count(*) AS n,
      min(first_seen_at) AS first_seen, max(last_seen_at) AS last_seen
    FROM source_held_rows WHERE source_id = ?
    GROUP BY external_partner, external_offer ORDER BY n DESC, external_partner, external_offer
    LIMIT 500`);
  const heldFor = db.prepare(`SELECT id, row_key, external_partner, external_offer, record
    FROM source_held_rows WHERE source_id = ? AND id > ? ORDER BY id LIMIT ?`);
  const unhold = db.prepare(`DELETE FROM source_held_rows WHERE id = ?`);
  const unholdKey = db.prepare(`DELETE FROM source_held_rows WHERE source_id = ? AND row_key = ?`);
  const freshness = db.prepare(`SELECT min(s.last_success_at) AS fresh, count(*) AS n
    FROM sources s
    WHERE s.last_success_at IS NOT NULL AND (s.ids = 'partnergate' OR EXISTS (
      SELECT 1 FROM source_id_map m
      WHERE m.source_id = s.id AND m.kind = 'partner' AND m.local_id = ?))`);

  return {
    insert(
      s: Omit<
        SourceRow,
        | 'id'
        | 'createdAt'
        | 'paused'
        | 'pausedReason'
        | 'lastSuccessAt'
        | 'failingSince'
        | 'consecutiveFailures'
        | 'runningSince'
        | 'cursor'
      >,
      now: number,
    ): number {
      return Number(
        insert.run({
          ...s,
          mapping: JSON.stringify(s.mapping),
          config: JSON.stringify(s.config),
          now,
        }).lastInsertRowid,
      );
    },
    get(id: number): SourceRow | undefined {
      const r = byId.get(id) as RawSource | undefined;
      return r && toSource(r);
    },
    byName(name: string): SourceRow | undefined {
      const r = byName.get(name) as RawSource | undefined;
      return r && toSource(r);
    },
    list(): SourceRow[] {
      return (all.all() as RawSource[]).map(toSource);
    },
    update(s: SourceRow): void {
      update.run({ ...s, mapping: JSON.stringify(s.mapping), config: JSON.stringify(s.config) });
    },
    setPaused(id: number, paused: boolean, reason: string | null, nextRunAt: number | null): void {
      setPaused.run({ id, paused: paused ? 1 : 0, reason, nextRunAt });
    },
    remove(id: number): void {
      remove.run(id);
    },
    /** Takes the source for a run unless another run (of any process) holds it. */
    claim(id: number, now: number, staleBefore: number): boolean {
      const taken = claim.run({ id, now, staleBefore }).changes === 1;
      if (taken) abandonRuns.run({ id, now });
      return taken;
    },
    heartbeat(id: number, now: number): void {
      heartbeat.run({ id, now });
    },
    release(id: number): void {
      release.run(id);
    },
    setCursor(id: number, cursor: string | null): void {
      setCursor.run(cursor, id);
    },
    succeeded(id: number, startedAt: number, nextRunAt: number | null): void {
      succeeded.run({ id, startedAt, nextRunAt });
    },
    failed(id: number, startedAt: number, nextRunAt: number | null): void {
      failed.run({ id, startedAt, nextRunAt });
    },
    startRun(sourceId: number, trigger: SourceRunTrigger, now: number): number {
      return Number(insertRun.run(sourceId, trigger, now).lastInsertRowid);
    },
    finishRun(
      id: number,
      r: RunCounts & {
        finishedAt: number;
        state: 'ok' | 'failed';
        error: { code: string; message: string } | null;
        rejectsFile: string | null;
      },
    ): void {
      finishRun.run({
        id,
        ...r,
        errorCode: r.error?.code ?? null,
        errorMessage: r.error?.message ?? null,
      });
    },
    run(id: number): SourceRun | undefined {
      const r = runById.get(id) as RawRun | undefined;
      return r && toRun(r);
    },
    runs(sourceId: number, limit: number): SourceRun[] {
      return (runs.all(sourceId, limit) as RawRun[]).map(toRun);
    },
    lastRun(sourceId: number): SourceRun | null {
      const r = lastRun.get(sourceId) as RawRun | undefined;
      return r ? toRun(r) : null;
    },
    map(m: { sourceId: number; kind: 'partner' | 'offer'; externalId: string; localId: number }) {
      mapInsert.run(m);
    },
    unmap(sourceId: number, kind: 'partner' | 'offer', externalId: string): boolean {
      return mapDelete.run(sourceId, kind, externalId).changes === 1;
    },
    mappings(sourceId: number): SourceIdMapping[] {
      return (
        maps.all(sourceId) as {
          kind: 'partner' | 'offer';
          external_id: string;
          local_id: number;
          local_name: string;
        }[]
      ).map((r) => ({
        kind: r.kind,
        externalId: r.external_id,
        localId: r.local_id,
        localName: r.local_name,
      }));
    },
    hold(sourceId: number, rows: readonly Omit<HeldRow, 'id'>[], now: number): void {
      for (const r of rows) holdRow.run({ sourceId, ...r, record: JSON.stringify(r.record), now });
    },
    heldCount(sourceId: number): number {
      return (heldCount.get(sourceId) as { n: number }).n;
    },
    heldGroups(sourceId: number): Omit<HeldGroup, 'unmapped'>[] {
      return (
        heldGroups.all(sourceId) as {
          external_partner: string;
          external_offer: string;
          n: number;
          first_seen: number;
          last_seen: number;
        }[]
      ).map((r) => ({
        externalPartner: r.external_partner,
        externalOffer: r.external_offer,
        rows: r.n,
        firstSeenAt: r.first_seen,
        lastSeenAt: r.last_seen,
      }));
    },
    /** Held rows after `afterId`, in id order, `limit` at a time. */
    held(sourceId: number, afterId: number, limit: number): HeldRow[] {
      return (
        heldFor.all(sourceId, afterId, limit) as {
          id: number;
          row_key: string;
          external_partner: string;
          external_offer: string;
          record: string;
        }[]
      ).map((r) => ({
        id: r.id,
        rowKey: r.row_key,
        externalPartner: r.external_partner,
        externalOffer: r.external_offer,
        record: JSON.parse(r.record) as Record<string, string>,
      }));
    },
    unhold(ids: readonly number[]): void {
      for (const id of ids) unhold.run(id);
    },
    unholdKeys(sourceId: number, keys: readonly string[]): void {
      for (const k of keys) unholdKey.run(sourceId, k);
    },
    /**
     * When the sources feeding a partner last brought their data: the oldest last success of
     * the sources that name partners by Partnergate id and of those with this partner mapped.
     * Null when no source has fed it.
     */
    freshUntil(accountId: number): number | null {
      const r = freshness.get(accountId) as { fresh: number | null; n: number };
      return r.n === 0 ? null : r.fresh;
    },
  };
}

export type SourceStatements = ReturnType<typeof sourceStatements>;
