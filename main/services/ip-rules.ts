import { conflict, invalid, notFound } from '../../shared/errors.ts';
import {
  cidrRange,
  compareBytes,
  findOverlaps,
  formatAddress,
  fromToRange,
  isOpenToEveryAddress,
  parseAddress,
  rangeContains,
  singleRange,
  type IpRange,
} from '../../shared/ip-range.ts';
import {
  ipRuleInput,
  type AddressCheck,
  type IpRule,
  type IpRuleInput,
  type WhitelistReport,
} from '../../shared/schemas.ts';
import type { IpRuleRecord } from '../db/ip-rules.ts';
import type { ServiceContext } from './context.ts';
import { parseInput } from './validate.ts';

export function toIpRule(r: IpRuleRecord): IpRule {
  return {
    id: r.id,
    keyId: r.keyId,
    kind: r.kind,
    family: r.family,
    text: r.text,
    start: formatAddress(r.start),
    end: formatAddress(r.end),
    note: r.note,
    openToEveryAddress: isOpenToEveryAddress(r),
    createdAt: r.createdAt,
    createdBy: r.createdBy,
  };
}

function rangeOf(input: ReturnType<typeof ipRuleInput.parse>): IpRange {
  switch (input.kind) {
    case 'single':
      return singleRange(input.address);
    case 'range':
      return fromToRange(input.from, input.to);
    case 'cidr':
      return cidrRange(input.cidr);
  }
}

const RELATION_WORDS = {
  duplicate: 'duplicates',
  contains: 'already covers',
  overlaps: 'overlaps',
} as const;

export function whitelistReport(records: readonly IpRuleRecord[]): WhitelistReport {
  const rules = records.map(toIpRule);
  const overlaps = findOverlaps(records).map(({ a, b, relation }) => ({
    ruleId: b.id,
    otherRuleId: a.id,
    relation,
    message:
      relation === 'contains'
        ? `${b.text} is already covered by ${a.text}`
        : `${b.text} ${RELATION_WORDS[relation]} ${a.text}`,
  }));
  return {
    rules,
    overlaps,
    openToEveryAddress: rules.some((r) => r.openToEveryAddress),
    empty: rules.length === 0,
  };
}

/** Would this address be let through by these rules, and by which one? */
/** The narrowest rule covering the address (it explains the decision best), if any. */
export function narrowestMatch<R extends Pick<IpRuleRecord, 'start' | 'end'>>(
  records: readonly R[],
  bytes: Uint8Array,
): R | undefined {
  let best: R | undefined;
  for (const r of records) {
    if (!rangeContains(r, bytes)) continue;
    if (!best || (compareBytes(r.start, best.start) >= 0 && compareBytes(r.end, best.end) <= 0))
      best = r;
  }
  return best;
}

export function matchAddress(records: readonly IpRuleRecord[], address: string): AddressCheck {
  const a = parseAddress(address);
  if (records.length === 0) {
    return {
      address: a.text,
      allowed: false,
      rule: null,
      reason: 'The key has no whitelist rules, so every address is refused.',
    };
  }
  const best = narrowestMatch(records, a.bytes);
  return best
    ? {
        address: a.text,
        allowed: true,
        rule: toIpRule(best),
        reason: `Allowed by ${best.text}${best.note ? ` (${best.note})` : ''}.`,
      }
    : {
        address: a.text,
        allowed: false,
        rule: null,
        reason: `${a.text} is not covered by any of the key's ${records.length} rules.`,
      };
}

export interface RuleAdded {
  rule: IpRule;
  /** Notes for the person adding: open to every address, duplicates, overlaps. */
  warnings: string[];
}

export function ipRuleService(ctx: ServiceContext) {
  const { sql } = ctx;

  function keyOf(keyId: number) {
    const k = sql.keys.get(keyId);
    if (!k) throw notFound('key', keyId);
    return k;
  }

  return {
    list(keyId: number): WhitelistReport {
      keyOf(keyId);
      return whitelistReport(sql.ipRules.forKey(keyId));
    },

    add(input: IpRuleInput): RuleAdded {
      const i = parseInput(ipRuleInput, input, 'whitelist rule');
      const range = rangeOf(i);
      return ctx.write(() => {
        const key = keyOf(i.keyId);
        if (key.revokedAt !== null)
          throw conflict(
            'key_revoked',
            `Key ${key.id} is revoked; its whitelist can no longer change.`,
          );
        const existing = sql.ipRules.forKey(i.keyId);
        const same = existing.find(
          (r) => compareBytes(r.start, range.start) === 0 && compareBytes(r.end, range.end) === 0,
        );
        if (same)
          throw conflict(
            'duplicate_rule',
            `The key already has ${same.text}${same.text === range.text ? '' : `, the same addresses as ${range.text}`}.`,
          );
        if (isOpenToEveryAddress(range) && i.allowEveryAddress !== true)
          throw invalid(
            'every_address_needs_confirmation',
            `${range.text} lets anyone holding the key call from anywhere. Say so on purpose to add it (the admin UI asks; the CLI takes --allow-every-address).`,
            [{ field: 'allowEveryAddress', message: 'confirm to open the key to every address' }],
          );
        const id = sql.ipRules.insert({
          keyId: i.keyId,
          kind: range.kind,
          family: range.family,
          start: range.start,
          end: range.end,
          text: range.text,
          note: i.note || null,
          createdAt: ctx.now(),
          createdBy: ctx.actor,
        });
        const rule = toIpRule(sql.ipRules.get(id)!);
        const report = whitelistReport(sql.ipRules.forKey(i.keyId));
        const warnings = report.overlaps
          .filter((o) => o.ruleId === id || o.otherRuleId === id)
          .map((o) => o.message);
        if (rule.openToEveryAddress)
          warnings.unshift(`${rule.text} opens the key to every address.`);
        ctx.audit('whitelist.add', 'key', i.keyId, null, rule);
        return { rule, warnings };
      });
    },

    /** Removes a rule and returns it, so the caller can offer an undo (add it again). */
    remove(ruleId: number): IpRule {
      return ctx.write(() => {
        const r = sql.ipRules.get(ruleId);
        if (!r) throw notFound('whitelist rule', ruleId);
        sql.ipRules.remove(ruleId);
        const removed = toIpRule(r);
        ctx.audit('whitelist.remove', 'key', r.keyId, removed, null);
        return removed;
      });
    },

    /** The key a whitelist rule belongs to. */
    keyOfRule(ruleId: number): number {
      const r = sql.ipRules.get(ruleId);
      if (!r) throw notFound('whitelist rule', ruleId);
      return r.keyId;
    },

    check(keyId: number, address: string): AddressCheck {
      keyOf(keyId);
      if (!address.trim()) throw invalid('invalid_ip', 'Give an address to test.');
      return matchAddress(sql.ipRules.forKey(keyId), address);
    },
  };
}

export type IpRuleService = ReturnType<typeof ipRuleService>;
