/**
 * `partnergate doctor`: what is wrong with a data directory, and what to do about it. Each check
 * says ok or problem, in words, with the fix; `fix` applies the fixes that are safe to make
 * unattended (rebuilding the rollups from the raw rows, emptying the write-ahead log, pruning
 * an oversized request journal).
 */
import { CLI } from '../../shared/cli-name.ts';
import { existsSync, statfsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DAY } from '../../shared/durations.ts';
import { isPartnergateError } from '../../shared/errors.ts';
import type { Db } from '../db/connection.ts';
import { DATABASE_FILE, healthStatements, openForChecks } from '../db/health.ts';
import { keyStatements } from '../db/keys.ts';
import { rollupStatements } from '../db/rollups.ts';
import { explainStorageError } from '../db/storage-errors.ts';
import { writeTransaction } from '../db/transactions.ts';
import { checkSettingsFile, settingsFilePath } from '../settings-store.ts';
import { probeMasterKey } from './secret-box.ts';

export interface DoctorCheck {
  id: string;
  title: string;
  ok: boolean;
  /** What was found, in words. */
  detail: string;
  /** What to do about a problem (null when there is none). */
  fix: string | null;
  /** What `--fix` did, when it did something. */
  fixed?: string;
}

export interface DoctorReport {
  dataDir: string;
  databaseFile: string;
  ok: boolean;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  dataDir: string;
  /** Apply the fixes that are safe to make unattended. */
  fix?: boolean;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

const MB = 1024 * 1024;
/** Over this, the request journal is worth pruning (it only grows). */
export const JOURNAL_ROWS_LIMIT = 2_000_000;
const JOURNAL_KEEP_DAYS = 90;
const WAL_LIMIT_BYTES = 256 * MB;
const FREE_SPACE_MIN_BYTES = 200 * MB;

const fmtBytes = (n: number) =>
  n >= 1024 * MB ? `${(n / 1024 / MB).toFixed(1)} GB` : `${Math.round(n / MB)} MB`;

export async function runDoctor(o: DoctorOptions): Promise<DoctorReport> {
  const now = o.now ?? Date.now;
  const file = join(o.dataDir, DATABASE_FILE);
  const checks: DoctorCheck[] = [];
  const add = (c: Omit<DoctorCheck, 'fix'> & { fix?: string | null }) =>
    checks.push({ ...c, fix: c.ok ? null : (c.fix ?? null) });

  if (existsSync(o.dataDir)) {
    const fs = statfsSync(o.dataDir);
    const free = fs.bavail * fs.bsize;
    add({
      id: 'disk_space',
      title: 'Free disk space',
      ok: free >= FREE_SPACE_MIN_BYTES,
      detail: `${fmtBytes(free)} free on the disk holding ${o.dataDir}.`,
      fix: `Free space on that disk: below ${fmtBytes(FREE_SPACE_MIN_BYTES)} imports and postbacks start to fail with disk_full.`,
    });
  }

  let db: Db | null = null;
  if (!existsSync(file)) {
    add({
      id: 'store',
      title: 'Store',
      ok: true,
      detail: `There is no store at ${file} yet; the first command creates it.`,
    });
  } else {
    try {
      db = openForChecks(file);
      add({
        id: 'store',
        title: 'Store',
        ok: true,
        detail: `${file} opens as a Partnergate store.`,
      });
    } catch (e) {
      const err = explainStorageError(e, file);
      add({
        id: 'store',
        title: 'Store',
        ok: false,
        detail: isPartnergateError(err) ? err.message : String(err),
        fix: `Restore ${file} from a backup (with its -wal file, if any), or choose another data directory.`,
      });
    }
  }

  if (db) {
    try {
      checkStore(db, file, o.fix === true, now, add);
    } catch (e) {
      const err = explainStorageError(e, file);
      add({
        id: 'store_read',
        title: 'Reading the store',
        ok: false,
        detail: isPartnergateError(err) ? err.message : String(err),
        fix: `Restore ${file} from a backup.`,
      });
    }
  }

  await checkMasterKey(o.dataDir, o.env ?? process.env, db, add);

  try {
    checkSettingsFile(settingsFilePath(o.dataDir));
    add({
      id: 'settings',
      title: 'Settings',
      ok: true,
      detail: existsSync(settingsFilePath(o.dataDir))
        ? `${settingsFilePath(o.dataDir)} is valid.`
        : 'No settings file: the defaults apply.',
    });
  } catch (e) {
    add({
      id: 'settings',
      title: 'Settings',
      ok: false,
      detail: (e as Error).message,
      fix: `Correct ${settingsFilePath(o.dataDir)} by hand, or move it away to start from the defaults.`,
    });
  }

  db?.close();
  return { dataDir: o.dataDir, databaseFile: file, ok: checks.every((c) => c.ok), checks };
}

function checkStore(
  db: Db,
  file: string,
  fix: boolean,
  now: () => number,
  add: (c: Omit<DoctorCheck, 'fix'> & { fix?: string | null }) => void,
): void {
  const health = healthStatements(db);
  const integrity = health.integrity();
  const intact = integrity.length === 1 && integrity[0] === 'ok';
  add({
    id: 'integrity',
    title: 'Integrity',
    ok: intact,
    detail: intact
      ? 'SQLite’s integrity check finds the file intact.'
      : `SQLite’s integrity check finds damage: ${integrity.slice(0, 5).join('; ')}${integrity.length > 5 ? ' …' : ''}`,
    fix: `Stop every program using ${file} and restore it from a backup. If there is none, \`sqlite3 ${file} .recover\` salvages what it can into a new file.`,
  });

  const orphans = health.foreignKeyProblems();
  add({
    id: 'foreign_keys',
    title: 'References between rows',
    ok: orphans.length === 0,
    detail:
      orphans.length === 0
        ? 'Every row refers to rows that exist.'
        : `Rows refer to rows that do not exist: ${orphans.map((p) => `${p.count} in ${p.table} (to ${p.parent})`).join(', ')}.`,
    fix: `Restore ${file} from a backup made before the damage.`,
  });

  const rollups = rollupStatements(db);
  let off = rollups.mismatches().filter((m) => m.rows > 0);
  let fixed: string | undefined;
  if (off.length && fix && intact) {
    writeTransaction(db, () => rollups.rebuild());
    fixed = 'Rebuilt the hourly rollups from the raw rows.';
    off = rollups.mismatches().filter((m) => m.rows > 0);
  }
  add({
    id: 'rollups',
    title: 'Hourly rollups',
    ok: off.length === 0,
    detail:
      off.length === 0
        ? 'The hourly totals behind the reports equal the sums of the raw rows.'
        : `The hourly totals differ from the raw rows in ${off.map((m) => `${m.rows} rows of ${m.rollup}`).join(', ')}; reports read from them are wrong.`,
    fix: `\`${CLI} doctor --fix\` rebuilds them from the raw rows.`,
    ...(fixed && { fixed }),
  });

  const walFile = `${file}-wal`;
  let wal = existsSync(walFile) ? statSync(walFile).size : 0;
  let walFixed: string | undefined;
  if (wal > WAL_LIMIT_BYTES && fix) {
    const { busy } = health.checkpoint();
    wal = existsSync(walFile) ? statSync(walFile).size : 0;
    walFixed = busy
      ? 'Tried to empty the write-ahead log; another program is reading, so part of it stays.'
      : 'Moved the write-ahead log into the database and emptied it.';
  }
  add({
    id: 'write_ahead_log',
    title: 'Write-ahead log',
    ok: wal <= WAL_LIMIT_BYTES,
    detail: `${walFile} holds ${fmtBytes(wal)}.`,
    fix: `A long-running reader keeps it from being emptied; stop idle programs using the store, or run \`${CLI} doctor --fix\`.`,
    ...(walFixed && { fixed: walFixed }),
  });

  let journal = health.requestJournal();
  let journalFixed: string | undefined;
  if (journal.rows > JOURNAL_ROWS_LIMIT && fix) {
    const removed = writeTransaction(db, () =>
      health.pruneRequestJournal(now() - JOURNAL_KEEP_DAYS * DAY),
    );
    journalFixed = `Removed ${removed.toLocaleString('en-US')} request journal entries older than ${JOURNAL_KEEP_DAYS} days.`;
    journal = health.requestJournal();
  }
  add({
    id: 'request_journal',
    title: 'Request journal',
    ok: journal.rows <= JOURNAL_ROWS_LIMIT,
    detail: `${journal.rows.toLocaleString('en-US')} requests journaled${journal.oldestAt === null ? '' : `, the oldest on ${new Date(journal.oldestAt).toISOString().slice(0, 10)}`}.`,
    fix: `\`${CLI} doctor --fix\` removes entries older than ${JOURNAL_KEEP_DAYS} days.`,
    ...(journalFixed && { fixed: journalFixed }),
  });
}

async function checkMasterKey(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  db: Db | null,
  add: (c: Omit<DoctorCheck, 'fix'> & { fix?: string | null }) => void,
): Promise<void> {
  const probe = probeMasterKey(dataDir, env);
  let sealed: { sealedWith: string; count: number; sampleId: number }[] = [];
  try {
    sealed = db ? keyStatements(db).sealedSummary() : [];
  } catch {
    // A store that cannot be read was reported above.
  }
  const byMasterKey = sealed.filter((s) => s.sealedWith.startsWith('master-key:'));
  const kept = byMasterKey.reduce((n, s) => n + s.count, 0);
  const desktop = sealed
    .filter((s) => !s.sealedWith.startsWith('master-key:'))
    .reduce((n, s) => n + s.count, 0);
  const desktopNote = desktop
    ? ` ${desktop} kept secrets are sealed by the desktop app’s keychain and can only be checked there.`
    : '';
  if (probe.state === 'invalid') {
    add({
      id: 'master_key',
      title: 'Master key',
      ok: false,
      detail: probe.message,
      fix: 'Restore the master key from the backup made with the store.',
    });
    return;
  }
  if (probe.state === 'missing') {
    add({
      id: 'master_key',
      title: 'Master key',
      ok: kept === 0,
      detail:
        kept === 0
          ? `No master key yet (${probe.file} is created when a secret is first kept).${desktopNote}`
          : `${probe.file} is missing, so ${kept} kept secrets cannot be shown again.${desktopNote}`,
      fix: `Put back the master.key backed up with the store (or set ${'PARTNERGATE_MASTER_KEY'}); otherwise rotate those keys to hand out new secrets.`,
    });
    return;
  }
  const looseMode =
    probe.file !== null &&
    process.platform !== 'win32' &&
    (statSync(probe.file).mode & 0o077) !== 0;
  const foreign = byMasterKey.filter((s) => s.sealedWith !== probe.box.id);
  const sample = byMasterKey.find((s) => s.sealedWith === probe.box.id);
  let opens = true;
  if (sample && db) {
    const stored = keyStatements(db).sealedSecret(sample.sampleId);
    opens =
      stored !== undefined &&
      (await probe.box.open(stored.sealed).then(
        () => true,
        () => false,
      ));
  }
  const foreignCount = foreign.reduce((n, s) => n + s.count, 0);
  add({
    id: 'master_key',
    title: 'Master key',
    ok: foreignCount === 0 && opens && !looseMode,
    detail:
      (foreignCount
        ? `${foreignCount} kept secrets were sealed with another master key than the one in ${probe.source}. `
        : '') +
      (!opens ? `A kept secret does not open with the master key in ${probe.source}. ` : '') +
      (looseMode ? `${probe.file} can be read by other users of this machine. ` : '') +
      (foreignCount || !opens || looseMode
        ? ''
        : `The master key in ${probe.source} opens the ${kept} kept secrets.`) +
      desktopNote,
    fix:
      looseMode && !foreignCount && opens
        ? `chmod 600 ${probe.file}`
        : 'Restore the master.key backed up with this store; otherwise rotate the keys whose secrets cannot be opened.',
  });
}
