/**
 * When the disk, the file system or another program gets in the way, the store says which
 * file and what to do, instead of "internal error": each of these is an `environment` error
 * (HTTP 503 on the partner API, exit 1 from the CLI) with its own code.
 */
import { CLI } from '../../shared/cli-name.ts';
import { PartnergateError } from '../../shared/errors.ts';

/** The code of an SQLite error (`SQLITE_BUSY`, `SQLITE_FULL`, `SQLITE_IOERR_WRITE` …) or a system one. */
function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** Another connection holds the write lock longer than this one would wait. */
export function isBusy(e: unknown): boolean {
  const code = codeOf(e);
  return (
    code.startsWith('SQLITE_BUSY') ||
    code.startsWith('SQLITE_LOCKED') ||
    (e instanceof PartnergateError && e.code === 'database_busy')
  );
}

export const STORAGE_ERROR_CODES = [
  'disk_full',
  'database_busy',
  'database_read_only',
  'database_corrupt',
  'storage_io_error',
  'database_unopenable',
] as const;
export type StorageErrorCode = (typeof STORAGE_ERROR_CODES)[number];

function environment(code: StorageErrorCode, message: string): PartnergateError {
  return new PartnergateError('environment', code, message);
}

/**
 * The environment error an SQLite or file-system failure stands for, naming `file` (the
 * database, or the file being written); undefined when `e` is not such a failure.
 */
export function storageError(e: unknown, file: string): PartnergateError | undefined {
  if (e instanceof PartnergateError) return undefined;
  const code = codeOf(e);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG')
    return environment(
      'disk_full',
      `The disk holding ${file} is full, so nothing was saved. Free some space on it and try again.`,
    );
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return environment(
      'database_busy',
      `${file} is busy: another program (an import, another Partnergate, a backup tool) is writing to it. Nothing was changed; try again in a moment.`,
    );
  if (
    code.startsWith('SQLITE_READONLY') ||
    code === 'EROFS' ||
    code === 'EACCES' ||
    code === 'EPERM'
  )
    return environment(
      'database_read_only',
      `${file} cannot be written: the file, its folder or its disk is read-only for this user. Give this user write access (or choose another --data-dir) and try again.`,
    );
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
    return environment(
      'database_corrupt',
      `${file} is damaged. Stop Partnergate, restore the file from a backup, or run \`${CLI} doctor\` to see what is wrong.`,
    );
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO')
    return environment(
      'storage_io_error',
      `Reading or writing ${file} failed (${code}); the disk or the file system reports an error. Check the disk, then run \`${CLI} doctor\`.`,
    );
  if (code.startsWith('SQLITE_CANTOPEN'))
    return environment(
      'database_unopenable',
      `${file} cannot be opened: check that its folder exists and this user may read and write it.`,
    );
  return undefined;
}

/** `e` as an environment error naming `file` when it is a storage failure, else `e` itself. */
export function explainStorageError(e: unknown, file: string): unknown {
  return storageError(e, file) ?? e;
}
