/**
 * API keys: one list for every feature that shows a key (a partner's keys, the partner list's
 * counts, "view as", the API panel). Every change made here, and every whitelist change (its
 * rule count), updates the key in it.
 */
import { create } from 'zustand';
import type { ApiKey, IssuedKey, KeyIssueInput, KeyUpdateInput } from '../../../shared/schemas.ts';
import { keyExportCsv, keyExportJson } from '../../../shared/key-export.ts';
import type {
  HandoutFileView,
  HandoutFormat,
  HandoutLinkView,
} from '../../../shared/admin-contract.ts';
import { api } from '../lib/api.ts';

export type { HandoutFormat };

interface KeysState {
  keys: ApiKey[];
  /** The secret just issued or rotated: shown once, then forgotten. */
  issued: IssuedKey | null;
  /** Secrets revealed on request, by key id, for the API panel. */
  revealed: Record<number, string>;
  /** Every key of every account. */
  loadAll: () => Promise<void>;
  /** One account's keys. */
  load: (accountId: number) => Promise<void>;
  /** One key again, after something changed it (a whitelist rule). */
  refresh: (id: number) => Promise<void>;
  issue: (input: KeyIssueInput) => Promise<IssuedKey>;
  rotate: (id: number, graceMs: number) => Promise<IssuedKey>;
  revoke: (id: number, reason: string) => Promise<void>;
  extend: (id: number, expiresAt: number | 'never') => Promise<void>;
  /** Several keys revoked for one reason; each that fails is named in the outcome. */
  revokeMany: (ids: readonly number[], reason: string) => Promise<BulkOutcome>;
  /** Several keys given new expiries (`null`: never). */
  extendMany: (
    changes: readonly { id: number; expiresAt: number | null }[],
  ) => Promise<BulkOutcome>;
  /** Label, permissions, rate limit, URL permission. */
  update: (input: KeyUpdateInput) => Promise<ApiKey>;
  reveal: (id: number) => Promise<string>;
  /** The keys as a file: partner names, permissions and whitelist rules, as CSV or JSON. */
  exportFile: (ids: readonly number[], format: 'csv' | 'json') => Promise<string>;
  dismissIssued: () => void;
  /** The key's handout as a file; with `includeKey` the key is in it (a reveal). */
  handout: (id: number, format: HandoutFormat, includeKey: boolean) => Promise<HandoutFileView>;
  /** The key's handout link, or it turned on or off. */
  handoutLink: (id: number, enabled?: boolean) => Promise<HandoutLinkView>;
}

/** What a change to several keys came to: how many were changed, and what failed for which. */
export interface BulkOutcome {
  done: number;
  failed: { id: number; message: string }[];
}

/** The keys of one account, in issue order. */
export function keysOf(keys: readonly ApiKey[], accountId: number): ApiKey[] {
  return keys.filter((k) => k.accountId === accountId);
}

export const useKeys = create<KeysState>((set, get) => {
  const put = (changed: readonly ApiKey[]) => {
    const ids = new Set(changed.map((k) => k.id));
    set({
      keys: [...get().keys.filter((k) => !ids.has(k.id)), ...changed].sort((a, b) => a.id - b.id),
    });
  };
  // One key after another, so each failure is known and the rest still go through.
  const each = async <T extends { id: number }>(
    items: readonly T[],
    change: (item: T) => Promise<ApiKey>,
  ): Promise<BulkOutcome> => {
    const out: BulkOutcome = { done: 0, failed: [] };
    for (const item of items) {
      try {
        put([await change(item)]);
        out.done++;
      } catch (e) {
        out.failed.push({ id: item.id, message: e instanceof Error ? e.message : String(e) });
      }
    }
    return out;
  };
  return {
    keys: [],
    issued: null,
    revealed: {},
    async loadAll() {
      set({ keys: await api.listKeys({}) });
    },
    async load(accountId) {
      const mine = await api.listKeys({ accountId });
      set({ keys: get().keys.filter((k) => k.accountId !== accountId) });
      put(mine);
    },
    async refresh(id) {
      put([await api.getKey({ id })]);
    },
    async issue(input) {
      const issued = await api.issueKey(input);
      put([issued.key]);
      set({ issued, revealed: { ...get().revealed, [issued.key.id]: issued.secret } });
      return issued;
    },
    async rotate(id, graceMs) {
      const issued = await api.rotateKey({ id, graceMs });
      set({ issued, revealed: { ...get().revealed, [issued.key.id]: issued.secret } });
      await get().load(issued.key.accountId);
      return issued;
    },
    async revoke(id, reason) {
      put([await api.revokeKey({ id, reason })]);
    },
    async extend(id, expiresAt) {
      put([await api.extendKey({ id, expiresAt })]);
    },
    revokeMany: (ids, reason) =>
      each(
        ids.map((id) => ({ id })),
        ({ id }) => api.revokeKey({ id, reason }),
      ),
    extendMany: (changes) =>
      each(changes, ({ id, expiresAt }) => api.extendKey({ id, expiresAt: expiresAt ?? 'never' })),
    async update(input) {
      const k = await api.updateKey(input);
      put([k]);
      return k;
    },
    async reveal(id) {
      const { secret } = await api.revealKey({ id });
      set({ revealed: { ...get().revealed, [id]: secret } });
      return secret;
    },
    async exportFile(ids, format) {
      const rows = await api.exportKeys({ ids: [...ids] });
      return format === 'csv' ? keyExportCsv(rows) : keyExportJson(rows);
    },
    dismissIssued: () => set({ issued: null }),
    handout: (id, format, includeKey) =>
      includeKey ? api.keyHandoutWithKey({ id, format }) : api.keyHandout({ id, format }),
    handoutLink: (id, enabled) =>
      enabled === undefined ? api.handoutLink({ id }) : api.setHandoutLink({ id, enabled }),
  };
});
