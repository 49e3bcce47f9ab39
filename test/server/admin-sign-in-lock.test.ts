/**
 * Signing in, setting up and signing out write to the store; while another process holds its
 * write lock (an import committing, the CLI), those writes wait off the event loop, so the
 * partner API served by the same process keeps answering, and the sign-in completes after.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { createAdminDispatch } from '../../main/admin/handlers.ts';
import { openCore, type Core } from '../../main/core.ts';
import { memorySettingsStore } from '../../main/settings-store.ts';
import { masterKeyBox } from '../../main/services/secret-box.ts';
import { RENDERER_DIR } from '../../main/server/headless.ts';
import { startAdminWeb, type RunningAdminWeb } from '../../main/server/admin-web.ts';

let core: Core;
let dir: string;
let admin: RunningAdminWeb;

beforeAll(async () => {
  core = openCore({
    dataDir: (dir = mkdtempSync(join(tmpdir(), 'pg-sign-in-lock-'))),
    actor: 'test',
    secretBox: masterKeyBox(randomBytes(32)),
    settings: memorySettingsStore(),
  });
  await core.users.completeSetup({
    token: core.users.ownerSetupLink().token,
    email: 'olga@network.example',
    name: 'Olga',
    password: 'correct horse battery',
  });
  admin = await startAdminWeb({
    port: 0,
    rendererDir: RENDERER_DIR,
    dispatch: createAdminDispatch(core, new ListenerController(core)),
    imports: core.imports,
    users: core.users,
    whenWritable: core.whenWritable,
  });
});
afterAll(async () => {
  await admin.close();
  core.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('signing in while another process writes', () => {
  it('waits for the lock without stopping the event loop, then signs in', async () => {
    const other = new Database(core.databaseFile);
    other.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const released = new Promise<void>((resolve) =>
      setTimeout(() => {
        other.exec('COMMIT');
        other.close();
        resolve();
      }, 400),
    );
    try {
      const res = await fetch(`${admin.origin}/admin/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: admin.origin },
        body: JSON.stringify({ email: 'olga@network.example', password: 'correct horse battery' }),
      });
      await released;
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toMatch(/^pg_admin=/);
      // The loop kept turning while the sign-in waited for the lock.
      expect(ticks).toBeGreaterThan(5);
    } finally {
      clearInterval(ticker);
    }
  });
});
