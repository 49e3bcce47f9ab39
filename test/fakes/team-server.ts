/**
 * A team server for tests: `serve`'s admin listener over HTTPS (Partnergate's own CA) on
 * 127.0.0.1, with an owner and an account manager who works on one partner.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { createAdminDispatch } from '../../main/admin/handlers.ts';
import { openCore, type Core } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { tlsService, type TlsMaterial } from '../../main/services/tls.ts';
import { RENDERER_DIR } from '../../main/server/headless.ts';
import { startAdminWeb, type RunningAdminWeb } from '../../main/server/admin-web.ts';

export const TEAM_PASSWORD = 'correct horse battery';
export const TEAM_PARTNER = 'Harbour Lane Media';

export interface TeamServer {
  core: Core;
  admin: RunningAdminWeb;
  tls: TlsMaterial;
  /** The account manager's partner (the only one they may work on). */
  miasPartner: number;
  otherPartner: number;
  /** Starts the admin listener again on the same port, with another certificate key. */
  replaceCertificate(): Promise<void>;
  /** How many HTTP requests reached the admin listener. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * A team server on 127.0.0.1 over HTTPS with Partnergate's own CA: an owner (Olga) and an
 * account manager (Mia) who works on one partner.
 */
export async function startTeamServer(): Promise<TeamServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-team-server-'));
  const core = openCore({
    dataDir: dir,
    actor: 'test',
    secretBox: masterKeyBox(randomBytes(32)),
    settings: memorySettingsStore(),
  });
  await core.demoData({ scale: 'small', seed: 5 });
  // A partner only this server has, the account manager's.
  const mias = core.accounts.create({ kind: 'affiliate', name: TEAM_PARTNER });
  const partners = [mias, ...core.accounts.list().filter((a) => a.id !== mias.id)];
  await core.users.completeSetup({
    token: core.users.ownerSetupLink().token,
    email: 'olga@network.example',
    name: 'Olga',
    password: TEAM_PASSWORD,
  });
  const invite = core.users.invite({
    email: 'mia@network.example',
    name: 'Mia',
    role: 'manager',
    partnerIds: [partners[0]!.id],
  });
  await core.users.completeSetup({ token: invite.token, password: TEAM_PASSWORD });
  let tls = await core.tls.material({ names: ['127.0.0.1', 'localhost'] });
  let requests = 0;
  const start = async (port: number) => {
    const admin = await startAdminWeb({
      port,
      tls: { key: tls.key, cert: tls.cert },
      rendererDir: RENDERER_DIR,
      dispatch: createAdminDispatch(core, new ListenerController(core)),
      imports: core.imports,
      users: core.users,
    });
    admin.app.server.on('request', () => requests++);
    return admin;
  };
  let admin = await start(0);
  const server: TeamServer = {
    core,
    get admin() {
      return admin;
    },
    get tls() {
      return tls;
    },
    miasPartner: partners[0]!.id,
    otherPartner: partners[1]!.id,
    async replaceCertificate() {
      const other = mkdtempSync(join(tmpdir(), 'pg-other-ca-'));
      tls = await tlsService({ dataDir: other }).material({ names: ['127.0.0.1', 'localhost'] });
      rmSync(other, { recursive: true, force: true });
      const port = admin.port;
      await admin.close();
      admin = await start(port);
    },
    requests: () => requests,
    async close() {
      await admin.close();
      core.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
