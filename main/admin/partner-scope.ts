/**
 * An account manager works on the partners assigned to them (or on all, if the owner says so).
 * Their role's permissions say *what* they may do; this says *on whom*: a call naming a partner,
 * a key, a whitelist rule or a report that reaches beyond their partners is refused, naming the
 * permission and the partner, and lists come back holding their partners only. Checked once, in
 * the admin dispatcher, for every transport. (The dashboard and the audit log are narrowed where
 * they are counted and paged: `partnerReach`.)
 */
import type { AdminMethod, AdminOutput, AdminParsedInput } from '../../shared/admin-contract.ts';
import { forbidden } from '../../shared/errors.ts';
import { METHOD_PERMISSIONS, PERMISSIONS } from '../../shared/permissions.ts';
import type { ReportAudience } from '../../shared/schemas.ts';
import type { Core } from '../core.ts';
import type { AdminCaller } from './dispatch.ts';

/** The partners a caller works on: every one, or these account ids. */
export type PartnerReach = 'all' | readonly number[];

type Scoped = { [M in AdminMethod]?: (input: AdminParsedInput<M>) => number[] };

export interface PartnerScope {
  /** Throws `forbidden` when the call reaches a partner the caller does not work on. */
  check(method: AdminMethod, input: unknown, caller: AdminCaller): void;
  /** The answer as the caller may see it (lists narrowed), after any follow-up (assignment). */
  after(method: AdminMethod, result: unknown, caller: AdminCaller): unknown;
}

/** The partners an account manager works on; null for everyone else (who reach them all). */
export function partnerReach(caller: AdminCaller): readonly number[] | null {
  const p = caller.user?.partners;
  return p === undefined || p === 'all' ? null : p;
}

export function partnerScope(core: Core): PartnerScope {
  const accountOfKey = (id: number) => core.keys.get(id).accountId;
  const audienceAccounts = (a: ReportAudience | undefined): number[] =>
    a === undefined ? [] : a.kind === 'all' ? [ALL] : a.accountIds;
  const reportAccounts = (id: number) => audienceAccounts(core.reports.get(id).audience);

  /** The accounts each scoped call touches; `ALL` stands for "every partner". */
  const touches: Scoped = {
    getAccount: ({ id }) => [id],
    updateAccount: ({ id }) => [id],
    listKeys: ({ accountId }) => (accountId ? [accountId] : []),
    exportKeys: ({ accountId, ids }) => [
      ...(accountId ? [accountId] : []),
      ...(ids ?? []).map(accountOfKey),
    ],
    getKey: ({ id }) => [accountOfKey(id)],
    issueKey: ({ accountId }) => [accountId],
    revealKey: ({ id }) => [accountOfKey(id)],
    keyHandout: ({ id }) => [accountOfKey(id)],
    keyHandoutWithKey: ({ id }) => [accountOfKey(id)],
    handoutLink: ({ id }) => [accountOfKey(id)],
    setHandoutLink: ({ id }) => [accountOfKey(id)],
    extendKey: ({ id }) => [accountOfKey(id)],
    revokeKey: ({ id }) => [accountOfKey(id)],
    rotateKey: ({ id }) => [accountOfKey(id)],
    updateKey: ({ id }) => [accountOfKey(id)],
    listRules: ({ keyId }) => [accountOfKey(keyId)],
    addRule: ({ keyId }) => [accountOfKey(keyId)],
    removeRule: ({ id }) => [accountOfKey(core.ipRules.keyOfRule(id))],
    checkAddress: ({ keyId }) => [accountOfKey(keyId)],
    refusedAddresses: ({ keyId }) => [accountOfKey(keyId)],
    probeApi: ({ keyId }) => [accountOfKey(keyId)],
    listReports: ({ accountId }) => (accountId ? [accountId] : []),
    createReport: ({ audience }) => audienceAccounts(audience),
    updateReport: ({ id, audience }) => [...reportAccounts(id), ...audienceAccounts(audience)],
    deleteReport: ({ id }) => reportAccounts(id),
    previewReport: ({ accountId, audience }) => [accountId, ...audienceAccounts(audience)],
    runReport: ({ accountId }) => [accountId],
  };

  const reachOf = (caller: AdminCaller): ReadonlySet<number> | null => {
    const p = partnerReach(caller);
    return p === null ? null : new Set(p);
  };

  const partnerName = (id: number) => {
    try {
      return core.accounts.get(id).name;
    } catch {
      return `partner #${id}`;
    }
  };

  return {
    check(method, input, caller) {
      const reach = reachOf(caller);
      const of = touches[method] as ((i: unknown) => number[]) | undefined;
      if (!reach || !of) return;
      const outside = [...new Set(of(input))].filter((a) => !reach.has(a));
      if (!outside.length) return;
      const permission = METHOD_PERMISSIONS[method];
      const names = outside.map((a) => (a === ALL ? 'every partner' : partnerName(a)));
      const yours = reach.size
        ? [...reach].map(partnerName).join(', ')
        : 'none yet (the owner or an admin assigns them)';
      throw forbidden(
        'partner_not_assigned',
        `Forbidden: ${PERMISSIONS[permission]} for ${names.join(', ')} needs the ${permission} permission on ${outside.length === 1 && outside[0] !== ALL ? 'that partner' : 'those partners'}; you work on ${yours}.`,
      );
    },

    after(method, result, caller) {
      const reach = reachOf(caller);
      if (!reach) return result;
      const mine = (accountId: number) => reach.has(accountId);
      switch (method) {
        case 'createAccount': {
          // A partner an account manager adds is theirs to work on.
          const account = result as AdminOutput<'createAccount'>;
          if (caller.user) core.users.assign(caller.user.id, account.id);
          return result;
        }
        case 'listAccounts':
          return (result as AdminOutput<'listAccounts'>).filter((a) => mine(a.id));
        case 'listKeys':
          return (result as AdminOutput<'listKeys'>).filter((k) => mine(k.accountId));
        case 'exportKeys':
          return (result as AdminOutput<'exportKeys'>).filter((r) => mine(r.partner_id));
        case 'listReports':
          // Reports shared with every partner are theirs to run too (not to change).
          return (result as AdminOutput<'listReports'>).filter((r) =>
            audienceAccounts(r.audience).some((a) => a === ALL || mine(a)),
          );
        default:
          return result;
      }
    },
  };
}

/** Stands for "every partner" (a report shared with all) among the accounts a call touches. */
const ALL = -1;
