import type { Scope } from '../../shared/scopes.ts';
import type { Db } from './connection.ts';

/** A stored key as the services see it: everything but the hash and the sealed secret. */
export interface KeyRecord {
  id: number;
  accountId: number;
  accountName: string;
  accountKind: 'affiliate' | 'ib' | 'employee';
  accountStatus: 'active' | 'onboarding' | 'suspended';
  label: string;
  displayPrefix: string;
  scopes: Scope[];
  expiresAt: number | null;
  rateLimitCount: number;
  rateLimitWindowMs: number;
  allowQueryAuth: boolean;
  allowMcp: boolean;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  revokedAt: number | null;
  revokedReason: string | null;
  rotatedFromKeyId: number | null;
  replacedByKeyId: number | null;
  graceUntil: number | null;
  secretRetained: boolean;
  ipRuleCount: number;
}

interface KeyRow {
  id: number;
  account_id: number;
  account_name: string;
  account_kind: KeyRecord['accountKind'];
  account_status: KeyRecord['accountStatus'];
  label: string;
  display_prefix: string;
  scopes: string;
  expires_at: number | null;
  rate_limit_count: number;
  rate_limit_window_ms: number;
  allow_query_auth: number;
  allow_mcp: number;
  created_at: number;
  created_by: string;
  last_used_at: number | null;
  last_used_ip: string | null;
  revoked_at: number | null;
  revoked_reason: string | null;
  rotated_from_key_id: number | null;
  replaced_by_key_id: number | null;
  grace_until: number | null;
  secret_retained: number;
  ip_rule_count: number;
}

export interface KeyInsert {
  accountId: number;
  label: string;
  keyHash: Buffer;
  displayPrefix: string;
  scopes: readonly Scope[];
  expiresAt: number | null;
  rateLimitCount: number;
  rateLimitWindowMs: number;
  allowQueryAuth: boolean;
  allowMcp: boolean;
  createdAt: number;
  createdBy: string;
  rotatedFromKeyId: number | null;
  secretSealed: Buffer | null;
  sealedWith: string | null;
}

const SELECT = `SELECT k.id, k.account_id, a.name AS account_name, a.kind AS account_kind,
    a.status AS account_status, k.label, k.display_prefix, k.scopes, k.expires_at,
    k.rate_limit_count, k.rate_limit_window_ms, k.allow_query_auth, k.allow_mcp, k.created_at, k.created_by,
    k.last_used_at, k.last_used_ip, k.revoked_at, k.revoked_reason, k.rotated_from_key_id,
    k.replaced_by_key_id, k.grace_until, k.secret_sealed IS NOT NULL AS secret_retained,
    (SELECT count(*) FROM ip_rules r WHERE r.key_id = k.id) AS ip_rule_count
  FROM api_keys k JOIN accounts a ON a.id = k.account_id`;

const toRecord = (r: KeyRow): KeyRecord => ({
  id: r.id,
  accountId: r.account_id,
  accountName: r.account_name,
  accountKind: r.account_kind,
  accountStatus: r.account_status,
  label: r.label,
  displayPrefix: r.display_prefix,
  scopes: JSON.parse(r.scopes) as Scope[],
  expiresAt: r.expires_at,
  rateLimitCount: r.rate_limit_count,
  rateLimitWindowMs: r.rate_limit_window_ms,
  allowQueryAuth: r.allow_query_auth === 1,
  allowMcp: r.allow_mcp === 1,
  createdAt: r.created_at,
  createdBy: r.created_by,
  lastUsedAt: r.last_used_at,
  lastUsedIp: r.last_used_ip,
  revokedAt: r.revoked_at,
  revokedReason: r.revoked_reason,
  rotatedFromKeyId: r.rotated_from_key_id,
  replacedByKeyId: r.replaced_by_key_id,
  graceUntil: r.grace_until,
  secretRetained: r.secret_retained === 1,
  ipRuleCount: r.ip_rule_count,
});

export function keyStatements(db: Db) {
  const insert = db.prepare(`INSERT INTO api_keys
    (account_id, label, key_hash, display_prefix, scopes, expires_at, rate_limit_count,
     rate_limit_window_ms, allow_query_auth, allow_mcp, created_at, created_by, rotated_from_key_id,
     secret_sealed, sealed_with)
    VALUES (@accountId, @label, @keyHash, @displayPrefix, @scopes, @expiresAt, @rateLimitCount,
     @rateLimitWindowMs, @allowQueryAuth, @allowMcp, @createdAt, @createdBy, @rotatedFromKeyId,
     @secretSealed, @sealedWith)`);
  // `+?`, not `?`: this SQLite is built with STAT4, and a bare parameter compared with an
  // indexed column in a statement the full planner weighs (here a join) makes SQLite prepare the
  // statement again every time a value is bound, in case the value changes the best plan
  // (sqlite3_prepare_v2's rule 3). Unary plus changes no value and keeps the same index; a key
  // lookup (every request whose key is not cached) then costs ~10 µs instead of ~100 µs.
  const byId = db.prepare(`${SELECT} WHERE k.id = +?`);
  const byHash = db.prepare(`${SELECT} WHERE k.key_hash = +?`);
  const list = db.prepare(
    `${SELECT} WHERE (@accountId IS NULL OR k.account_id = @accountId) ORDER BY k.id`,
  );
  const sealed = db.prepare(`SELECT secret_sealed, sealed_with FROM api_keys WHERE id = ?`);
  const sealedBy =
    db.prepare(`SELECT sealed_with AS sealedWith, count(*) AS count, min(id) AS sampleId
    FROM api_keys WHERE secret_sealed IS NOT NULL GROUP BY sealed_with ORDER BY count DESC`);
  const setExpiry = db.prepare(`UPDATE api_keys SET expires_at = ? WHERE id = ?`);
  const revoke = db.prepare(
    `UPDATE api_keys SET revoked_at = ?, revoked_reason = ?, secret_sealed = NULL, sealed_with = NULL WHERE id = ?`,
  );
  const markRotated = db.prepare(
    `UPDATE api_keys SET replaced_by_key_id = ?, grace_until = ? WHERE id = ?`,
  );
  const update = db.prepare(`UPDATE api_keys SET label = @label, scopes = @scopes,
    rate_limit_count = @rateLimitCount, rate_limit_window_ms = @rateLimitWindowMs,
    allow_query_auth = @allowQueryAuth, allow_mcp = @allowMcp WHERE id = @id`);
  const dropSealed = db.prepare(
    `UPDATE api_keys SET secret_sealed = NULL, sealed_with = NULL WHERE secret_sealed IS NOT NULL`,
  );
  const touch = db.prepare(
    `UPDATE api_keys SET last_used_at = ?, last_used_ip = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
  );

  return {
    insert(k: KeyInsert): number {
      return Number(
        insert.run({
          ...k,
          scopes: JSON.stringify(k.scopes),
          allowQueryAuth: k.allowQueryAuth ? 1 : 0,
          allowMcp: k.allowMcp ? 1 : 0,
        }).lastInsertRowid,
      );
    },
    get(id: number): KeyRecord | undefined {
      const r = byId.get(id) as KeyRow | undefined;
      return r && toRecord(r);
    },
    getByHash(hash: Buffer): KeyRecord | undefined {
      const r = byHash.get(hash) as KeyRow | undefined;
      return r && toRecord(r);
    },
    list(accountId?: number): KeyRecord[] {
      return (list.all({ accountId: accountId ?? null }) as KeyRow[]).map(toRecord);
    },
    /** How many kept secrets each sealing method holds, with one key of each to try. */
    sealedSummary(): { sealedWith: string; count: number; sampleId: number }[] {
      return sealedBy.all() as { sealedWith: string; count: number; sampleId: number }[];
    },
    sealedSecret(id: number): { sealed: Buffer; sealedWith: string } | undefined {
      const r = sealed.get(id) as
        { secret_sealed: Buffer | null; sealed_with: string | null } | undefined;
      return r?.secret_sealed && r.sealed_with
        ? { sealed: r.secret_sealed, sealedWith: r.sealed_with }
        : undefined;
    },
    setExpiry(id: number, expiresAt: number | null): void {
      setExpiry.run(expiresAt, id);
    },
    revoke(id: number, at: number, reason: string): void {
      revoke.run(at, reason, id);
    },
    markRotated(id: number, replacedBy: number, graceUntil: number): void {
      markRotated.run(replacedBy, graceUntil, id);
    },
    update(
      id: number,
      k: Pick<
        KeyRecord,
        'label' | 'scopes' | 'rateLimitCount' | 'rateLimitWindowMs' | 'allowQueryAuth' | 'allowMcp'
      >,
    ): void {
      update.run({
        ...k,
        id,
        scopes: JSON.stringify(k.scopes),
        allowQueryAuth: k.allowQueryAuth ? 1 : 0,
        allowMcp: k.allowMcp ? 1 : 0,
      });
    },
    dropAllSealedSecrets(): number {
      return dropSealed.run().changes;
    },
    /** Records a use; never moves last-used backwards when batched writes arrive out of order. */
    touch(id: number, at: number, ip: string): void {
      touch.run(at, ip, id, at);
    },
  };
}

export type KeyStatements = ReturnType<typeof keyStatements>;
