import { createServer, type Server } from 'node:net';
import { get as httpsGet } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { ListenerController } from '../../main/api/listener-controller.ts';
import { testCore } from '../helpers.ts';
import { request } from './http.ts';

const held: Server[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A port another program holds for the rest of the test. */
async function takenPort(): Promise<number> {
  const srv = createServer();
  held.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as { port: number }).port;
}

const answers = (port: number, host = '127.0.0.1') =>
  request(`http://${host}:${port}/api/v1/me`).then(
    (r) => r.status,
    () => 'refused',
  );

describe('moving the partner listener', () => {
  it('keeps answering where it was, and keeps the saved address, when the new port is taken', async () => {
    const core = testCore({
      settings: {
        listener: { host: '127.0.0.1', port: 0, startOnLaunch: true, trustedProxies: [] },
      },
    });
    const listener = new ListenerController(core);
    const { port: before } = await listener.start();
    const taken = await takenPort();
    await expect(listener.configure({ host: '127.0.0.1', port: taken })).rejects.toThrow(
      new RegExp(`Port ${taken} on 127.0.0.1 is already in use`),
    );
    expect(listener.status()).toMatchObject({ running: true, port: before });
    expect(core.settings.get().listener.port).toBe(0);
    expect(await answers(before)).toBe(401);
    await listener.stop();
  });

  it('binds the new address before letting the old go, and saves it', async () => {
    const core = testCore({
      settings: {
        listener: { host: '127.0.0.1', port: 0, startOnLaunch: true, trustedProxies: [] },
      },
    });
    const listener = new ListenerController(core);
    const { port: before } = await listener.start();
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const next = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));

    const moved = await listener.configure({ host: '127.0.0.1', port: next });
    expect(moved).toMatchObject({ running: true, port: next, error: null });
    expect(await answers(next)).toBe(401);
    expect(await answers(before)).toBe('refused');
    expect(core.settings.get().listener.port).toBe(next);

    // The same port on every address of this machine: the old binding must go first.
    // Beyond loopback it serves HTTPS (the default), with Partnergate's own CA.
    const wider = await listener.configure({ host: '0.0.0.0', port: next });
    expect(wider).toMatchObject({ running: true, host: '0.0.0.0', port: next });
    expect(await answers(next)).toBe('refused');
    const status = await new Promise((resolve, reject) =>
      httpsGet(`https://127.0.0.1:${next}/api/v1/me`, { ca: wider.https!.caPem! }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject),
    );
    expect(status).toBe(401);
    await listener.stop();
  });
});
