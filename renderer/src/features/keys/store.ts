import { create } from 'zustand';
import { csvFromObjects } from '../../../../shared/csv.ts';
import type { ApiKey, IssuedKey, KeyIssueInput } from '../../../../shared/schemas.ts';
import { api } from '../../lib/api.ts';

interface KeysState {
  byAccount: Record<number, ApiKey[]>;
  /** The secret just issued or rotated: shown once, then forgotten. */
  issued: IssuedKey | null;
  /** Secrets revealed on request, by key id, for the API panel. */
  revealed: Record<number, string>;
  load: (accountId: number) => Promise<void>;
  issue: (input: KeyIssueInput) => Promise<IssuedKey>;
  rotate: (id: number, graceMs: number) => Promise<IssuedKey>;
  revoke: (id: number, reason: string) => Promise<void>;
  extend: (id: number, expiresAt: number | 'never') => Promise<void>;
  reveal: (id: number) => Promise<string>;
  dismissIssued: () => void;
}

export const useKeys = create<KeysState>((set, get) => {
  const replace = (k: ApiKey) => {
    const list = get().byAccount[k.accountId] ?? [];
    const next = list.some((x) => x.id === k.id)
      ? list.map((x) => (x.id === k.id ? k : x))
      : [...list, k];
    set({ byAccount: { ...get().byAccount, [k.accountId]: next } });
  };
  return {
    byAccount: {},
    issued: null,
    revealed: {},
    async load(accountId) {
      set({ byAccount: { ...get().byAccount, [accountId]: await api.listKeys({ accountId }) } });
    },
    async issue(input) {
      const issued = await api.issueKey(input);
      replace(issued.key);
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
      replace(await api.revokeKey({ id, reason }));
    },
    async extend(id, expiresAt) {
      replace(await api.extendKey({ id, expiresAt }));
    },
    async reveal(id) {
      const { secret } = await api.revealKey({ id });
      set({ revealed: { ...get().revealed, [id]: secret } });
      return secret;
    },
    dismissIssued: () => set({ issued: null }),
  };
});

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
