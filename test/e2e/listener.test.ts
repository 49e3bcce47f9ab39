import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { browserSuite } from './fixture.ts';
import { request } from '../api/http.ts';

/** A port free on this machine now, and one held by another program until `release`. */
async function ports(): Promise<{ free: number; taken: number; release: () => void }> {
  const hold = () =>
    new Promise<ReturnType<typeof createServer>>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    });
  const a = await hold();
  const free = (a.address() as { port: number }).port;
  await new Promise((r) => a.close(r));
  const b = await hold();
  return {
    free,
    taken: (b.address() as { port: number }).port,
    release: () => void b.close(),
  };
}

browserSuite('the listener page in a browser', (open) => {
  it('stops, starts and moves the partner API, and says which port is taken', async () => {
    const s = await open();
    const { page } = s;
    const { secret } = await s.localKey(1, 'Probe');
    const me = (port: number) =>
      request(`http://127.0.0.1:${port}/api/v1/me`, {
        headers: { authorization: `Bearer ${secret}` },
      }).then(
        (r) => r.status,
        () => 'refused',
      );
    const first = s.listener.status().port;
    await page.getByTestId('nav-listener').click();

    await page.getByTestId('listener-stop').click();
    await page.getByText('Listener stopped').waitFor();
    await expect.poll(() => page.getByTestId('listener-badge').innerText()).toMatch(/stopped/i);
    expect(await me(first)).toBe('refused');

    await page.getByTestId('listener-start').click();
    await expect
      .poll(() => page.getByTestId('listener-badge').innerText())
      .toMatch(/listening on :\d+/i);
    expect(await me(s.listener.status().port)).toBe(200);

    const { free, taken, release } = await ports();
    try {
      const running = s.listener.status().port;
      await page.getByTestId('listener-port').fill(String(taken));
      await page.getByRole('button', { name: 'Save address' }).click();
      // Said, and partners keep the address they had: nothing stopped, nothing saved.
      await page
        .getByTestId('toast-error')
        .getByText(`Port ${taken} on 127.0.0.1 is already in use`)
        .waitFor();
      expect(await page.getByTestId('listener-badge').innerText()).toMatch(
        new RegExp(`listening on :${running}`, 'i'),
      );
      expect(await me(running)).toBe(200);
      expect(s.core.settings.get().listener.port).toBe(0);
      await s.shot('80-listener-port-taken');

      await page.getByTestId('listener-port').fill(String(free));
      await page.getByRole('button', { name: 'Save address' }).click();
      await expect
        .poll(() => page.getByTestId('listener-badge').innerText())
        .toMatch(new RegExp(`listening on :${free}`, 'i'));
      expect(await me(free)).toBe(200);
      expect(s.core.settings.get().listener.port).toBe(free);
      await s.shot('81-listener');
    } finally {
      release();
    }
    expect(s.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
