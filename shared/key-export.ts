/**
 * Keys as handed out in an export (the admin UI's Keys page and a partner's page, and
 * `partnergate key export`): no secrets, the partner by name, permissions and whitelist rules as
 * lists, times in ISO 8601. One shape for JSON; CSV goes through the one CSV writer.
 */
import { csvFromObjects } from './csv.ts';
import { formatRateLimit } from './durations.ts';
import type { ApiKey } from './schemas.ts';

export interface KeyExportRow {
  id: number;
  partner_id: number;
  partner: string;
  label: string;
  prefix: string;
  status: ApiKey['status'];
  scopes: string[];
  whitelist: string[];
  rate_limit: string;
  key_in_url: boolean;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
  revoked_reason: string | null;
  replaced_by: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** One key and the text of its whitelist rules. */
export function keyExportRow(k: ApiKey, rules: readonly string[]): KeyExportRow {
  return {
    id: k.id,
    partner_id: k.accountId,
    partner: k.accountName,
    label: k.label,
    prefix: k.displayPrefix,
    status: k.status,
    scopes: [...k.scopes],
    whitelist: [...rules],
    rate_limit: formatRateLimit(k.rateLimit),
    key_in_url: k.allowQueryAuth,
    created_at: iso(k.createdAt)!,
    created_by: k.createdBy,
    // While a rotated key's old secret still works, it stops at the end of the grace period.
    expires_at: iso(k.graceUntil ?? k.expiresAt),
    last_used_at: iso(k.lastUsedAt),
    last_used_ip: k.lastUsedIp,
    revoked_reason: k.revokedReason,
    replaced_by: k.replacedByKeyId,
  };
}

export const KEY_EXPORT_COLUMNS = [
  'id',
  'partner_id',
  'partner',
  'label',
  'prefix',
  'status',
  'scopes',
  'whitelist',
  'rate_limit',
  'key_in_url',
  'created_at',
  'created_by',
  'expires_at',
  'last_used_at',
  'last_used_ip',
  'revoked_reason',
  'replaced_by',
] as const satisfies readonly (keyof KeyExportRow)[];

/** The export as CSV: a list is one cell, its items separated by spaces (rules and scopes have none). */
export function keyExportCsv(rows: readonly KeyExportRow[]): string {
  return csvFromObjects(
    KEY_EXPORT_COLUMNS,
    rows.map((r) => ({
      ...r,
      scopes: r.scopes.join(' '),
      whitelist: r.whitelist.join(' '),
      key_in_url: r.key_in_url ? 'yes' : 'no',
    })),
  );
}

export function keyExportJson(rows: readonly KeyExportRow[]): string {
  return `${JSON.stringify(rows, null, 2)}\n`;
}
