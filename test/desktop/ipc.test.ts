import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AdminHandlers } from '../../shared/admin-contract.ts';
import { notFound } from '../../shared/errors.ts';
import {
  ADMIN_CHANNEL,
  answerAdminCall,
  answerUpload,
  registerAdminIpc,
  sendDesktopEvent,
} from '../../main/desktop/ipc.ts';
import { adminDispatcher } from '../../main/admin/dispatch.ts';
import { ADMIN_METHODS } from '../../shared/admin-contract.ts';
import { EVENT_CHANNEL, UPLOAD_CHANNEL } from '../../shared/desktop-bridge.ts';
import { CONNECTION_OPS } from '../../shared/team-server.ts';
import { buildBridge } from '../../preload/bridge.ts';
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
const logged: unknown[] = [];
const dispatch = adminDispatcher({
  handlers,
  whenWritable: async (fn) => fn(),
  explainError: (e) => e,
  log: (e) => logged.push(e),
});
const registerUpload = (path: string) => {
  if (path !== '/home/ann/clicks.csv') throw notFound('file', path);
  return { uploadId: 'u1', bytes: 42 };
};

describe('admin contract over IPC', () => {
  it('answers the app’s own frame, with the input parsed by the contract', async () => {
    expect(await answerAdminCall(dispatch, top, top, 'getKey', { id: 3 })).toEqual({
      ok: true,
      result: { id: 3 },
    });
    const bad = await answerAdminCall(dispatch, top, top, 'getKey', { id: 'three' });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', details: [{ field: 'id' }] },
    });
    expect(await answerAdminCall(dispatch, top, top, 'getKey', { id: 404 })).toMatchObject({
      ok: false,
      error: { code: 'key_not_found', message: 'No key with id 404.' },
    });
  });

  it('refuses other senders, unknown methods, and hides unexpected failures', async () => {
    expect(
      await answerAdminCall(dispatch, { url: 'https://evil.example' }, top, 'getKey', { id: 1 }),
    ).toMatchObject({ ok: false, error: { code: 'untrusted_sender' } });
    expect(
      await answerAdminCall(dispatch, { url: `${APP_ORIGIN}/x` }, top, 'getKey', { id: 1 }),
    ).toMatchObject({ ok: false, error: { code: 'untrusted_sender' } });
    expect(await answerAdminCall(dispatch, top, top, 'constructor', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_method' },
    });
    expect(await answerAdminCall(dispatch, top, top, '__proto__', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_method' },
    });
    logged.length = 0;
    const r = await answerAdminCall(dispatch, top, top, 'listAccounts', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'internal_error' } });
    expect(JSON.stringify(r)).not.toContain('disk on fire');
    expect(logged).toHaveLength(1);
  });

  it('registers the admin channel and the upload channel, forwarding to the same logic', async () => {
    const channels = new Map<
      string,
      (event: { senderFrame: unknown }, ...args: unknown[]) => unknown
    >();
    registerAdminIpc(
      { handle: (channel: string, fn: never) => void channels.set(channel, fn) },
      dispatch,
      registerUpload,
      () => top as never,
    );
    expect([...channels.keys()]).toEqual([ADMIN_CHANNEL, UPLOAD_CHANNEL]);
    expect(await channels.get(ADMIN_CHANNEL)!({ senderFrame: top }, 'getKey', { id: 7 })).toEqual({
      ok: true,
      result: { id: 7 },
    });
    expect(
      await channels.get(UPLOAD_CHANNEL)!({ senderFrame: top }, '/home/ann/clicks.csv'),
    ).toEqual({
      ok: true,
      result: { uploadId: 'u1', bytes: 42 },
    });
  });

  it('takes a chosen file’s path from the app’s own frame only', async () => {
    expect(
      await answerUpload(registerUpload, { url: 'https://evil.example' }, top, '/etc/passwd'),
    ).toMatchObject({
      ok: false,
      error: { code: 'untrusted_sender' },
    });
    expect(await answerUpload(registerUpload, top, top, '')).toMatchObject({
      ok: false,
      error: { code: 'file_not_found' },
    });
    expect(await answerUpload(registerUpload, top, top, 42)).toMatchObject({ ok: false });
    expect(await answerUpload(registerUpload, top, top, '/nowhere.csv')).toMatchObject({
      ok: false,
      error: { code: 'file_not_found' },
    });
  });
});

describe('preload bridge (window.api)', () => {
  /** webUtils.getPathForFile stand-in: where the chosen file is on disk. */
  const pathOf = (file: File) =>
    file.name === 'clicks.csv' ? '/home/ann/clicks.csv' : '/nowhere.csv';

  /** An ipcRenderer stand-in wired to the main side's logic, as Electron wires the two. */
  function fakeIpc() {
    const listeners = new Set<(e: unknown, m: unknown) => void>();
    const ipc = {
      invoke: (channel: string, method: unknown, input: unknown) => {
        if (channel === UPLOAD_CHANNEL) return answerUpload(registerUpload, top, top, method);
        expect(channel).toBe(ADMIN_CHANNEL);
        return answerAdminCall(dispatch, top, top, method, input);
      },
      on: (channel: string, l: (e: unknown, m: unknown) => void) => {
        expect(channel).toBe(EVENT_CHANNEL);
        listeners.add(l);
        return ipc;
      },
      removeListener: (_channel: string, l: (e: unknown, m: unknown) => void) => {
        listeners.delete(l);
        return ipc;
      },
    };
    const contents = {
      isDestroyed: () => false,
      send: (channel: string, message: unknown) => {
        expect(channel).toBe(EVENT_CHANNEL);
        for (const l of listeners) l({}, message);
      },
    };
    return { ipc: ipc as never, contents, listeners };
  }

  it('has one function per contract method, `connection`, `on`, and nothing else', () => {
    const bridge = buildBridge(fakeIpc().ipc, pathOf);
    expect(Object.keys(bridge).sort()).toEqual(
      [...ADMIN_METHODS, 'connection', 'on', 'uploadFile'].sort(),
    );
    const { connection, ...rest } = bridge;
    for (const v of Object.values(rest)) expect(typeof v).toBe('function');
    expect(Object.keys(connection).sort()).toEqual([...CONNECTION_OPS].sort());
    for (const v of Object.values(connection)) expect(typeof v).toBe('function');
  });

  it('hands main the path of a chosen file, never its content', async () => {
    const bridge = buildBridge(fakeIpc().ipc, pathOf);
    expect(await bridge.uploadFile(new File(['a,b'], 'clicks.csv'))).toEqual({
      uploadId: 'u1',
      bytes: 42,
    });
    await expect(bridge.uploadFile(new File(['x'], 'other.csv'))).rejects.toMatchObject({
      code: 'file_not_found',
    });
  });

  it('answers calls, and rejects with the code and message of a refusal', async () => {
    const bridge = buildBridge(fakeIpc().ipc, pathOf);
    expect(await bridge.getKey({ id: 7 })).toEqual({ id: 7 });
    await expect(bridge.getKey({ id: 404 })).rejects.toMatchObject({ code: 'key_not_found' });
    await expect(bridge.getKey({ id: -1 })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('delivers typed events to their subscribers until they unsubscribe', () => {
    const { ipc, contents, listeners } = fakeIpc();
    const bridge = buildBridge(ipc, pathOf);
    const pages: unknown[] = [];
    const states: boolean[] = [];
    const offNavigate = bridge.on('navigate', (p) => pages.push(p));
    const offListener = bridge.on('listener', (s) => states.push(s.running));
    expect(sendDesktopEvent(contents, 'navigate', { page: 'partners', id: 3 })).toBe(true);
    expect(pages).toEqual([{ page: 'partners', id: 3 }]);
    expect(states).toEqual([]);
    offNavigate();
    sendDesktopEvent(contents, 'navigate', { page: 'reports', id: null });
    expect(pages).toHaveLength(1);
    offListener();
    expect(listeners.size).toBe(0);
    expect(() => bridge.on('anything' as never, () => {})).toThrow(/no desktop event anything/);
    expect(
      sendDesktopEvent({ isDestroyed: () => true, send: () => {} }, 'navigate', {
        page: 'audit',
        id: null,
      }),
    ).toBe(false);
    expect(sendDesktopEvent(null, 'navigate', { page: 'audit', id: null })).toBe(false);
  });
});

describe('preload bundle', () => {
  it('is a single CommonJS file that requires nothing but electron', () => {
    // Built by the global setup, as `npm run build` builds it.
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
