/**
 * Who may do what in the admin contract: every method needs one permission, and each role of
 * the people who administer Partnergate holds a set of them. Checked in one place (the admin
 * dispatcher) for every transport; a refused call names the permission it lacked.
 */
import type { AdminMethod } from './admin-contract.ts';

export const PERMISSIONS = {
  'partners:read': 'seeing partners and offers',
  'partners:write': 'adding and changing partners and offers',
  'keys:read': 'seeing API keys and their whitelists',
  'keys:write': 'issuing, changing and revoking API keys and their whitelists',
  'keys:reveal': 'showing a key’s secret again',
  'reports:read': 'seeing and running reports',
  'reports:write': 'defining and sharing reports',
  'data:import': 'importing data',
  'sources:read': 'seeing sources and their runs',
  'sources:manage': 'adding, running and changing sources',
  'usage:read': 'seeing usage, the dashboard and the audit log',
  'listener:manage': 'starting, stopping and moving the partner listener',
  'settings:manage': 'changing settings',
  'users:manage': 'inviting people and changing their roles, partners and sessions',
  'self:manage': 'managing your own sign-in (authenticator app, access tokens)',
} as const;

export type Permission = keyof typeof PERMISSIONS;

export const ROLES = ['owner', 'admin', 'manager', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Record<Role, string> = {
  owner: 'owner',
  admin: 'admin',
  manager: 'account manager',
  viewer: 'viewer',
};

const ALL = Object.keys(PERMISSIONS) as Permission[];
const READS = [...ALL.filter((p) => p.endsWith(':read')), 'self:manage' as const];

/** What each role holds. An account manager's partner permissions reach their partners only. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: ALL,
  admin: ALL,
  manager: [
    ...READS,
    'partners:write',
    'keys:write',
    'keys:reveal',
    'reports:write',
    'data:import',
  ],
  viewer: READS,
};

/** The permission each admin call needs; a method without one does not compile. */
export const METHOD_PERMISSIONS: Record<AdminMethod, Permission> = {
  listAccounts: 'partners:read',
  getAccount: 'partners:read',
  createAccount: 'partners:write',
  updateAccount: 'partners:write',

  listOffers: 'partners:read',
  createOffer: 'partners:write',
  updateOffer: 'partners:write',

  listKeys: 'keys:read',
  exportKeys: 'keys:read',
  getKey: 'keys:read',
  issueKey: 'keys:write',
  revealKey: 'keys:reveal',
  extendKey: 'keys:write',
  revokeKey: 'keys:write',
  rotateKey: 'keys:write',
  updateKey: 'keys:write',
  keyHandout: 'keys:read',
  keyHandoutWithKey: 'keys:reveal',
  handoutLink: 'keys:read',
  setHandoutLink: 'keys:write',

  listRules: 'keys:read',
  addRule: 'keys:write',
  removeRule: 'keys:write',
  checkAddress: 'keys:read',
  refusedAddresses: 'keys:read',

  listReports: 'reports:read',
  getReport: 'reports:read',
  createReport: 'reports:write',
  updateReport: 'reports:write',
  deleteReport: 'reports:write',
  previewReport: 'reports:read',
  runReport: 'reports:read',

  listenerStatus: 'usage:read',
  startListener: 'listener:manage',
  stopListener: 'listener:manage',
  configureListener: 'listener:manage',
  probeApi: 'keys:read',

  dashboard: 'usage:read',
  listAudit: 'usage:read',

  previewImport: 'data:import',
  startImport: 'data:import',
  importStatus: 'data:import',

  listSources: 'sources:read',
  getSource: 'sources:read',
  addSource: 'sources:manage',
  updateSource: 'sources:manage',
  removeSource: 'sources:manage',
  pauseSource: 'sources:manage',
  resumeSource: 'sources:manage',
  runSource: 'sources:manage',
  mapSourceId: 'sources:manage',
  unmapSourceId: 'sources:manage',

  whoAmI: 'self:manage',
  listUsers: 'users:manage',
  inviteUser: 'users:manage',
  updateUser: 'users:manage',
  removeUser: 'users:manage',
  userSessions: 'users:manage',
  endUserSessions: 'users:manage',
  userSetupLink: 'users:manage',
  resetTwoFactor: 'users:manage',
  beginTwoFactor: 'self:manage',
  confirmTwoFactor: 'self:manage',
  disableTwoFactor: 'self:manage',
  listTokens: 'self:manage',
  createToken: 'self:manage',
  revokeToken: 'self:manage',

  getSettings: 'usage:read',
  updateSettings: 'settings:manage',
  secretStorage: 'usage:read',
  about: 'usage:read',
};

export function roleAllows(role: Role, method: AdminMethod): boolean {
  return ROLE_PERMISSIONS[role].includes(METHOD_PERMISSIONS[method]);
}

/** Why a role may not make a call, in words ("Forbidden: issuing … needs keys:write; …"). */
export function refusal(role: Role, method: AdminMethod): string | null {
  if (roleAllows(role, method)) return null;
  const p = METHOD_PERMISSIONS[method];
  const holders = ROLES.filter((r) => ROLE_PERMISSIONS[r].includes(p)).map((r) => ROLE_NAMES[r]);
  return `Forbidden: ${PERMISSIONS[p]} needs the ${p} permission, which ${holders.join(', ')} have; a${ROLE_NAMES[role].match(/^[aeiou]/) ? 'n' : ''} ${ROLE_NAMES[role]} does not.`;
}
