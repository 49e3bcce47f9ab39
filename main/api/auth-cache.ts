/**
 * What the request path needs to know about a presented key (the key, its account, its
 * whitelist), cached by key hash. An entry is dropped as soon as anything could have changed
 * it: an admin change in this process (the context's change generation) or a commit by
 * another process, such as the CLI revoking a key (SQLite's data_version).
 */
import type { Account } from '../../shared/schemas.ts';
import type { Core } from '../core.ts';
import type { IpRuleRecord } from '../db/ip-rules.ts';
import type { KeyRecord } from '../db/keys.ts';
import {
  classifyKey,
  hashKey,
  rejectUnlessWellFormed,
  type KeyRejection,
} from '../services/keys.ts';

export interface KnownKey {
  key: KeyRecord;
  account: Account;
  rules: IpRuleRecord[];
}

export type AuthLookup = { ok: true; known: KnownKey } | { ok: false; code: KeyRejection };

const MAX_ENTRIES = 10_000;
const OTHER_PROCESS_CHECK_MS = 100;

export class AuthCache {
  private readonly entries = new Map<string, KnownKey | null>();
  private generation = -1;
  private dataVersion = -1;
  private readonly core: Core;
  private readonly now: () => number;

  constructor(core: Core, now: () => number) {
    this.core = core;
    this.now = now;
  }

  private checkedAt = 0;

  private fresh(): void {
    const generation = this.core.ctx.changeGeneration();
    // Another process's commit (the CLI revoking a key) is seen within this many ms.
    const t = performance.now();
    if (generation === this.generation && t - this.checkedAt < OTHER_PROCESS_CHECK_MS) return;
    this.checkedAt = t;
    const dataVersion = this.core.ctx.sql.dataVersion();
    if (generation !== this.generation || dataVersion !== this.dataVersion) {
      this.entries.clear();
      this.generation = generation;
      this.dataVersion = dataVersion;
    }
  }

  lookup(secret: string | undefined): AuthLookup {
    const malformed = rejectUnlessWellFormed(secret);
    if (malformed) return malformed;
    this.fresh();
    const hash = hashKey(secret!);
    const id = hash.toString('base64');
    let known = this.entries.get(id);
    if (known === undefined) {
      const key = this.core.ctx.sql.keys.getByHash(hash);
      known = key
        ? {
            key,
            account: this.core.accounts.get(key.accountId),
            rules: this.core.ctx.sql.ipRules.forKey(key.id),
          }
        : null;
      if (this.entries.size >= MAX_ENTRIES)
        this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(id, known);
    }
    // Expiry moves with the clock, not with the data: decide it on every request.
    const verdict = classifyKey(known?.key, this.now());
    return verdict.ok ? { ok: true, known: known! } : verdict;
  }
}
