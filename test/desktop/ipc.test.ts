import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { AdminHandlers } from '../../shared/admin-contract.ts';
import { notFound } from '../../shared/errors.ts';
import { ADMIN_CHANNEL, answerAdminCall, registerAdminIpc } from '../../main/desktop/ipc.ts';
import { APP_ORIGIN } from '../../main/desktop/security.ts';

const top = { url: `${APP_ORIGIN}/index.html` };
const handlers = {
  getKey: ({ id }: { id: number }) => {
    if (id === 404) throw notFound('key', id);
    return { id };
  },
  listAccounts: () => {
    throw new Error('disk on fire');
  },
} as unknown as AdminHandlers;

describe('admin contract over IPC', () => {
  it('answers the app’s own frame, with the input parsed by the contract', async () => {
    expect(await answerAdminCall(handlers, top, top, 'getKey', { id: 3 })).toEqual({
      ok: true,
      result: { id: 3 },
    });
    const bad = await answerAdminCall(handlers, top, top, 'getKey', { id: 'three' });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', details: [{ field: 'id' }] },
    });
    expect(await answerAdminCall(handlers, top, top, 'getKey', { id: 404 })).toMatchObject({
      ok: false,
      error: { code: 'key_not_found', message: 'No key with id 404.' },
    });
  });

  it('refuses other senders, unknown methods, and hides unexpected failures', async () => {
    expect(
      await answerAdminCall(handlers, { url: 'https://evil.example' }, top, 'getKey', { id: 1 }),
    ).toMatchObject({ ok: false, error: { code: 'untrusted_sender' } });
    expect(
      await answerAdminCall(handlers, { url: `${APP_ORIGIN}/x` }, top, 'getKey', { id: 1 }),
    ).toMatchObject({ ok: false, error: { code: 'untrusted_sender' } });
    expect(await answerAdminCall(handlers, top, top, 'constructor', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_method' },
    });
    expect(await answerAdminCall(handlers, top, top, '__proto__', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_method' },
    });
    const logged: unknown[] = [];
    const r = await answerAdminCall(handlers, top, top, 'listAccounts', {}, (e) => logged.push(e));
    expect(r).toMatchObject({ ok: false, error: { code: 'internal_error' } });
    expect(JSON.stringify(r)).not.toContain('disk on fire');
    expect(logged).toHaveLength(1);
  });

  it('registers one channel that forwards to the same logic', async () => {
    const channels: string[] = [];
    let handler:
      | ((event: { senderFrame: unknown }, method: unknown, input: unknown) => Promise<unknown>)
      | undefined;
    registerAdminIpc(
      { handle: (channel: string, fn: never) => (channels.push(channel), (handler = fn)) },
      handlers,
      () => top as never,
    );
    expect(channels).toEqual([ADMIN_CHANNEL]);
    expect(await handler!({ senderFrame: top }, 'getKey', { id: 7 })).toEqual({
      ok: true,
      result: { id: 7 },
    });
  });
});

describe('preload bundle', () => {
  it('is a single CommonJS file that requires nothing but electron', async () => {
    await build({
      configFile: fileURLToPath(new URL('../../preload/vite.config.ts', import.meta.url)),
      logLevel: 'warn',
    });
    const dir = fileURLToPath(new URL('../../out/preload', import.meta.url));
    expect(readdirSync(dir)).toEqual(['index.cjs']);
    const code = readFileSync(`${dir}/index.cjs`, 'utf8');
    const requires = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(requires)).toEqual(new Set(['electron']));
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(code).toContain('exposeInMainWorld');
    expect(code).not.toMatch(/ipcRenderer\.invoke\([^,]*,\s*\.\.\./); // no generic pass-through
  }, 60_000);
});
