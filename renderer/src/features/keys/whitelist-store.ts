import { create } from 'zustand';
import type { RefusedAddress } from '../../../../shared/admin-contract.ts';
import type {
  AddressCheck,
  IpRule,
  IpRuleInput,
  WhitelistReport,
} from '../../../../shared/schemas.ts';
import { api } from '../../lib/api.ts';
import { useKeys } from '../../stores/keys.ts';

interface WhitelistState {
  byKey: Record<number, WhitelistReport>;
  refused: Record<number, RefusedAddress[]>;
  /** The rule last deleted, for Undo. */
  lastRemoved: IpRule | null;
  load: (keyId: number) => Promise<void>;
  add: (input: IpRuleInput) => Promise<string[]>;
  remove: (rule: IpRule) => Promise<void>;
  undo: () => Promise<void>;
  check: (keyId: number, address: string) => Promise<AddressCheck>;
}

/** The rule as input again (Undo, or "allow" of a refused address). */
export function ruleInput(keyId: number, text: string, note?: string | null): IpRuleInput {
  const n = note ? { note } : {};
  if (text.includes('/')) return { keyId, kind: 'cidr', cidr: text, ...n };
  const dash = text.indexOf('-');
  if (dash > 0)
    return { keyId, kind: 'range', from: text.slice(0, dash), to: text.slice(dash + 1), ...n };
  return { keyId, kind: 'single', address: text, ...n };
}

export const useWhitelist = create<WhitelistState>((set, get) => ({
  byKey: {},
  refused: {},
  lastRemoved: null,
  async load(keyId) {
    const [report, refused] = await Promise.all([
      api.listRules({ keyId }),
      api.refusedAddresses({ keyId, days: 7 }),
    ]);
    set({
      byKey: { ...get().byKey, [keyId]: report },
      refused: { ...get().refused, [keyId]: refused },
    });
  },
  async add(input) {
    const { warnings } = await api.addRule(input);
    // The key's rule count and "no whitelist" badge follow the rules.
    await Promise.all([get().load(input.keyId), useKeys.getState().refresh(input.keyId)]);
    return warnings;
  },
  async remove(rule) {
    await api.removeRule({ id: rule.id });
    set({ lastRemoved: rule });
    await Promise.all([get().load(rule.keyId), useKeys.getState().refresh(rule.keyId)]);
  },
  async undo() {
    const r = get().lastRemoved;
    if (!r) return;
    set({ lastRemoved: null });
    await get().add(ruleInput(r.keyId, r.text, r.note));
  },
  check: (keyId, address) => api.checkAddress({ keyId, address }),
}));
