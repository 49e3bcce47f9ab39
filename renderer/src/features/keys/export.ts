/** A partner's keys as a file: through the one CSV writer, or as JSON. */
import { csvFromObjects } from '../../../../shared/csv.ts';
import type { ApiKey } from '../../../../shared/schemas.ts';

/** A partner's keys as handed out in an export: no secrets, times in ISO 8601. */
export function keyExportRows(keys: readonly ApiKey[]) {
  return keys.map((k) => ({
    id: k.id,
    label: k.label,
    prefix: k.displayPrefix,
    scopes: k.scopes.join(' '),
    status: k.status,
    created_at: new Date(k.createdAt).toISOString(),
    created_by: k.createdBy,
    expires_at: k.expiresAt ? new Date(k.expiresAt).toISOString() : '',
    last_used_at: k.lastUsedAt ? new Date(k.lastUsedAt).toISOString() : '',
    last_used_ip: k.lastUsedIp ?? '',
  }));
}

const KEY_EXPORT_COLUMNS = [
  'id',
  'label',
  'prefix',
  'scopes',
  'status',
  'created_at',
  'created_by',
  'expires_at',
  'last_used_at',
  'last_used_ip',
] as const;

/** The keys export as CSV, through the one CSV writer. */
export function keysCsv(keys: readonly ApiKey[]): string {
  return csvFromObjects(KEY_EXPORT_COLUMNS, keyExportRows(keys));
}
