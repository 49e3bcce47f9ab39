/**
 * The headless bootstrap: the partner API listener and, on 127.0.0.1, the admin UI, over one
 * open core. `partnergate serve` calls this; it knows nothing of the command line.
 */
import { fileURLToPath } from 'node:url';
import type { ListenerStatus } from '../../shared/admin-contract.ts';
import { PartnergateError } from '../../shared/errors.ts';
import type { Core } from '../core.ts';
import { ListenerController } from '../api/listener-controller.ts';
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
}

export interface RunningHeadless {
  status: ListenerStatus;
  admin: RunningAdminWeb | null;
  /** Stops both listeners; open requests finish and the request journal is written first. */
  stop(): Promise<void>;
}

export async function startHeadless(core: Core, o: HeadlessOptions): Promise<RunningHeadless> {
  const controller = new ListenerController(core, {
    ...(o.trustedProxies?.length && { trustedProxies: o.trustedProxies }),
    logger: { level: 'warn' } as never,
  });
  const status = await controller.start({ host: o.host, port: o.port });
  if (!status.running)
    throw new PartnergateError('environment', status.error!.code, status.error!.message);
  let admin: RunningAdminWeb | null = null;
  if (o.adminPort !== null) {
    try {
      admin = await startAdminWeb({
        port: o.adminPort,
        rendererDir: RENDERER_DIR,
        dispatch: createAdminDispatch(core, controller, {
          log: (e, method) => console.error(`admin call ${method} failed:`, e),
        }),
        imports: core.imports,
        users: core.users,
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
    stop: async () => {
      stopSources();
      await Promise.all([controller.stop(), admin?.close(), core.sources.idle()]);
    },
  };
}
