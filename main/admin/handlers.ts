/**
 * The admin contract, implemented once over the services: each handler is one call. The
 * dispatcher parsed the input with the contract's schema before a handler sees it.
 */
import type {
  AdminCaller,
  AdminHandlers,
  HandoutFileView,
  HandoutFormat,
  HandoutLinkView,
} from '../../shared/admin-contract.ts';
import { conflict } from '../../shared/errors.ts';
import { ROLE_PERMISSIONS } from '../../shared/permissions.ts';
import type { Core } from '../core.ts';
import { PRODUCT_VERSION } from '../version.ts';
import type { ListenerController } from '../api/listener-controller.ts';
import { HANDOUT_PATH } from '../services/handouts.ts';
import { adminDispatcher, type AdminDispatchOptions } from './dispatch.ts';
import { partnerReach, partnerScope } from './partner-scope.ts';

/** The signed-in person's id, for calls about one's own sign-in. */
function signedIn(c: AdminCaller): number {
  if (!c.user)
    throw conflict(
      'no_people',
      'Authenticator codes and access tokens belong to people who sign in; on this computer used alone nobody signs in.',
    );
  return c.user.id;
}

/**
 * The partner listener the handlers drive: the controller itself, or a function that loads it
 * on first use (the CLI, whose commands mostly never touch the listener, starts faster without
 * loading the HTTP stack).
 */
export type ListenerSource = ListenerController | (() => Promise<ListenerController>);

export function createAdminHandlers(core: Core, source: ListenerSource): AdminHandlers {
  const controller = typeof source === 'function' ? source : () => Promise.resolve(source);
  const listener = {
    status: async () => (await controller()).status(),
    start: async () => (await controller()).start(),
    stop: async () => (await controller()).stop(),
    configure: async (c: Parameters<ListenerController['configure']>[0]) =>
      (await controller()).configure(c),
    endpoints: async () => (await controller()).endpoints(),
    running: async () => (await controller()).listener,
  };
  const handout = async (
    id: number,
    format: HandoutFormat,
    includeKey: boolean,
  ): Promise<HandoutFileView> => {
    const file = await core.handouts.render(id, {
      format,
      includeKey,
      endpoints: await listener.endpoints(),
    });
    return {
      filename: file.filename,
      contentType: file.contentType,
      base64: file.body.toString('base64'),
    };
  };
  const linkView = async (keyId: number, token: string | null): Promise<HandoutLinkView> => ({
    keyId,
    enabled: token !== null,
    urls: token ? (await listener.endpoints()).urls.map((u) => `${u}${HANDOUT_PATH}/${token}`) : [],
  });
  return {
    listAccounts: (i) => core.accounts.list(i),
    getAccount: ({ id }) => core.accounts.get(id),
    createAccount: (i) => core.accounts.create(i),
    updateAccount: (i) => core.accounts.update(i),

    listOffers: () => core.offers.list(),
    createOffer: (i) => core.offers.create(i),
    updateOffer: (i) => core.offers.update(i),

    listKeys: ({ accountId }) => core.keys.list(accountId),
    exportKeys: (q) => core.keys.exportRows(q),
    getKey: ({ id }) => core.keys.get(id),
    issueKey: (i) => core.keys.issue(i),
    revealKey: async ({ id }) => ({ secret: await core.keys.reveal(id) }),
    extendKey: (i) => core.keys.extend(i),
    revokeKey: (i) => core.keys.revoke(i),
    rotateKey: (i) => core.keys.rotate(i),
    updateKey: (i) => core.keys.update(i),
    keyHandout: ({ id, format }) => handout(id, format, false),
    keyHandoutWithKey: ({ id, format }) => handout(id, format, true),
    handoutLink: ({ id }) => linkView(id, core.handouts.link(id)),
    setHandoutLink: ({ id, enabled }) => linkView(id, core.handouts.setLink(id, enabled)),

    listRules: ({ keyId }) => core.ipRules.list(keyId),
    addRule: (i) => core.ipRules.add(i),
    removeRule: ({ id }) => core.ipRules.remove(id),
    checkAddress: ({ keyId, address }) => core.ipRules.check(keyId, address),
    refusedAddresses: ({ keyId, days }) => core.usage.refusedAddresses(keyId, days),

    listReports: ({ accountId }) =>
      accountId ? core.reports.listFor(accountId) : core.reports.list(),
    getReport: ({ id }) => core.reports.get(id),
    createReport: (i) => core.reports.create(i),
    updateReport: (i) => core.reports.update(i),
    deleteReport: ({ id }) => core.reports.remove(id),
    previewReport: (i) => core.reports.preview(i),
    runReport: (i) => core.reports.run(i),

    listenerStatus: () => listener.status(),
    startListener: () => listener.start(),
    stopListener: () => listener.stop(),
    configureListener: (c) => listener.configure(c),
    probeApi: async ({ url, keyId }) => core.apiProbe.run(url, keyId, await listener.running()),

    dashboard: ({ days }, caller) => core.usage.dashboard(days, partnerReach(caller)),
    listAudit: (q, caller) =>
      core.audit.list({
        ...q,
        accounts: partnerReach(caller),
        ...(caller.user && { self: caller.user.id }),
      }),

    previewImport: ({ dataset, head }) => core.imports.preview(dataset, head),
    startImport: (i) => core.imports.start(i),
    importStatus: ({ id }) => core.imports.status(id),

    listSources: () => core.sources.list(),
    getSource: ({ id }) => core.sources.get(id),
    addSource: (i) => core.sources.add(i),
    updateSource: (i) => core.sources.update(i),
    removeSource: ({ id }) => core.sources.remove(id),
    pauseSource: ({ id }) => core.sources.pause(id),
    resumeSource: ({ id }) => core.sources.resume(id),
    runSource: ({ id }) => core.sources.start(id),
    mapSourceId: (i) => core.sources.map(i),
    unmapSourceId: (i) => core.sources.unmap(i),

    whoAmI: (_i, c) =>
      c.user
        ? { user: core.users.get(c.user.id), permissions: [...ROLE_PERMISSIONS[c.user.role]] }
        : { user: null, permissions: [...ROLE_PERMISSIONS.owner] },
    listUsers: () => core.users.list(),
    inviteUser: (i) => core.users.invite(i),
    updateUser: ({ id, role, allPartners, partnerIds, disabled }, c) => {
      if (allPartners !== undefined || partnerIds !== undefined) {
        const u = core.users.get(id);
        core.users.setPartners(id, {
          allPartners: allPartners ?? (partnerIds ? false : u.allPartners),
          partnerIds: partnerIds ?? u.partnerIds,
        });
      }
      if (role !== undefined) core.users.setRole(id, role, c.user?.role);
      if (disabled !== undefined) core.users.setDisabled(id, disabled, c.user?.role);
      return core.users.get(id);
    },
    removeUser: ({ id }, c) => core.users.remove(id, c.user?.role),
    userSessions: ({ id }) => core.users.sessions(id),
    endUserSessions: ({ id }) => core.users.endSessions(id),
    userSetupLink: ({ id }) => core.users.resetLink(id),
    resetTwoFactor: ({ id }) => core.users.disableTwoFactor(id),

    beginTwoFactor: (_i, c) => core.users.beginTwoFactor(signedIn(c)),
    confirmTwoFactor: ({ code }, c) => core.users.confirmTwoFactor(signedIn(c), code),
    disableTwoFactor: (_i, c) => core.users.disableTwoFactor(signedIn(c)),
    listTokens: (_i, c) => core.users.tokens(signedIn(c)),
    createToken: (i, c) => core.users.createToken(signedIn(c), i),
    revokeToken: ({ id }, c) => core.users.revokeToken(signedIn(c), id),

    getSettings: () => core.settings.get(),
    updateSettings: (u) => core.settings.apply(u),
    secretStorage: () => core.settings.secretStorage(),
    about: () => ({ version: PRODUCT_VERSION, dataDir: core.dataDir, demo: core.demo() }),
  };
}

/** The admin contract over this core, ready for a transport (IPC, the loopback listener). */
export function createAdminDispatch(
  core: Core,
  listener: ListenerSource,
  o: Pick<AdminDispatchOptions, 'log' | 'authorize'> & {
    /** Lets a front door follow a call, such as the desktop applying a new theme. */
    decorate?: (handlers: AdminHandlers) => AdminHandlers;
  } = {},
) {
  const handlers = createAdminHandlers(core, listener);
  return adminDispatcher({
    handlers: o.decorate ? o.decorate(handlers) : handlers,
    whenWritable: core.whenWritable,
    explainError: (e) => core.explainError(e),
    runAs: (caller, fn) => core.runAs(caller.actor, fn),
    scope: partnerScope(core),
    ...(o.log && { log: o.log }),
    ...(o.authorize && { authorize: o.authorize }),
  });
}
