/**
 * The admin contract, implemented once over the services. Handlers are thin: they parse
 * nothing (the transport did, with the contract's schema) and hold no SQL.
 */
import { parse } from 'csv-parse/sync';
import type { AdminHandlers, ApiProbe, Dashboard } from '../../shared/admin-contract.ts';
import { DAY, HOUR } from '../../shared/durations.ts';
import { forbidden, invalid } from '../../shared/errors.ts';
import type { Core } from '../core.ts';
import type { ListenerController } from '../api/listener-controller.ts';
import { effectiveExpiry } from '../services/keys.ts';
import { IMPORT_FIELDS, mapHeaders } from '../services/imports.ts';
import { adminDispatcher } from './dispatch.ts';

/** Every bucket of the period, zero where nobody called, so charts show quiet days too. */
function fillBuckets(
  series: Dashboard['series'],
  fromMs: number,
  toMs: number,
  bucketMs: number,
): Dashboard['series'] {
  const byAt = new Map(series.map((p) => [p.at, p]));
  const out: Dashboard['series'] = [];
  for (let at = Math.floor(fromMs / bucketMs) * bucketMs; at < toMs; at += bucketMs) {
    out.push(byAt.get(at) ?? { at, requests: 0, errors: 0, rateLimited: 0 });
  }
  return out;
}

export function createAdminHandlers(core: Core, listener: ListenerController): AdminHandlers {
  const now = () => core.ctx.now();

  function dashboard(days: number): Dashboard {
    const toMs = now();
    const fromMs = toMs - days * DAY;
    const bucketMs = days <= 2 ? HOUR : DAY;
    const usage = core.ctx.sql.journal.usage(fromMs, toMs, bucketMs);
    const keys = core.keys
      .list()
      .filter((k) => k.status === 'active' && k.replacedByKeyId === null);
    return {
      range: { fromMs, toMs, bucketMs },
      totals: {
        requests: usage.series.reduce((s, p) => s + p.requests, 0),
        errors: usage.series.reduce((s, p) => s + p.errors, 0),
        rateLimited: usage.series.reduce((s, p) => s + p.rateLimited, 0),
        refusedAddresses: usage.refusedAddresses,
      },
      series: fillBuckets(usage.series, fromMs, toMs, bucketMs),
      byKey: usage.byKey,
      byPartner: usage.byPartner,
      expiringSoon: keys.filter((k) => {
        const until = effectiveExpiry(k);
        return until !== null && until - toMs <= 30 * DAY;
      }),
      unused: keys.filter((k) => (k.lastUsedAt ?? k.createdAt) < toMs - 30 * DAY),
    };
  }

  /** Only the running listener's own addresses: the admin server is nobody's proxy. */
  async function probe(url: string, keyId: number): Promise<ApiProbe> {
    const target = new URL(url);
    const running = listener.listener;
    if (!running)
      throw invalid(
        'listener_stopped',
        'The partner API listener is stopped; start it on the Listener page first.',
      );
    const own =
      running.addresses.some((a) => new URL(a.url).host === target.host) ||
      (['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname) &&
        Number(target.port) === running.port);
    if (!own || !target.pathname.startsWith('/api/v1/')) {
      throw forbidden(
        'not_the_listener',
        `Run now only calls this Partnergate's own listener (${running.addresses.map((a) => a.url).join(', ')}).`,
      );
    }
    const secret = await core.keys.reveal(keyId);
    const started = performance.now();
    try {
      const res = await fetch(target, {
        headers: { authorization: `Bearer ${secret}` },
        signal: AbortSignal.timeout(15_000),
      });
      const body = await res.text();
      return {
        status: res.status,
        durationMs: Math.round(performance.now() - started),
        headers: Object.fromEntries(
          [...res.headers.entries()].filter(
            ([k]) =>
              k.startsWith('ratelimit') ||
              ['content-type', 'x-request-id', 'retry-after'].includes(k),
          ),
        ),
        body: body.length > 20_000 ? `${body.slice(0, 20_000)}\n…` : body,
        error: null,
      };
    } catch (e) {
      return {
        status: 0,
        durationMs: Math.round(performance.now() - started),
        headers: {},
        body: '',
        error: (e as Error).message,
      };
    }
  }

  return {
    listAccounts: (i) => core.accounts.list(i),
    getAccount: ({ id }) => core.accounts.get(id),
    createAccount: (i) => core.accounts.create(i),
    updateAccount: (i) => core.accounts.update(i),

    listOffers: () => core.offers.list(),
    createOffer: (i) => core.offers.create(i),

    listKeys: ({ accountId }) => core.keys.list(accountId),
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
    refusedAddresses: ({ keyId, days }) => {
      core.keys.get(keyId);
      return core.ctx.sql.journal.refusedAddresses(keyId, now() - days * DAY);
    },

    listReports: ({ accountId }) =>
      accountId ? core.reports.listFor(accountId) : core.reports.list(),
    getReport: ({ id }) => core.reports.get(id),
    createReport: (i) => core.reports.create(i),
    updateReport: (i) => core.reports.update(i),
    deleteReport: ({ id }) => {
      core.reports.remove(id);
      return { id };
    },
    previewReport: (i) =>
      core.reports.preview({
        spec: i.spec,
        accountId: i.accountId,
        limit: i.limit,
        ...(i.from && { from: i.from }),
        ...(i.to && { to: i.to }),
        ...(i.timezone && { timezone: i.timezone }),
      }),
    runReport: (i) => core.reports.run(i),

    listenerStatus: () => listener.status(),
    startListener: () => listener.start(),
    stopListener: () => listener.stop(),
    configureListener: (c) => listener.configure(c),
    probeApi: ({ url, keyId }) => probe(url, keyId),

    dashboard: ({ days }) => dashboard(days),
    listAudit: (q) =>
      core.audit.list({
        limit: q.limit,
        ...(q.search && { search: q.search }),
        ...(q.beforeId && { beforeId: q.beforeId }),
      }),

    previewImport: ({ dataset, head }) => {
      // The first lines of the file only: the last one may be cut mid-row.
      const lines = head.split(/\r?\n/).slice(0, 12).join('\n');
      const table: string[][] = parse(lines, {
        bom: true,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
      });
      const headers = table[0] ?? [];
      const rows = table
        .slice(1, 11)
        .map((r) => Object.fromEntries(headers.map((h, i) => [h, r[i] ?? ''])));
      const m = mapHeaders(dataset, headers);
      return {
        headers,
        mapping: m.fields,
        missing: m.missing,
        ignored: m.ignored,
        sample: rows,
        fields: Object.entries(IMPORT_FIELDS[dataset]).map(([id, f]) => ({
          id,
          required: f.required,
        })),
      };
    },
    startImport: (i) => core.imports.start(i),
    importStatus: ({ id }) => core.imports.status(id),

    getSettings: () => core.settings.get(),
    updateSettings: (u) => {
      if (u.secretPolicy) core.setSecretPolicy(u.secretPolicy);
      return core.settings.update((s) => ({
        ...s,
        ...(u.theme && { theme: u.theme }),
        keys: {
          ...s.keys,
          ...(u.defaultExpiryDays && { defaultExpiryDays: u.defaultExpiryDays }),
          ...(u.defaultRateLimit && { defaultRateLimit: u.defaultRateLimit }),
          ...(u.allowWeakKeychain !== undefined && { allowWeakKeychain: u.allowWeakKeychain }),
        },
      }));
    },
    secretStorage: () => core.ctx.secretBox.describe(),
  };
}

/** The admin contract over this core, ready for a transport (IPC, the loopback listener). */
export function createAdminDispatch(
  core: Core,
  listener: ListenerController,
  o: {
    log?: (e: unknown, method: string) => void;
    /** Lets a front door follow a call, such as the desktop applying a new theme. */
    decorate?: (handlers: AdminHandlers) => AdminHandlers;
  } = {},
) {
  const handlers = createAdminHandlers(core, listener);
  return adminDispatcher({
    handlers: o.decorate ? o.decorate(handlers) : handlers,
    whenWritable: core.whenWritable,
    explainError: (e) => core.explainError(e),
    ...(o.log && { log: o.log }),
  });
}
