/**
 * What the partner API needs to know about a presented key (the key, its account, its
 * whitelist), cached by key hash. An entry is dropped as soon as anything could have changed
 * it: an admin change in this process (the context's change generation) or a commit by
 * another process, such as the CLI revoking a key (SQLite's data_version).
 */
import type { Account } from '../../shared/schemas.ts';
import type { IpRuleRecord } from '../db/ip-rules.ts';
import type { KeyRecord } from '../db/keys.ts';
import type { AccountService } from './accounts.ts';
import type { ServiceContext } from './context.ts';
import { classifyKey, hashKeyText, rejectUnlessWellFormed, type KeyRejection } from './keys.ts';

export interface KnownKey {
  key: KeyRecord;
  account: Account;
  rules: IpRuleRecord[];
}

export type AuthLookup = { ok: true; known: KnownKey } | { ok: false; code: KeyRejection };

const MAX_ENTRIES = 10_000;

export function keyAuthService(ctx: ServiceContext, accounts: AccountService) {
  const entries = new Map<string, KnownKey | null>();
  let epoch = -1;

  /** A stored key with its account and whitelist, as a request is judged. */
  const knownKey = (key: KeyRecord): KnownKey => ({
    key,
    account: accounts.get(key.accountId),
    rules: ctx.sql.ipRules.forKey(key.id),
  });

  function fresh(): void {
    const e = ctx.cacheEpoch();
    if (e !== epoch) {
      entries.clear();
      epoch = e;
    }
  }

  return {
    /**
     * The key a request presents: format and checksum first (no lookup for a mistyped key),
     * then by SHA-256 hash, never by comparing secrets; expiry decided at `now`.
     */
    lookup(secret: string | undefined, now: number): AuthLookup {
      const malformed = rejectUnlessWellFormed(secret);
      if (malformed) return malformed;
      fresh();
      // The hash as text is the cache's key; the bytes are needed only to ask the store.
      const id = hashKeyText(secret!);
      let known = entries.get(id);
      if (known === undefined) {
        const key = ctx.sql.keys.getByHash(Buffer.from(id, 'base64'));
        known = key ? knownKey(key) : null;
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
        entries.set(id, known);
      }
      // Expiry moves with the clock, not with the data: decide it on every request.
      const verdict = classifyKey(known?.key, now);
      return verdict.ok ? { ok: true, known: known! } : verdict;
    },

    /** A key by its id (a handout link names one), judged as `lookup` judges a secret. */
    byId(keyId: number, now: number): AuthLookup {
      const key = ctx.sql.keys.get(keyId);
      const verdict = classifyKey(key, now);
      return verdict.ok ? { ok: true, known: knownKey(key!) } : verdict;
    },
  };
}

export type KeyAuthService = ReturnType<typeof keyAuthService>;
