import { hash, randomBytes } from 'node:crypto';
import { DAY } from '../../shared/durations.ts';
import { conflict, forbidden, notFound, PartnergateError } from '../../shared/errors.ts';
import { checkKeyFormat, displayPrefix, generateKey } from '../../shared/key-format.ts';
import {
  keyExtendInput,
  keyIssueInput,
  keyRevokeInput,
  keyRotateInput,
  keyUpdateInput,
  type ApiKey,
  type IssuedKey,
  type KeyIssueInput,
  type KeyStatus,
} from '../../shared/schemas.ts';
import { keyExportRow, type KeyExportRow } from '../../shared/key-export.ts';
import type { KeyRecord } from '../db/keys.ts';
import { effectiveExpiry } from '../../shared/key-expiry.ts';
import type { ServiceContext } from './context.ts';
import { parseInput } from './validate.ts';

/** SHA-256 of a key, in one call (no Hash object per request). */
export function hashKey(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

/** The same hash as base64 text (a cache's key), without a Buffer in between. */
export function hashKeyText(secret: string): string {
  return hash('sha256', secret, 'base64');
}

const nodeRandomBytes = (n: number): Uint8Array => randomBytes(n);

export function keyStatus(
  k: Pick<KeyRecord, 'revokedAt' | 'expiresAt' | 'graceUntil'>,
  now: number,
): KeyStatus {
  if (k.revokedAt !== null) return 'revoked';
  const until = effectiveExpiry(k);
  return until !== null && until <= now ? 'expired' : 'active';
}

export function toApiKey(k: KeyRecord, now: number): ApiKey {
  return {
    id: k.id,
    accountId: k.accountId,
    accountName: k.accountName,
    label: k.label,
    displayPrefix: k.displayPrefix,
    scopes: k.scopes,
    expiresAt: k.expiresAt,
    rateLimit: { count: k.rateLimitCount, windowMs: k.rateLimitWindowMs },
    allowQueryAuth: k.allowQueryAuth,
    allowMcp: k.allowMcp,
    createdAt: k.createdAt,
    createdBy: k.createdBy,
    lastUsedAt: k.lastUsedAt,
    lastUsedIp: k.lastUsedIp,
    status: keyStatus(k, now),
    revokedAt: k.revokedAt,
    revokedReason: k.revokedReason,
    replacedByKeyId: k.replacedByKeyId,
    rotatedFromKeyId: k.rotatedFromKeyId,
    graceUntil: k.graceUntil,
    secretRetained: k.secretRetained,
    ipRuleCount: k.ipRuleCount,
  };
}

/** Why a presented secret does not authenticate; the partner API answers 401 with the code. */
export type KeyRejection = 'missing_api_key' | 'invalid_api_key' | 'key_revoked' | 'key_expired';

export type KeyLookup = { ok: true; key: KeyRecord } | { ok: false; code: KeyRejection };

/** Refuses, before any lookup, a secret that is absent or fails the format and checksum. */
export function rejectUnlessWellFormed(
  secret: string | undefined,
): { ok: false; code: KeyRejection } | null {
  if (!secret) return { ok: false, code: 'missing_api_key' };
  if (!checkKeyFormat(secret).ok) return { ok: false, code: 'invalid_api_key' };
  return null;
}

/** Whether a stored key (or none) authenticates at this instant. */
export function classifyKey(k: KeyRecord | undefined, now: number): KeyLookup {
  if (!k) return { ok: false, code: 'invalid_api_key' };
  const status = keyStatus(k, now);
  if (status === 'revoked') return { ok: false, code: 'key_revoked' };
  if (status === 'expired') return { ok: false, code: 'key_expired' };
  return { ok: true, key: k };
}

export function keyService(ctx: ServiceContext) {
  const { sql } = ctx;

  function record(id: number): KeyRecord {
    const k = sql.keys.get(id);
    if (!k) throw notFound('key', id);
    return k;
  }

  const view = (id: number) => toApiKey(record(id), ctx.now());

  function assertUsable(k: KeyRecord, doing: string): void {
    const status = keyStatus(k, ctx.now());
    if (status === 'revoked') {
      throw conflict(
        'key_revoked',
        `Key ${k.id} was revoked (${k.revokedReason ?? 'no reason given'}); cannot ${doing} it.`,
      );
    }
    if (status === 'expired') {
      throw conflict(
        'key_expired',
        `Key ${k.id} has expired; cannot ${doing} it. Extend it first, or issue a new key.`,
      );
    }
    if (k.replacedByKeyId !== null) {
      throw conflict(
        'key_rotated',
        `Key ${k.id} was rotated and is replaced by key ${k.replacedByKeyId}; ${doing} that key instead.`,
      );
    }
  }

  function resolveExpiry(expiresAt: number | 'never' | undefined, field: string): number | null {
    const now = ctx.now();
    if (expiresAt === 'never') return null;
    if (expiresAt === undefined) return now + ctx.settings.get().keys.defaultExpiryDays * DAY;
    if (expiresAt <= now) {
      throw new PartnergateError(
        'invalid',
        'expiry_in_past',
        `The expiry ${new Date(expiresAt).toISOString()} is in the past.`,
        [{ field, message: 'must be in the future' }],
      );
    }
    return expiresAt;
  }

  async function sealIfRetained(
    secret: string,
  ): Promise<{ sealed: Buffer | null; sealedWith: string | null }> {
    // Show-once by policy, or because nothing here can protect a copy (no keychain).
    if (
      ctx.settings.get().keys.secretPolicy === 'show-once' ||
      !(await ctx.secretBox.describe()).retains
    )
      return { sealed: null, sealedWith: null };
    return { sealed: await ctx.secretBox.seal(secret), sealedWith: ctx.secretBox.id };
  }

  return {
    get: view,

    list(accountId?: number): ApiKey[] {
      const now = ctx.now();
      return sql.keys.list(accountId).map((k) => toApiKey(k, now));
    },

    /** Keys as an export: partner names, permissions and whitelist rules; `ids` picks some. */
    exportRows(q: { accountId?: number; ids?: readonly number[] } = {}): KeyExportRow[] {
      const rules = new Map<number, string[]>();
      for (const r of sql.ipRules.all()) {
        const list = rules.get(r.keyId) ?? [];
        list.push(r.text);
        rules.set(r.keyId, list);
      }
      const wanted = q.ids && new Set(q.ids);
      const now = ctx.now();
      return sql.keys
        .list(q.accountId)
        .filter((k) => !wanted || wanted.has(k.id))
        .map((k) => keyExportRow(toApiKey(k, now), rules.get(k.id) ?? []));
    },

    async issue(input: KeyIssueInput): Promise<IssuedKey> {
      const k = parseInput(keyIssueInput, input, 'key');
      const account = sql.accounts.get(k.accountId);
      if (!account) throw notFound('account', k.accountId);
      if (account.status === 'suspended') {
        throw conflict(
          'account_suspended',
          `${account.name} (account ${account.id}) is suspended; reactivate it before issuing keys.`,
        );
      }
      const expiresAt = resolveExpiry(k.expiresAt, 'expiresAt');
      const rate = k.rateLimit ?? ctx.settings.get().keys.defaultRateLimit;
      const secret = generateKey(nodeRandomBytes);
      const { sealed, sealedWith } = await sealIfRetained(secret);
      return ctx.write(() => {
        const id = sql.keys.insert({
          accountId: k.accountId,
          label: k.label,
          keyHash: hashKey(secret),
          displayPrefix: displayPrefix(secret),
          scopes: [...new Set(k.scopes)],
          expiresAt,
          rateLimitCount: rate.count,
          rateLimitWindowMs: rate.windowMs,
          allowQueryAuth: k.allowQueryAuth,
          allowMcp:
            k.allowMcp ??
            (ctx.settings.get().keys.mcpByDefault && k.scopes.some((x) => x.endsWith(':read'))),
          createdAt: ctx.now(),
          createdBy: ctx.actor,
          rotatedFromKeyId: null,
          secretSealed: sealed,
          sealedWith,
        });
        const key = view(id);
        ctx.audit('key.issue', 'key', id, null, key);
        return { key, secret };
      });
    },

    /** The secret again, from its encrypted copy; refused under the show-once policy. */
    async reveal(id: number): Promise<string> {
      const k = record(id);
      if (ctx.settings.get().keys.secretPolicy === 'show-once') {
        throw forbidden(
          'secret_not_retained',
          'Secrets are shown once (the show-once policy is on); rotate the key to hand out a new secret.',
        );
      }
      if (keyStatus(k, ctx.now()) === 'revoked') {
        throw conflict('key_revoked', `Key ${id} is revoked; its secret is no longer kept.`);
      }
      const stored = sql.keys.sealedSecret(id);
      if (!stored) {
        throw forbidden(
          'secret_not_retained',
          `No copy of key ${id}'s secret was kept (it was issued to be shown once); rotate it to hand out a new secret.`,
        );
      }
      if (stored.sealedWith !== ctx.secretBox.id) {
        throw new PartnergateError(
          'environment',
          'secret_sealed_elsewhere',
          `Key ${id}'s secret was sealed with ${stored.sealedWith}, not the ${ctx.secretBox.id} available here; reveal it where it was issued, or rotate it.`,
        );
      }
      const secret = await ctx.secretBox.open(stored.sealed);
      ctx.write(() => ctx.audit('key.reveal', 'key', id, null, null));
      return secret;
    },

    extend(input: { id: number; expiresAt: number | 'never' }): ApiKey {
      const e = parseInput(keyExtendInput, input, 'key extension');
      return ctx.write(() => {
        const k = record(e.id);
        if (k.revokedAt !== null) {
          throw conflict(
            'key_revoked',
            `Key ${k.id} was revoked (${k.revokedReason ?? 'no reason given'}); a revoked key cannot be extended. Issue a new key.`,
          );
        }
        if (k.replacedByKeyId !== null) {
          throw conflict(
            'key_rotated',
            `Key ${k.id} was rotated and is replaced by key ${k.replacedByKeyId}; extend that key instead.`,
          );
        }
        const before = toApiKey(k, ctx.now());
        sql.keys.setExpiry(k.id, resolveExpiry(e.expiresAt, 'expiresAt'));
        const after = view(k.id);
        ctx.audit('key.extend', 'key', k.id, before, after);
        return after;
      });
    },

    revoke(input: { id: number; reason: string }): ApiKey {
      const r = parseInput(keyRevokeInput, input, 'key revocation');
      return ctx.write(() => {
        const k = record(r.id);
        if (k.revokedAt !== null)
          throw conflict(
            'key_revoked',
            `Key ${k.id} is already revoked (${k.revokedReason ?? 'no reason given'}).`,
          );
        const before = toApiKey(k, ctx.now());
        sql.keys.revoke(k.id, ctx.now(), r.reason);
        const after = view(k.id);
        ctx.audit('key.revoke', 'key', k.id, before, after);
        return after;
      });
    },

    /**
     * A new secret with every setting and whitelist rule copied. The old secret keeps working
     * until the grace period ends (0: it stops now).
     */
    async rotate(input: { id: number; graceMs: number }): Promise<IssuedKey> {
      const r = parseInput(keyRotateInput, input, 'key rotation');
      assertUsable(record(r.id), 'rotate');
      const secret = generateKey(nodeRandomBytes);
      const { sealed, sealedWith } = await sealIfRetained(secret);
      return ctx.write(() => {
        const old = record(r.id);
        assertUsable(old, 'rotate');
        const now = ctx.now();
        const before = toApiKey(old, now);
        const id = sql.keys.insert({
          accountId: old.accountId,
          label: old.label,
          keyHash: hashKey(secret),
          displayPrefix: displayPrefix(secret),
          scopes: old.scopes,
          expiresAt: old.expiresAt,
          rateLimitCount: old.rateLimitCount,
          rateLimitWindowMs: old.rateLimitWindowMs,
          allowQueryAuth: old.allowQueryAuth,
          allowMcp: old.allowMcp,
          createdAt: now,
          createdBy: ctx.actor,
          rotatedFromKeyId: old.id,
          secretSealed: sealed,
          sealedWith,
        });
        for (const rule of sql.ipRules.forKey(old.id)) {
          sql.ipRules.insert({ ...rule, keyId: id, createdAt: now, createdBy: ctx.actor });
        }
        sql.keys.markRotated(old.id, id, now + r.graceMs);
        if (r.graceMs === 0) sql.keys.revoke(old.id, now, `rotated to key ${id}`);
        const key = view(id);
        ctx.audit('key.rotate', 'key', old.id, before, view(old.id));
        ctx.audit('key.issue', 'key', id, null, key);
        return { key, secret };
      });
    },

    update(input: {
      id: number;
      label?: string;
      scopes?: string[];
      rateLimit?: { count: number; windowMs: number };
      allowQueryAuth?: boolean;
      allowMcp?: boolean;
    }): ApiKey {
      const u = parseInput(keyUpdateInput, input, 'key update');
      return ctx.write(() => {
        const k = record(u.id);
        if (k.revokedAt !== null)
          throw conflict('key_revoked', `Key ${k.id} is revoked; it cannot be changed.`);
        const before = toApiKey(k, ctx.now());
        sql.keys.update(k.id, {
          label: u.label ?? k.label,
          scopes: u.scopes ? [...new Set(u.scopes)] : k.scopes,
          rateLimitCount: u.rateLimit?.count ?? k.rateLimitCount,
          rateLimitWindowMs: u.rateLimit?.windowMs ?? k.rateLimitWindowMs,
          allowQueryAuth: u.allowQueryAuth ?? k.allowQueryAuth,
          allowMcp: u.allowMcp ?? k.allowMcp,
        });
        const after = view(k.id);
        ctx.audit('key.update', 'key', k.id, before, after);
        return after;
      });
    },

    /**
     * Finds the key a request presents: format and checksum first (no lookup for a mistyped
     * key), then by SHA-256 hash, never by comparing secrets.
     */
    lookup(secret: string | undefined): KeyLookup {
      const malformed = rejectUnlessWellFormed(secret);
      if (malformed) return malformed;
      return classifyKey(sql.keys.getByHash(hashKey(secret!)), ctx.now());
    },

    /** Applies the show-once policy to keys already issued: their encrypted copies are dropped. */
    dropRetainedSecrets(): number {
      return ctx.write(() => {
        const n = sql.keys.dropAllSealedSecrets();
        ctx.audit('key.drop_retained_secrets', 'key', null, null, { dropped: n });
        return n;
      });
    },
  };
}

export type KeyService = ReturnType<typeof keyService>;
