import { describe, expect, it } from 'vitest';
import { ADMIN_METHODS, type AdminMethod } from '../../shared/admin-contract.ts';
import {
  METHOD_PERMISSIONS,
  PERMISSIONS,
  refusal,
  roleAllows,
  ROLES,
  type Role,
} from '../../shared/permissions.ts';

const WRITES: AdminMethod[] = ADMIN_METHODS.filter((m) =>
  /^(create|update|delete|remove|issue|extend|revoke|rotate|add|start|stop|configure|run[A-Z]|pause|resume|map|unmap|reveal|previewImport|importStatus)/.test(
    m,
  ),
);

describe('admin permissions', () => {
  it('give every admin-contract method a known permission', () => {
    expect(Object.keys(METHOD_PERMISSIONS).sort()).toEqual([...ADMIN_METHODS].sort());
    for (const m of ADMIN_METHODS)
      expect(Object.keys(PERMISSIONS), m).toContain(METHOD_PERMISSIONS[m]);
  });

  it('let owners and admins do everything, viewers only read, account managers their partners’ work', () => {
    const allowed = (r: Role) => ADMIN_METHODS.filter((m) => roleAllows(r, m));
    expect(allowed('owner')).toEqual(ADMIN_METHODS);
    expect(allowed('admin')).toEqual(ADMIN_METHODS);
    // A viewer changes nothing, and sees no secret again.
    for (const m of WRITES) expect(roleAllows('viewer', m), m).toBe(runsAReport(m) || ownSignIn(m));
    expect(roleAllows('viewer', 'listKeys')).toBe(true);
    const manager = new Set(allowed('manager'));
    for (const m of [
      'issueKey',
      'revokeKey',
      'revealKey',
      'addRule',
      'createAccount',
      'createReport',
      'startImport',
    ] as const)
      expect(manager.has(m), m).toBe(true);
    for (const m of [
      'addSource',
      'runSource',
      'updateSettings',
      'startListener',
      'configureListener',
      'inviteUser',
      'updateUser',
      'removeUser',
      'endUserSessions',
    ] as const)
      expect(manager.has(m), m).toBe(false);
    expect(ROLES).toEqual(['owner', 'admin', 'manager', 'viewer']);
  });

  it('say which permission a refused call needs, and who has it', () => {
    expect(refusal('admin', 'issueKey')).toBeNull();
    expect(refusal('viewer', 'issueKey')).toBe(
      'Forbidden: issuing, changing and revoking API keys and their whitelists needs the keys:write permission, which owner, admin, account manager have; a viewer does not.',
    );
    expect(refusal('manager', 'addSource')).toMatch(
      /^Forbidden: adding, running and changing sources needs the sources:manage permission, which owner, admin have; an account manager does not\.$/,
    );
  });
});

/** Everyone manages their own sign-in: an authenticator app, their access tokens. */
function ownSignIn(m: AdminMethod): boolean {
  return METHOD_PERMISSIONS[m] === 'self:manage';
}

/** Running a report or previewing one reads data: a viewer may. */
function runsAReport(m: AdminMethod): boolean {
  return m === 'runReport';
}
