/**
 * The admin contract, implemented once over the services: each handler is one call. The
 * dispatcher parsed the input with the contract's schema before a handler sees it.
 */
import type { AdminHandlers } from '../../shared/admin-contract.ts';
import type { Core } from '../core.ts';
import { PRODUCT_VERSION } from '../version.ts';
import type { ListenerController } from '../api/listener-controller.ts';
import { adminDispatcher, type AdminDispatchOptions } from './dispatch.ts';

export function createAdminHandlers(core: Core, listener: ListenerController): AdminHandlers {
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
    probeApi: ({ url, keyId }) => core.apiProbe.run(url, keyId, listener.listener),

    dashboard: ({ days }) => core.usage.dashboard(days),
    listAudit: (q) => core.audit.list(q),

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

    getSettings: () => core.settings.get(),
    updateSettings: (u) => core.settings.apply(u),
    secretStorage: () => core.settings.secretStorage(),
    about: () => ({ version: PRODUCT_VERSION, dataDir: core.dataDir, demo: core.demo() }),
  };
}

/** The admin contract over this core, ready for a transport (IPC, the loopback listener). */
export function createAdminDispatch(
  core: Core,
  listener: ListenerController,
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
    ...(o.log && { log: o.log }),
    ...(o.authorize && { authorize: o.authorize }),
  });
}
