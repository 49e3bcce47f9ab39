import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { fakeConversions, fakeEverflow, type FakeTracker } from '../fakes/trackers.ts';
import { cli } from './run-cli.ts';

const trackers: FakeTracker[] = [];
afterEach(async () => {
  while (trackers.length) await trackers.pop()!.close();
});

describe('partnergate source', () => {
  it('adds a tracker source with its key from the environment, runs it, maps held ids, pauses, resumes and removes it', async () => {
    const dir = tempDir();
    expect((await cli(dir, ['partner', 'add', '--name', 'Acme', '--kind', 'affiliate'])).code).toBe(
      0,
    );
    expect(
      (await cli(dir, ['offer', 'add', '--name', 'VPN', '--payout', '12.50', '--currency', 'USD']))
        .code,
    ).toBe(0);
    const t = await fakeEverflow(fakeConversions(8, Date.now(), { affiliates: [501] }));
    trackers.push(t);

    // The key never goes on the command line.
    const noKey = await cli(dir, ['source', 'add', 'EF', '--kind', 'everflow', '--url', t.url]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/credential: is needed: Everflow answers only with an API key/);
    const unset = await cli(dir, [
      'source',
      'add',
      'EF',
      '--kind',
      'everflow',
      '--credential-env',
      'NOPE_KEY',
    ]);
    expect(unset.stderr).toMatch(/NOPE_KEY \(--credential-env\) is not set/);

    const added = await cli(
      dir,
      [
        'source',
        'add',
        'EF',
        '--kind',
        'everflow',
        '--url',
        t.url,
        '--credential-env',
        'EF_KEY',
        '--schedule',
        '0 * * * *',
        '--json',
      ],
      { env: { EF_KEY: t.key } },
    );
    expect(added.code).toBe(0);
    expect(added.json()).toMatchObject({
      id: 1,
      kind: 'everflow',
      ids: 'mapped',
      credentialHint: '••••1234',
    });
    expect(added.stdout).not.toContain(t.key);

    const run = await cli(dir, ['source', 'run', '1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/done: 8 read, 0 new, 0 updated, 0 unchanged, 8 held/);
    const show = await cli(dir, ['source', 'show', '1']);
    expect(show.stdout).toMatch(/Held rows \(8\)/);
    expect(show.stdout).toMatch(/501\s+77\s+8\s+partner and offer/);

    expect((await cli(dir, ['source', 'map', '1', 'offer', '77', '1'])).code).toBe(0);
    const mapped = await cli(dir, ['source', 'map', '1', 'partner', '501', '1']);
    expect(mapped.stdout).toMatch(
      /Tracker partner 501 → Acme \(#1\)\.\nHeld rows imported: 8 read, 8 new/,
    );

    expect((await cli(dir, ['source', 'pause', '1'])).stdout).toMatch(/EF is paused/);
    expect((await cli(dir, ['source', 'resume', '1'])).stdout).toMatch(
      /EF is running on 0 \* \* \* \*/,
    );
    const history = await cli(dir, ['source', 'history', '1', '--json']);
    expect(history.json<{ trigger: string }[]>().map((r) => r.trigger)).toEqual([
      'release',
      'manual',
    ]);
    const list = await cli(dir, ['source', 'list']);
    expect(list.stdout).toMatch(/1\s+EF\s+everflow\s+conversions\s+0 \* \* \* \*\s+ok/);

    // A refused key: exit 1 with the reason, and the source stops.
    t.key = 'rotated-at-the-tracker';
    const refused = await cli(dir, ['source', 'run', '1']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /failed \(credential_refused\): Everflow \(page 1\) was refused \(401\)/,
    );
    expect((await cli(dir, ['source', 'list'])).stdout).toMatch(/stopped/);

    expect((await cli(dir, ['source', 'remove', '1'])).stdout).toMatch(/rows it brought stay/);
    expect((await cli(dir, ['source', 'list'])).stdout).toBe('No sources.\n');
    const gone = await cli(dir, ['source', 'show', '1']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/No source with id 1/);
  });
});
