/**
 * The Partnergate core: one open store and the services over it. Every front door (CLI,
 * headless server, desktop app, partner API) opens one of these and calls the same services;
 * the store's connection and its statements stay inside (front doors never see SQL).
 */
import { join } from 'node:path';
import { checkpointOnCommit, openDatabase, DATABASE_FILE } from './db/connection.ts';
import { explainStorageError } from './db/storage-errors.ts';
import type { SavedWindow } from './db/rate-windows.ts';
import { ensureWritableDir } from './data-dir.ts';
import { confSettingsStore, type SettingsStore } from './settings-store.ts';
import { accountService } from './services/accounts.ts';
import { apiProbeService } from './services/api-probe.ts';
import { auditService } from './services/audit.ts';
import { createContext, type ServiceContext } from './services/context.ts';
import { generateDemoData, type DemoOptions, type DemoSummary } from './services/demo-data.ts';
import { eventSearchService } from './services/event-search.ts';
import { handoutService } from './services/handouts.ts';
import { importJobs } from './services/import-jobs.ts';
import {
  importCsv,
  previewImport,
  type ImportOptions,
  type ImportResult,
} from './services/imports.ts';
import { ipRuleService } from './services/ip-rules.ts';
import { keyAuthService } from './services/key-auth.ts';
import { keyService } from './services/keys.ts';
import { offerService } from './services/offers.ts';
import { postbackService } from './services/postbacks.ts';
import { reportService } from './services/reports.ts';
import { loadMasterKeyBox, type SecretBox } from './services/secret-box.ts';
import { settingsService } from './services/settings.ts';
import { sourceService, type SourceServiceOptions } from './services/sources/service.ts';
import { usageService } from './services/usage.ts';
import { tlsService } from './services/tls.ts';
import { userService } from './services/users.ts';
import { writeWaiter, type WhenWritable } from './services/write-wait.ts';
import {
  startCheckpointer,
  type Checkpointer,
  type CheckpointerOptions,
} from './db/checkpointer.ts';

export interface CoreOptions {
  dataDir: string;
  /** Who makes the changes, for the audit log (e.g. `cli:alice`, `desktop:alice`). */
  actor: string;
  secretBox?: SecretBox;
  settings?: SettingsStore;
  now?: () => number;
  /** How long a write waits for another process's write lock (default 30 s). */
  busyTimeoutMs?: number;
  /** How sources retry a tracker's failures (tests make the waits short). */
  sourceRetry?: SourceServiceOptions['retry'];
  /** Starts the checkpoint thread of `checkpointInBackground` (tests stand in a thread that dies). */
  startCheckpointer?: typeof startCheckpointer;
}

export function createServices(
  ctx: ServiceContext,
  databaseFile: string,
  o: Pick<SourceServiceOptions, 'dataDir' | 'retry'>,
) {
  const accounts = accountService(ctx);
  const offers = offerService(ctx);
  const keys = keyService(ctx);
  const ipRules = ipRuleService(ctx);
  const reports = reportService(ctx, accounts);
  const runImport = (o: ImportOptions): Promise<ImportResult> =>
    importCsv({ databaseFile, actor: ctx.actor, now: ctx.now, background: ctx.background }, o);
  return {
    accounts,
    offers,
    keys,
    ipRules,
    reports,
    audit: auditService(ctx),
    events: eventSearchService(ctx, accounts),
    postbacks: postbackService(ctx, accounts),
    /** The key a partner API request presents, with its account and whitelist (cached). */
    keyAuth: keyAuthService(ctx, accounts),
    /** The request journal, the usage dashboard and the refusals to act on. */
    usage: usageService(ctx, keys),
    /** "Run now": this Partnergate's own partner API called with a key. */
    apiProbe: apiProbeService(keys),
    settings: settingsService(ctx, keys),
    /** The document a partner gets with a key, and the key's handout link. */
    handouts: handoutService(ctx, { keys, accounts, reports }),
    /** The people who administer Partnergate, their sign-in and sessions. */
    users: userService(ctx),
    /** HTTPS: Partnergate's own CA and the server certificate it signs, or the operator's. */
    tls: tlsService({ dataDir: o.dataDir, secretBox: ctx.secretBox, now: ctx.now }),
    /** Scheduled feeds (watched folders, URLs, trackers), their runs, id mappings and held rows. */
    sources: sourceService(ctx, { ...o, databaseFile }),
    importCsv: runImport,
    /** Imports started from the admin UI: uploads, background jobs, their progress, previews. */
    imports: { ...importJobs(runImport, ctx.now), preview: previewImport },
    demoData: (o: DemoOptions): Promise<DemoSummary> =>
      generateDemoData(ctx, { accounts, offers, keys, ipRules, reports }, o),
    /** The partner API's rate-limit windows, kept across a restart of its listener. */
    rateWindows: {
      saved: (now: number) => ctx.sql.rateWindows.current(now),
      save: (windows: readonly SavedWindow[]) =>
        ctx.write(() => ctx.sql.rateWindows.replace(windows)),
    },
    isEmpty(): boolean {
      return ctx.sql.accounts.list({}).length === 0 && ctx.sql.offers.list().length === 0;
    },
    counts(): { clicks: number; conversions: number; leads: number } {
      return ctx.sql.events.counts();
    },
    now: (): number => ctx.now(),
    /** The demo network's scale and seed when the store holds one (from `demo-data`). */
    demo(): { scale: string; seed: number } | null {
      const v = ctx.sql.meta.get('demo');
      return v ? (JSON.parse(v) as { scale: string; seed: number }) : null;
    },
    /** Runs `fn` with `actor` written to the audit log as the one making its changes. */
    runAs: <T>(actor: string | undefined, fn: () => T): T => ctx.runAs(actor, fn),
  };
}

export type Services = ReturnType<typeof createServices>;

export interface Core extends Services {
  dataDir: string;
  databaseFile: string;
  /**
   * Runs a write without blocking the event loop: while another process holds the write lock
   * it tries again a little later, for up to `waitMs`, then fails with `database_busy`.
   */
  whenWritable: WhenWritable;
  /**
   * A failure of the disk, the file system or the write lock as an environment error that names
   * the store and says what to do; any other value as it is.
   */
  explainError(e: unknown): unknown;
  /**
   * For a process that serves requests (`serve`, the desktop app): WAL checkpoints move off
   * its event loop onto a thread of their own, and request-path writes are synced off it too
   * (db/checkpointer.ts). If that thread cannot run, checkpoints and syncs go back to the
   * connections and `onFailure` is told why.
   */
  checkpointInBackground(o?: CheckpointerOptions): Checkpointer;
  /** Resolves once every commit this process made on the store's connection is on disk. */
  synced(): Promise<void>;
  close(): void;
}

export function openCore(o: CoreOptions): Core {
  ensureWritableDir(o.dataDir);
  const databaseFile = join(o.dataDir, DATABASE_FILE);
  const db = openDatabase(databaseFile, {
    ...(o.busyTimeoutMs !== undefined && { busyTimeoutMs: o.busyTimeoutMs }),
  });
  let checkpointer: Checkpointer | null = null;
  try {
    const ctx = createContext({
      db,
      actor: o.actor,
      secretBox: o.secretBox ?? loadMasterKeyBox(o.dataDir),
      settings: o.settings ?? confSettingsStore(o.dataDir),
      ...(o.now ? { now: o.now } : {}),
    });
    const services = createServices(ctx, databaseFile, {
      dataDir: o.dataDir,
      ...(o.sourceRetry && { retry: o.sourceRetry }),
    });
    return {
      ...services,
      dataDir: o.dataDir,
      databaseFile,
      whenWritable: writeWaiter(db, databaseFile),
      explainError: (e) => explainStorageError(e, databaseFile),
      checkpointInBackground(c = {}) {
        if (checkpointer) return checkpointer;
        checkpointOnCommit(db, false);
        const started = (o.startCheckpointer ?? startCheckpointer)(databaseFile, {
          ...c,
          onFailure: (message) => {
            ctx.background = null;
            if (db.open) checkpointOnCommit(db, true);
            c.onFailure?.(message);
          },
        });
        checkpointer = started;
        ctx.background = started;
        return started;
      },
      synced: () => ctx.synced(),
      close: () => {
        void checkpointer?.stop();
        services.sources.stopScheduler();
        services.imports.close();
        db.close();
      },
    };
  } catch (e) {
    db.close();
    throw e;
  }
}
