/**
 * The Partnergate core: one open store and the services over it. Every front door (CLI,
 * headless server, desktop app) opens one of these and calls the same services.
 */
import { join } from 'node:path';
import { openDatabase, DATABASE_FILE, type Db } from './db/connection.ts';
import { explainStorageError } from './db/storage-errors.ts';
import type { SavedWindow } from './db/rate-windows.ts';
import { ensureWritableDir } from './data-dir.ts';
import { confSettingsStore, type SettingsStore } from './settings-store.ts';
import { accountService } from './services/accounts.ts';
import { auditService } from './services/audit.ts';
import { createContext, type ServiceContext } from './services/context.ts';
import { generateDemoData, type DemoOptions, type DemoSummary } from './services/demo-data.ts';
import { importCsv, type ImportOptions, type ImportResult } from './services/imports.ts';
import { ipRuleService } from './services/ip-rules.ts';
import { keyService } from './services/keys.ts';
import { offerService } from './services/offers.ts';
import { reportService } from './services/reports.ts';
import { eventSearchService } from './services/event-search.ts';
import { postbackService } from './services/postbacks.ts';
import { loadMasterKeyBox, type SecretBox } from './services/secret-box.ts';
import { writeWaiter, type WhenWritable } from './services/write-wait.ts';
import { importJobs } from './services/import-jobs.ts';

export interface CoreOptions {
  dataDir: string;
  /** Who makes the changes, for the audit log (e.g. `cli:alice`, `desktop:alice`). */
  actor: string;
  secretBox?: SecretBox;
  settings?: SettingsStore;
  now?: () => number;
  /** How long a write waits for another process's write lock (default 30 s). */
  busyTimeoutMs?: number;
}

export function createServices(ctx: ServiceContext, databaseFile: string) {
  const accounts = accountService(ctx);
  const offers = offerService(ctx);
  const keys = keyService(ctx);
  const ipRules = ipRuleService(ctx);
  const reports = reportService(ctx, accounts);
  const audit = auditService(ctx);
  const runImport = (o: ImportOptions): Promise<ImportResult> =>
    importCsv({ databaseFile, actor: ctx.actor, now: ctx.now }, o);
  return {
    events: eventSearchService(ctx, accounts),
    postbacks: postbackService(ctx, accounts),
    accounts,
    offers,
    keys,
    ipRules,
    reports,
    audit,
    importCsv: runImport,
    /** Imports started from the admin UI: uploads, background jobs and their progress. */
    imports: importJobs(runImport, ctx.now),
    demoData: (o: DemoOptions): Promise<DemoSummary> =>
      generateDemoData(ctx, { accounts, offers, keys, ipRules, reports }, o),
    /** Applies a change of the secret policy: switching to show-once drops every kept copy. */
    setSecretPolicy(policy: 'reshow' | 'show-once'): { dropped: number } {
      ctx.settings.update((s) => ({ ...s, keys: { ...s.keys, secretPolicy: policy } }));
      return { dropped: policy === 'show-once' ? keys.dropRetainedSecrets() : 0 };
    },
    /** The partner API's rate-limit windows, kept across a restart of its listener. */
    rateWindows: {
      saved: (now: number) => ctx.sql.rateWindows.current(now),
      save: (windows: readonly SavedWindow[]) =>
        ctx.write(() => ctx.sql.rateWindows.replace(windows)),
    },
    isEmpty(): boolean {
      return ctx.sql.accounts.list({}).length === 0 && ctx.sql.offers.list().length === 0;
    },
    counts() {
      return ctx.sql.events.counts();
    },
  };
}

export type Services = ReturnType<typeof createServices>;

export interface Core extends Services {
  dataDir: string;
  databaseFile: string;
  db: Db;
  ctx: ServiceContext;
  settings: SettingsStore;
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
  close(): void;
}

export function openCore(o: CoreOptions): Core {
  ensureWritableDir(o.dataDir);
  const databaseFile = join(o.dataDir, DATABASE_FILE);
  const db = openDatabase(databaseFile, {
    ...(o.busyTimeoutMs !== undefined && { busyTimeoutMs: o.busyTimeoutMs }),
  });
  try {
    const settings = o.settings ?? confSettingsStore(o.dataDir);
    const secretBox = o.secretBox ?? loadMasterKeyBox(o.dataDir);
    const ctx = createContext({
      db,
      actor: o.actor,
      secretBox,
      settings,
      ...(o.now ? { now: o.now } : {}),
    });
    const services = createServices(ctx, databaseFile);
    return {
      ...services,
      dataDir: o.dataDir,
      databaseFile,
      db,
      ctx,
      settings,
      whenWritable: writeWaiter(db, databaseFile),
      explainError: (e) => explainStorageError(e, databaseFile),
      close: () => {
        services.imports.close();
        db.close();
      },
    };
  } catch (e) {
    db.close();
    throw e;
  }
}
