/**
 * The headless bootstrap: the partner API listener and the admin UI (on 127.0.0.1, or beyond it
 * over HTTPS to people who sign in), over one open core. `partnergate serve` calls this; it
 * knows nothing of the command line.
 */
import { fileURLToPath } from 'node:url';
import type { ListenerStatus } from '../../shared/admin-contract.ts';
import { PartnergateError } from '../../shared/errors.ts';
import type { Core } from '../core.ts';
import { ListenerController, operatorFiles, type TlsChoice } from '../api/listener-controller.ts';
import { isLoopbackHost } from '../api/listener.ts';
import { machineNames } from '../services/tls.ts';
import { createAdminDispatch } from '../admin/handlers.ts';
import { startAdminWeb, type RunningAdminWeb } from './admin-web.ts';

/** The built renderer, from a clone (`npm run build`). */
export const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));

export interface HeadlessOptions {
  host: string;
  port: number;
  /** `null` turns the admin UI off. */
  adminPort: number | null;
  trustedProxies?: readonly string[] | undefined;
  /** Where the admin UI listens: 127.0.0.1 unless given; beyond it, only over HTTPS. */
  adminHost?: string | undefined;
  /** This run's HTTPS choice and certificate files, over the saved ones. */
  tls?: TlsChoice;
}

export interface RunningHeadless {
  status: ListenerStatus;
  admin: RunningAdminWeb | null;
  /** The admin listener's certificate key pin (`sha256//…`) when it serves HTTPS: what desktop apps confirm. */
  adminPin: string | null;
  /** Stops both listeners; open requests finish and the request journal is written first. */
  stop(): Promise<void>;
}

export async function startHeadless(core: Core, o: HeadlessOptions): Promise<RunningHeadless> {
  // No commit on this process's event loop waits for a checkpoint's copy and fsync.
  core.checkpointInBackground({
    onFailure: (m) => console.error(`WAL checkpoints are back on the serving thread: ${m}`),
  });
  const controller = new ListenerController(
    core,
    {
      ...(o.trustedProxies?.length && { trustedProxies: o.trustedProxies }),
      logger: { level: 'warn' } as never,
    },
    o.tls,
  );
  const status = await controller.start({ host: o.host, port: o.port });
  if (!status.running)
    throw new PartnergateError('environment', status.error!.code, status.error!.message);
  let admin: RunningAdminWeb | null = null;
  let adminPin: string | null = null;
  if (o.adminPort !== null) {
    try {
      const adminHost = o.adminHost ?? '127.0.0.1';
      const operator = operatorFiles(o.tls ?? {}, core.settings.get().listener);
      // Beyond this machine the admin UI is served over HTTPS only (refused without it).
      const tls = isLoopbackHost(adminHost)
        ? null
        : await core.tls.material({
            names: machineNames([adminHost]),
            ...(operator && { operator }),
          });
      adminPin = tls?.pin ?? null;
      admin = await startAdminWeb({
        host: adminHost,
        ...(tls && { tls: { key: tls.key, cert: tls.cert }, names: tls.names }),
        port: o.adminPort,
        rendererDir: RENDERER_DIR,
        dispatch: createAdminDispatch(core, controller, {
          log: (e, method) => console.error(`admin call ${method} failed:`, e),
        }),
        imports: core.imports,
        users: core.users,
        whenWritable: core.whenWritable,
        logger: { level: 'warn' },
      });
    } catch (e) {
      await controller.stop();
      throw e;
    }
  }
  // One scheduler runs the store's sources (watched folders, URLs, trackers) while serving.
  const stopSources = core.sources.startScheduler({
    onError: (e, source) => console.error(`source ${source}:`, e),
  });
  return {
    status,
    admin,
    adminPin,
    stop: async () => {
      stopSources();
      await Promise.all([controller.stop(), admin?.close(), core.sources.idle()]);
    },
  };
}
