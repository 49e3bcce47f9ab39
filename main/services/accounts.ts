import { conflict, invalid, notFound } from '../../shared/errors.ts';
import {
  accountCreateInput,
  accountListInput,
  accountUpdateInput,
  type Account,
  type AccountCreateInput,
  type AccountListInput,
  type AccountUpdateInput,
} from '../../shared/schemas.ts';
import type { AccountWrite } from '../db/accounts.ts';
import type { ServiceContext } from './context.ts';
import { parseInput } from './validate.ts';

export function accountService(ctx: ServiceContext) {
  const { sql } = ctx;

  function get(id: number): Account {
    const a = sql.accounts.get(id);
    if (!a) throw notFound('account', id);
    return a;
  }

  function checkAssigned(partnerIds: readonly number[]): void {
    const kinds = sql.accounts.kinds(partnerIds);
    for (const p of partnerIds) {
      const kind = kinds.get(p);
      if (!kind)
        throw invalid('unknown_partner', `Partner ${p} does not exist.`, [
          { field: 'assignedPartnerIds', message: `no account ${p}` },
        ]);
      if (kind === 'employee') {
        throw invalid(
          'not_a_partner',
          `Account ${p} is an employee, not a partner; only partners can be assigned.`,
          [{ field: 'assignedPartnerIds', message: `account ${p} is an employee` }],
        );
      }
    }
  }

  return {
    get,

    list(input: AccountListInput = {}): Account[] {
      return sql.accounts.list(parseInput(accountListInput, input, 'account filter'));
    },

    create(input: AccountCreateInput): Account {
      const a = parseInput(accountCreateInput, input, 'account');
      const isEmployee = a.kind === 'employee';
      if (!isEmployee && (a.employeeAccess || a.assignedPartnerIds?.length)) {
        throw invalid(
          'employee_only_field',
          'Only employee accounts can be given access to other partners.',
          [{ field: 'employeeAccess', message: 'partners only ever see their own data' }],
        );
      }
      if (isEmployee && a.employeeAccess === undefined && a.assignedPartnerIds === undefined)
        throw invalid(
          'employee_access_required',
          'Choose which partners this employee sees: every partner, or only the ones listed (the CLI takes --sees-all or --partners 1,2).',
          [{ field: 'employeeAccess', message: 'choose every partner or only the ones listed' }],
        );
      const assigned = [...new Set(a.assignedPartnerIds ?? [])];
      const employeeAccess = isEmployee ? (a.employeeAccess ?? 'assigned') : null;
      if (employeeAccess === 'all' && assigned.length) {
        throw invalid(
          'conflicting_access',
          'An employee who sees all partners cannot also have a list of assigned partners.',
        );
      }
      checkAssigned(assigned);
      const write: AccountWrite = {
        kind: a.kind,
        name: a.name,
        email: a.email ?? null,
        company: a.company || null,
        status: a.status,
        notes: a.notes ?? '',
        timezone: a.timezone,
        currency: a.currency,
        employeeAccess,
      };
      return ctx.write(() => {
        const id = sql.accounts.insert(write, ctx.now());
        if (isEmployee) sql.accounts.setAssignedPartners(id, assigned);
        const created = get(id);
        ctx.audit('account.create', 'account', id, null, created);
        return created;
      });
    },

    update(input: AccountUpdateInput): Account {
      const u = parseInput(accountUpdateInput, input, 'account update');
      return ctx.write(() => {
        const before = get(u.id);
        const isEmployee = before.kind === 'employee';
        if (!isEmployee && (u.employeeAccess !== undefined || u.assignedPartnerIds !== undefined)) {
          throw invalid(
            'employee_only_field',
            'Only employee accounts can be given access to other partners.',
          );
        }
        const employeeAccess = isEmployee
          ? (u.employeeAccess ?? (u.assignedPartnerIds ? 'assigned' : before.employeeAccess))
          : null;
        const assigned =
          employeeAccess === 'all'
            ? []
            : [...new Set(u.assignedPartnerIds ?? before.assignedPartnerIds)];
        if (u.employeeAccess === 'all' && u.assignedPartnerIds?.length) {
          throw invalid(
            'conflicting_access',
            'An employee who sees all partners cannot also have a list of assigned partners.',
          );
        }
        checkAssigned(assigned);
        const write: AccountWrite = {
          kind: before.kind,
          name: u.name ?? before.name,
          email: u.email === undefined ? before.email : u.email,
          company: u.company === undefined ? before.company : u.company || null,
          status: u.status ?? before.status,
          notes: u.notes ?? before.notes,
          timezone: u.timezone ?? before.timezone,
          currency: u.currency ?? before.currency,
          employeeAccess,
        };
        sql.accounts.update(u.id, write, ctx.now());
        if (isEmployee) sql.accounts.setAssignedPartners(u.id, assigned);
        const after = get(u.id);
        ctx.audit('account.update', 'account', u.id, before, after);
        return after;
      });
    },

    /** The partner ids whose rows this account may read: `null` means every partner. */
    visiblePartnerIds(account: Account): readonly number[] | null {
      if (account.kind !== 'employee') return [account.id];
      return account.employeeAccess === 'all' ? null : account.assignedPartnerIds;
    },

    assertActive(account: Account): void {
      if (account.status === 'suspended') {
        throw conflict(
          'account_suspended',
          `Account ${account.id} (${account.name}) is suspended.`,
        );
      }
    },
  };
}

export type AccountService = ReturnType<typeof accountService>;
