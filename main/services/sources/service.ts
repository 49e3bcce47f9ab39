/**
 * Sources: scheduled feeds run by one scheduler in the core (the desktop app and `serve` both
 * start it). A run pulls rows (a folder's settled files, a URL, a tracker's API), maps the
 * tracker's partner and offer ids to Partnergate's, holds rows whose ids are not mapped yet,
 * and imports the rest as an upsert through the import pipeline — each batch on the import's
 * own connection, so a run never holds the write lock for its whole length and partner reads
 * go on. Two runs of one source never overlap, in this process or another.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { conflict, invalid, isPartnergateError, notFound } from '../../../shared/errors.ts';
import {
  nextScheduled,
  SOURCE_KIND_NAMES,
  type HeldGroup,
  type Source,
  sourceAddInput,
  sourceMapInput,
  sourceUpdateInput,
  type SourceDetail,
  type SourceMapResult,
  type SourceRun,
  type SourceRunTrigger,
} from '../../../shared/sources.ts';
import type { z } from 'zod';
import { parseInput } from '../validate.ts';
import type { RunCounts, SourceRow } from '../../db/sources.ts';
import type { ServiceContext } from '../context.ts';
import {
  csvRows,
  IMPORT_FIELDS,
  importRows,
  mapHeaders,
  type ImportMode,
  type Parsed,
} from '../imports.ts';
import { openRejectsFile, type RejectsFile } from '../rejects-file.ts';
import { writeWaiter } from '../write-wait.ts';
import { pull, PULL_BATCH } from './connectors.ts';
import { DEFAULT_RETRY, SourceError, type HttpRetry } from './http.ts';

const MINUTE = 60_000;
/** A run that has not shown life for this long is taken to have died with its process. */
const STALE_RUN_MS = 10 * MINUTE;
/** After the n-th failure in a row the source tries again in 1, 2, 4 … minutes, at most an hour. */
export const retryDelayMs = (failures: number) =>
  Math.min(60 * MINUTE, MINUTE * 2 ** Math.max(0, failures - 1));
/** Files a watched folder skips: hidden files and files still being copied under a temporary name. */
const UNFINISHED = /^\.|\.(part|partial|tmp|crdownload|download)$/i;
const HELD_PAGE = 5_000;

export interface SourceServiceOptions {
  dataDir: string;
  databaseFile: string;
  /** How tracker calls retry (tests make the waits short). */
  retry?: Partial<HttpRetry>;
}

export interface SourceAlert {
  /** Stable for one failing stretch, so it is raised once. */
  id: string;
  sourceId: number;
  title: string;
  body: string;
}

type Counts = RunCounts;
const zero = (): Counts => ({
  rowsRead: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  rejected: 0,
  held: 0,
  files: 0,
});

function rowKey(dataset: SourceRow['dataset'], r: Record<string, string>): string {
  if (dataset === 'conversions' && r.transaction_id) return `t:${r.transaction_id}`;
  if (dataset === 'leads' && r.lead_ref) return `l:${r.lead_ref}`;
  return `h:${createHash('sha256').update(JSON.stringify(r)).digest('base64url')}`;
}

function hint(secret: string): string {
  return `••••${secret.slice(-4)}`;
}

export function sourceService(ctx: ServiceContext, o: SourceServiceOptions) {
  const whenWritable = writeWaiter(ctx.db, o.databaseFile);
  /** A write from a run or the scheduler: never blocks the event loop on another process's lock. */
  const write = <T>(fn: () => T): Promise<T> =>
    whenWritable(() => ctx.write(fn), { waitMs: 60_000 });
  const retry: HttpRetry = { ...DEFAULT_RETRY, ...o.retry };
  const running = new Map<number, Promise<SourceRun>>();
  let timer: NodeJS.Timeout | null = null;
  let freshness = { epoch: -1, byAccount: new Map<number, number | null>() };

  function row(id: number): SourceRow {
    const s = ctx.sql.sources.get(id);
    if (!s) throw notFound('source', id);
    return s;
  }

  function isRunning(s: SourceRow, now: number): boolean {
    return running.has(s.id) || (s.runningSince !== null && s.runningSince >= now - STALE_RUN_MS);
  }

  function alerting(s: SourceRow, now: number): boolean {
    return (
      s.pausedReason !== null ||
      (s.failingSince !== null && now - s.failingSince >= s.alertAfterMinutes * MINUTE)
    );
  }

  function view(s: SourceRow): Source {
    const now = ctx.now();
    return {
      id: s.id,
      name: s.name,
      kind: s.kind,
      dataset: s.dataset,
      schedule: s.schedule,
      ids: s.ids,
      mapping: s.mapping,
      timezone: s.timezone,
      alertAfterMinutes: s.alertAfterMinutes,
      config: s.config,
      credentialHint: s.credentialHint,
      paused: s.paused,
      pausedReason: s.pausedReason,
      createdAt: s.createdAt,
      lastSuccessAt: s.lastSuccessAt,
      failingSince: s.failingSince,
      consecutiveFailures: s.consecutiveFailures,
      nextRunAt: s.paused ? null : s.nextRunAt,
      running: isRunning(s, now),
      alerting: alerting(s, now),
      lastRun: ctx.sql.sources.lastRun(s.id),
      heldRows: ctx.sql.sources.heldCount(s.id),
    };
  }

  /** What is kept of a source in the audit log: never its credential. */
  const audited = (s: Source) => ({
    name: s.name,
    kind: s.kind,
    dataset: s.dataset,
    schedule: s.schedule,
    ids: s.ids,
    config: s.config,
    mapping: s.mapping,
    credential: s.credentialHint,
    paused: s.paused,
  });

  function checkMapping(dataset: SourceRow['dataset'], mapping: Record<string, string>): void {
    for (const field of Object.keys(mapping))
      if (!(field in IMPORT_FIELDS[dataset]))
        throw invalid(
          'unknown_import_field',
          `${field} is not a field of ${dataset} (fields: ${Object.keys(IMPORT_FIELDS[dataset]).join(', ')}).`,
          [{ field: 'mapping', message: `${field} is not a field of ${dataset}` }],
        );
  }

  function prepareFolder(s: Pick<SourceRow, 'config'>): void {
    if (s.config.kind !== 'folder') return;
    try {
      for (const sub of ['', 'done', 'failed'])
        mkdirSync(join(s.config.folder, sub), { recursive: true });
    } catch (e) {
      throw invalid(
        'folder_unusable',
        `The folder ${s.config.folder} cannot be used: ${(e as Error).message}.`,
        [{ field: 'config.folder', message: 'cannot be created or written' }],
      );
    }
  }

  async function seal(credential: string) {
    const info = await ctx.secretBox.describe();
    if (!info.retains)
      throw invalid(
        'credential_cannot_be_kept',
        `A source's credential must be kept to run on a schedule, and this machine has no safe place for it: ${info.description}`,
      );
    return { sealed: await ctx.secretBox.seal(credential), with: ctx.secretBox.id };
  }

  function nameFree(name: string, id: number | null): void {
    const other = ctx.sql.sources.byName(name);
    if (other && other.id !== id)
      throw conflict('source_name_taken', `There is already a source named “${other.name}”.`);
  }

  /** The fields of a URL or folder source's rows: its mapping over the aliases the import knows. */
  function fieldsOf(s: SourceRow, headers: string[]): Record<string, string> {
    if (s.kind === 'everflow' || s.kind === 'tune')
      return Object.fromEntries(headers.map((h) => [h, h]));
    const m = mapHeaders(s.dataset, headers, s.mapping);
    if (m.missing.length)
      throw new SourceError(
        'missing_columns',
        `The rows have no column for ${m.missing.join(', ')} (their columns: ${headers.slice(0, 40).join(', ')}); map them in the source's settings.`,
      );
    return m.fields;
  }

  /**
   * Maps, holds and imports one stream of rows (a batch of a pull, a folder's file, released
   * rows). Rows whose tracker ids are not mapped are held (only on the first reading of the
   * stream; the import may read it a second time).
   */
  async function ingest(
    s: SourceRow,
    source: () => AsyncIterable<Parsed> | Iterable<Parsed>,
    rejects: RejectsFile,
    mode: ImportMode,
    counts: Counts,
    opts: { hold: boolean } = { hold: true },
  ): Promise<{ committed: boolean }> {
    const maps = s.ids === 'mapped' ? idMaps(s.id) : null;
    const held: {
      rowKey: string;
      externalPartner: string;
      externalOffer: string;
      record: Record<string, string>;
    }[] = [];
    const importedKeys: string[] = [];
    let fields: Record<string, string> | null = null;
    let pass = 0;
    let read = 0;
    async function* rows(): AsyncIterable<Parsed> {
      const first = pass++ === 0;
      for await (const { record, info } of source()) {
        fields ??= fieldsOf(s, Object.keys(record));
        if (first) read++;
        const r: Record<string, string> = {};
        for (const [field, header] of Object.entries(fields)) r[field] = record[header] ?? '';
        if (maps) {
          const partner = maps.partner.get((r.partner_id ?? '').trim());
          const offer = maps.offer.get((r.offer_id ?? '').trim());
          if (partner === undefined || offer === undefined) {
            if (first && opts.hold)
              held.push({
                rowKey: rowKey(s.dataset, r),
                externalPartner: (r.partner_id ?? '').trim(),
                externalOffer: (r.offer_id ?? '').trim(),
                record: r,
              });
            continue;
          }
          r.partner_id = String(partner);
          r.offer_id = String(offer);
        }
        if (first && maps) importedKeys.push(rowKey(s.dataset, r));
        yield { record: r, info };
      }
    }
    const result = await importRows(
      {
        databaseFile: o.databaseFile,
        actor: `source:${s.name}`,
        now: ctx.now,
        background: ctx.background,
      },
      {
        dataset: s.dataset,
        name: `source “${s.name}”`,
        rows,
        rejects,
        mode,
        // Rows pulled again (a moving window) update their stored copy; clicks have no key.
        writes: s.dataset === 'clicks' ? 'insert-only' : 'upsert',
        timezone: s.timezone,
        allowEmpty: true,
        mappingOf: (headers) => Object.fromEntries(headers.map((h) => [h, h])),
      },
    );
    counts.rowsRead += read;
    counts.created += result.created;
    counts.updated += result.updated;
    counts.unchanged += result.unchanged;
    counts.rejected += result.rejected;
    if (result.committed || !opts.hold) {
      if (held.length) await write(() => ctx.sql.sources.hold(s.id, held, ctx.now()));
      counts.held += held.length;
      // A row held before and imported now is no longer waiting.
      if (importedKeys.length) await write(() => ctx.sql.sources.unholdKeys(s.id, importedKeys));
    }
    return { committed: result.committed };
  }

  function idMaps(sourceId: number) {
    const partner = new Map<string, number>();
    const offer = new Map<string, number>();
    for (const m of ctx.sql.sources.mappings(sourceId))
      (m.kind === 'partner' ? partner : offer).set(m.externalId, m.localId);
    return { partner, offer };
  }

  function* recordsOf(records: Record<string, string>[], firstLine: number): Iterable<Parsed> {
    for (const [i, record] of records.entries())
      yield { record, info: { lines: firstLine + i, bytes: 0 } };
  }

  /** Files in a watched folder that have not changed for the settle time, oldest first. */
  function settledFiles(folder: string, settleMs: number, now: number): string[] {
    return readdirSync(folder, { withFileTypes: true })
      .filter((d) => d.isFile() && !UNFINISHED.test(d.name) && !d.name.endsWith('.rejects.csv'))
      .map((d) => ({ path: join(folder, d.name), st: statSync(join(folder, d.name)) }))
      .filter((f) => now - f.st.mtimeMs >= settleMs)
      .sort((a, b) => a.st.mtimeMs - b.st.mtimeMs)
      .map((f) => f.path);
  }

  /** Where a finished file goes: `done/` or `failed/`, under a new name if one is there already. */
  function moveInto(file: string, dir: string): string {
    const name = basename(file);
    let target = join(dir, name);
    for (let n = 2; existsSync(target); n++)
      target = join(dir, `${basename(name, extname(name))}-${n}${extname(name)}`);
    renameSync(file, target);
    return target;
  }

  async function runFolder(s: SourceRow, counts: Counts, heartbeat: () => Promise<void>) {
    if (s.config.kind !== 'folder') return { rejectsFile: null, failed: [] as string[] };
    prepareFolder(s);
    const failedFiles: string[] = [];
    let lastRejects: string | null = null;
    const dir = s.config.folder;
    for (const file of settledFiles(dir, s.config.settleSeconds * 1000, Date.now())) {
      counts.files++;
      const target = join(dir, 'failed', `${basename(file)}.rejects.csv`);
      const rejects = openRejectsFile(target);
      let ok = false;
      let problem: string | null = null;
      try {
        ({ committed: ok } = await ingest(
          s,
          () => csvRows(file),
          rejects,
          'all-or-nothing',
          counts,
        ));
      } catch (e) {
        problem = e instanceof Error ? e.message : String(e);
      }
      if (ok) {
        await rejects.discard();
        moveInto(file, join(dir, 'done'));
      } else {
        const kept = await rejects.commit();
        const moved = moveInto(file, join(dir, 'failed'));
        if (kept) {
          const besideIt = `${moved}.rejects.csv`;
          if (kept !== besideIt) renameSync(kept, besideIt);
          lastRejects = besideIt;
        }
        failedFiles.push(`${basename(file)}${problem ? ` (${problem})` : ''}`);
      }
      await heartbeat();
    }
    return { rejectsFile: lastRejects, failed: failedFiles };
  }

  async function runPull(
    s: SourceRow,
    counts: Counts,
    rejects: RejectsFile,
    heartbeat: () => Promise<void>,
  ) {
    let credential: string | null = null;
    if (s.credentialSealed) {
      try {
        credential = await ctx.secretBox.open(s.credentialSealed);
      } catch {
        throw new SourceError(
          'credential_unreadable',
          "The source's credential cannot be opened on this machine (it was sealed elsewhere or the keychain changed); enter it again.",
          { credential: true },
        );
      }
    }
    // Pages are gathered into batches of PULL_BATCH rows: one import (one short write) each.
    let line = 1;
    let buffered: Record<string, string>[] = [];
    // A forward-only pull moves its cursor only once the rows before it are in the store.
    let cursor: string | undefined;
    const flush = async () => {
      const rows = buffered;
      buffered = [];
      if (rows.length) {
        const first = line + 1;
        line += rows.length;
        await ingest(s, () => recordsOf(rows, first), rejects, 'skip-invalid', counts);
      }
      if (cursor !== undefined) {
        const at = cursor;
        await write(() => ctx.sql.sources.setCursor(s.id, at));
      }
      await heartbeat();
    };
    try {
      const pages = pull({
        config: s.config,
        dataset: s.dataset,
        credential,
        cursor: s.cursor,
        now: ctx.now(),
        retry,
      });
      for await (const page of pages) {
        buffered = buffered.concat(page.records);
        if (page.cursor !== undefined) cursor = page.cursor;
        if (buffered.length >= PULL_BATCH) await flush();
      }
    } catch (e) {
      // The pages read before a failure are kept; the next run pulls the window again.
      await flush();
      throw e;
    }
    await flush();
  }

  function errorOf(e: unknown): { code: string; message: string } {
    if (e instanceof SourceError || isPartnergateError(e))
      return { code: e.code, message: e.message };
    return { code: 'internal_error', message: e instanceof Error ? e.message : String(e) };
  }

  async function execute(s: SourceRow, runId: number, startedAt: number): Promise<SourceRun> {
    const counts = zero();
    const dir = join(o.dataDir, 'sources', String(s.id));
    mkdirSync(dir, { recursive: true });
    const rejects = openRejectsFile(join(dir, `run-${runId}.rejects.csv`));
    const heartbeat = () => write(() => ctx.sql.sources.heartbeat(s.id, ctx.now()));
    let error: { code: string; message: string } | null = null;
    let rejectsFile: string | null = null;
    let credentialRefused = false;
    try {
      if (s.kind === 'folder') {
        const r = await runFolder(s, counts, heartbeat);
        rejectsFile = r.rejectsFile;
        if (r.failed.length)
          error = {
            code: 'files_failed',
            message: `${r.failed.length === 1 ? 'A file was' : `${r.failed.length} files were`} not imported and moved to failed/: ${r.failed.join('; ')}.`,
          };
      } else await runPull(s, counts, rejects, heartbeat);
    } catch (e) {
      error = errorOf(e);
      credentialRefused = e instanceof SourceError && e.credential;
    }
    if (s.kind !== 'folder') rejectsFile = await rejects.commit();
    else await rejects.discard();
    const now = ctx.now();
    const cronNext = nextScheduled(s.schedule, now);
    await write(() => {
      ctx.sql.sources.finishRun(runId, {
        ...counts,
        finishedAt: now,
        state: error ? 'failed' : 'ok',
        error,
        rejectsFile,
      });
      if (!error) ctx.sql.sources.succeeded(s.id, startedAt, cronNext);
      else {
        const backoff = now + retryDelayMs(s.consecutiveFailures + 1);
        ctx.sql.sources.failed(
          s.id,
          startedAt,
          cronNext === null ? backoff : Math.min(cronNext, backoff),
        );
        if (credentialRefused) ctx.sql.sources.setPaused(s.id, true, error.message, null);
      }
      ctx.sql.sources.release(s.id);
    });
    return ctx.sql.sources.run(runId)!;
  }

  const busy = (s: SourceRow) =>
    conflict(
      'source_running',
      `“${s.name}” is running already; a source never runs twice at once. Its run's outcome shows in its history.`,
    );

  /** Takes the source for a run in the store, unless a run of another process holds it. */
  async function claim(
    s: SourceRow,
    trigger: SourceRunTrigger,
  ): Promise<{ runId: number; startedAt: number }> {
    const startedAt = ctx.now();
    const runId = await write(() =>
      ctx.sql.sources.claim(s.id, startedAt, startedAt - STALE_RUN_MS)
        ? ctx.sql.sources.startRun(s.id, trigger, startedAt)
        : null,
    );
    if (runId === null) throw busy(s);
    return { runId, startedAt };
  }

  /**
   * Starts a run: the source is taken in this process at once (so a second start is refused
   * even before the first one reached the store), then in the store.
   */
  function begin(
    id: number,
    trigger: SourceRunTrigger,
  ): Promise<{ run: SourceRun; done: Promise<SourceRun> }> {
    const s = row(id);
    if (running.has(id)) return Promise.reject(busy(s));
    const claimed = claim(s, trigger);
    const done = claimed
      .then(({ runId, startedAt }) => execute(s, runId, startedAt))
      .finally(() => running.delete(id));
    done.catch(() => undefined);
    running.set(id, done);
    return claimed.then(({ runId }) => ({ run: ctx.sql.sources.run(runId)!, done }));
  }

  /** Imports the held rows whose partner and offer are both mapped now, as a run of its own. */
  async function release(s: SourceRow): Promise<SourceRun | null> {
    const maps = idMaps(s.id);
    const ready = (h: { externalPartner: string; externalOffer: string }) =>
      maps.partner.has(h.externalPartner) && maps.offer.has(h.externalOffer);
    if (!ctx.sql.sources.held(s.id, 0, 1_000_000).some(ready)) return null;
    // A run under way finishes first; then the release takes the source like a run.
    while (running.has(s.id)) await running.get(s.id)!.catch(() => undefined);
    let taken!: () => void;
    running.set(
      s.id,
      new Promise<SourceRun>((resolve) => (taken = () => resolve(ctx.sql.sources.lastRun(s.id)!))),
    );
    let runId: number;
    try {
      ({ runId } = await claim(s, 'release'));
    } catch (e) {
      running.delete(s.id);
      taken();
      throw e;
    }
    const counts = zero();
    const dir = join(o.dataDir, 'sources', String(s.id));
    mkdirSync(dir, { recursive: true });
    const rejects = openRejectsFile(join(dir, `run-${runId}.rejects.csv`));
    let error: { code: string; message: string } | null = null;
    const work = (async () => {
      try {
        let after = 0;
        let line = 1;
        for (;;) {
          const page = ctx.sql.sources.held(s.id, after, HELD_PAGE);
          if (page.length === 0) break;
          after = page.at(-1)!.id;
          const go = page.filter(ready);
          if (go.length === 0) continue;
          const first = line + 1;
          line += go.length;
          await ingest(
            s,
            () =>
              recordsOf(
                go.map((h) => h.record),
                first,
              ),
            rejects,
            'skip-invalid',
            counts,
            { hold: false },
          );
          // Imported or rejected (and listed in the run's rejects), they wait no longer.
          await write(() => ctx.sql.sources.unhold(go.map((h) => h.id)));
        }
      } catch (e) {
        error = errorOf(e);
      }
      const rejectsFile = await rejects.commit();
      await write(() => {
        ctx.sql.sources.finishRun(runId, {
          ...counts,
          finishedAt: ctx.now(),
          state: error ? 'failed' : 'ok',
          error,
          rejectsFile,
        });
        ctx.sql.sources.release(s.id);
      });
      return ctx.sql.sources.run(runId)!;
    })().finally(() => {
      running.delete(s.id);
      taken();
    });
    running.set(s.id, work);
    return work;
  }

  function tick(onError: (e: unknown, source: string) => void): void {
    const now = ctx.now();
    for (const s of ctx.sql.sources.list()) {
      if (s.paused || isRunning(s, now)) continue;
      if (s.nextRunAt === null) {
        const next = nextScheduled(s.schedule, now);
        void write(() => ctx.sql.sources.setPaused(s.id, false, null, next)).catch((e: unknown) =>
          onError(e, s.name),
        );
        continue;
      }
      if (now < s.nextRunAt) continue;
      begin(s.id, s.consecutiveFailures > 0 ? 'retry' : 'schedule')
        .then(({ done }) => done)
        .catch((e: unknown) => {
          if (!(isPartnergateError(e) && e.code === 'source_running')) onError(e, s.name);
        });
    }
  }

  return {
    list(): Source[] {
      return ctx.sql.sources.list().map(view);
    },
    get(id: number): SourceDetail {
      const s = row(id);
      const maps = idMaps(id);
      const held: HeldGroup[] = ctx.sql.sources.heldGroups(id).map((g) => ({
        ...g,
        unmapped: [
          ...(maps.partner.has(g.externalPartner) ? [] : ['partner' as const]),
          ...(maps.offer.has(g.externalOffer) ? [] : ['offer' as const]),
        ],
      }));
      return {
        ...view(s),
        mappings: ctx.sql.sources.mappings(id),
        held,
        runs: ctx.sql.sources.runs(id, 50),
      };
    },
    async add(input: z.input<typeof sourceAddInput>): Promise<Source> {
      const i = parseInput(sourceAddInput, input, 'source');
      checkMapping(i.dataset, i.mapping);
      nameFree(i.name, null);
      prepareFolder(i);
      const sealed = i.credential ? await seal(i.credential) : null;
      return ctx.write(() => {
        nameFree(i.name, null);
        const id = ctx.sql.sources.insert(
          {
            name: i.name,
            kind: i.config.kind,
            dataset: i.dataset,
            schedule: i.schedule,
            ids: i.ids,
            mapping: i.mapping,
            timezone: i.timezone,
            alertAfterMinutes: i.alertAfterMinutes,
            config: i.config,
            credentialSealed: sealed?.sealed ?? null,
            sealedWith: sealed?.with ?? null,
            credentialHint: i.credential ? hint(i.credential) : null,
            nextRunAt: nextScheduled(i.schedule, ctx.now()),
          },
          ctx.now(),
        );
        const v = view(row(id));
        ctx.audit('source.add', 'source', id, null, audited(v));
        return v;
      });
    },
    async update(input: z.input<typeof sourceUpdateInput>): Promise<Source> {
      const i = parseInput(sourceUpdateInput, input, 'source');
      const before = row(i.id);
      if (i.config && i.config.kind !== before.kind)
        throw invalid(
          'source_kind_fixed',
          `A source keeps its kind (${SOURCE_KIND_NAMES[before.kind]}); add a new source instead.`,
        );
      if (i.mapping) checkMapping(before.dataset, i.mapping);
      if (i.name) nameFree(i.name, i.id);
      const sealed = i.credential ? await seal(i.credential) : null;
      const next: SourceRow = {
        ...before,
        ...(i.name !== undefined && { name: i.name }),
        ...(i.mapping !== undefined && { mapping: i.mapping }),
        ...(i.timezone !== undefined && { timezone: i.timezone }),
        ...(i.alertAfterMinutes !== undefined && { alertAfterMinutes: i.alertAfterMinutes }),
        ...(i.config !== undefined && { config: i.config }),
        ...(i.schedule !== undefined && {
          schedule: i.schedule,
          nextRunAt: nextScheduled(i.schedule, ctx.now()),
        }),
        ...(i.credential !== undefined && {
          credentialSealed: sealed?.sealed ?? null,
          sealedWith: sealed?.with ?? null,
          credentialHint: i.credential ? hint(i.credential) : null,
        }),
      };
      prepareFolder(next);
      return ctx.write(() => {
        ctx.sql.sources.update(next);
        const v = view(row(i.id));
        ctx.audit('source.update', 'source', i.id, audited(view(before)), audited(v));
        return v;
      });
    },
    remove(id: number): { id: number } {
      const s = row(id);
      if (isRunning(s, ctx.now()))
        throw conflict(
          'source_running',
          `“${s.name}” is running; pause it and remove it once the run ends.`,
        );
      return ctx.write(() => {
        const v = view(s);
        ctx.sql.sources.remove(id);
        ctx.audit('source.remove', 'source', id, audited(v), null);
        return { id };
      });
    },
    pause(id: number): Source {
      const s = row(id);
      return ctx.write(() => {
        ctx.sql.sources.setPaused(id, true, null, null);
        const v = view(row(id));
        ctx.audit('source.pause', 'source', id, { paused: s.paused }, { paused: true });
        return v;
      });
    },
    resume(id: number): Source {
      const s = row(id);
      return ctx.write(() => {
        ctx.sql.sources.setPaused(id, false, null, nextScheduled(s.schedule, ctx.now()));
        const v = view(row(id));
        ctx.audit('source.resume', 'source', id, { paused: s.paused }, { paused: false });
        return v;
      });
    },
    /** Starts a run ("Run now") and answers at once with it; its outcome lands in the history. */
    async start(id: number, trigger: SourceRunTrigger = 'manual'): Promise<SourceRun> {
      const { run, done } = await begin(id, trigger);
      done.catch(() => undefined);
      return run;
    },
    /** Runs a source to its end (the CLI's `source run`). */
    async run(id: number, trigger: SourceRunTrigger = 'manual'): Promise<SourceRun> {
      return (await begin(id, trigger)).done;
    },
    runs(id: number, limit = 50): SourceRun[] {
      row(id);
      return ctx.sql.sources.runs(id, limit);
    },
    /** Maps a tracker's id to a partner or offer, then imports the rows that waited for it. */
    async map(input: z.input<typeof sourceMapInput>): Promise<SourceMapResult> {
      const i = parseInput(sourceMapInput, input, 'mapping');
      const s = row(i.sourceId);
      if (s.ids !== 'mapped')
        throw invalid(
          'source_not_mapped',
          `“${s.name}” names partners and offers by their Partnergate ids; it has no mapping.`,
        );
      if (i.kind === 'partner' && !ctx.sql.accounts.partnerIds().includes(i.localId))
        throw invalid(
          'not_a_partner',
          `Account ${i.localId} is not a partner (an affiliate or an introducing broker).`,
        );
      if (i.kind === 'offer' && !ctx.sql.offers.get(i.localId)) throw notFound('offer', i.localId);
      ctx.write(() => {
        ctx.sql.sources.map(i);
        ctx.audit('source.map', 'source', s.id, null, {
          kind: i.kind,
          externalId: i.externalId,
          localId: i.localId,
        });
      });
      const mapping = ctx.sql.sources
        .mappings(s.id)
        .find((m) => m.kind === i.kind && m.externalId === i.externalId)!;
      return { mapping, released: await release(s) };
    },
    unmap(i: { sourceId: number; kind: 'partner' | 'offer'; externalId: string }): {
      removed: boolean;
    } {
      const s = row(i.sourceId);
      return ctx.write(() => {
        const removed = ctx.sql.sources.unmap(s.id, i.kind, i.externalId);
        if (removed)
          ctx.audit(
            'source.unmap',
            'source',
            s.id,
            { kind: i.kind, externalId: i.externalId },
            null,
          );
        return { removed };
      });
    },
    /**
     * When the data a partner sees was last brought in by the sources feeding it (null: none).
     * Asked on every `/me`: answered from memory until anything is written.
     */
    freshUntil(accountId: number): number | null {
      const epoch = ctx.cacheEpoch();
      if (epoch !== freshness.epoch) freshness = { epoch, byAccount: new Map() };
      let fresh = freshness.byAccount.get(accountId);
      if (fresh === undefined)
        freshness.byAccount.set(accountId, (fresh = ctx.sql.sources.freshUntil(accountId)));
      return fresh;
    },
    /** Sources failing past their alert threshold, or stopped by a refused credential. */
    alerts(): SourceAlert[] {
      const now = ctx.now();
      return ctx.sql.sources
        .list()
        .filter((s) => alerting(s, now))
        .map((s) => ({
          id: `source:${s.id}:${s.failingSince ?? s.pausedReason}`,
          sourceId: s.id,
          title: s.pausedReason ? 'Source paused' : 'Source failing',
          body: s.pausedReason
            ? `“${s.name}” stopped: ${s.pausedReason}`
            : `“${s.name}” has failed since ${new Date(s.failingSince!).toISOString().slice(0, 16).replace('T', ' ')} UTC: ${ctx.sql.sources.lastRun(s.id)?.error?.message ?? 'see its history'}`,
        }));
    },
    /** One scheduler for every source of this store; returns a function that stops it. */
    startScheduler(
      opts: { tickMs?: number; onError?: (e: unknown, source: string) => void } = {},
    ): () => void {
      const onError = opts.onError ?? ((e, name) => console.error(`source “${name}”:`, e));
      if (timer) clearInterval(timer);
      const t = setInterval(() => {
        try {
          tick(onError);
        } catch (e) {
          onError(e, '(scheduler)');
        }
      }, opts.tickMs ?? 5_000);
      t.unref();
      timer = t;
      return () => {
        clearInterval(t);
        if (timer === t) timer = null;
      };
    },
    /** Runs what is due now (the scheduler's tick, for tests and `source run --due`). */
    tick: (onError: (e: unknown, source: string) => void = () => undefined) => tick(onError),
    /** Waits for the runs under way (closing the store after them). */
    async idle(): Promise<void> {
      await Promise.allSettled([...running.values()]);
    },
    stopScheduler(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

export type SourceService = ReturnType<typeof sourceService>;
