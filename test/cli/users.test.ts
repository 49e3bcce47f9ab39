import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { cli } from './run-cli.ts';

describe('partnergate user', () => {
  it('creates the owner link, invites people with a role and a one-time link, and manages them', async () => {
    const dir = tempDir();
    expect((await cli(dir, ['partner', 'add', '--name', 'Acme', '--kind', 'affiliate'])).code).toBe(
      0,
    );
    expect((await cli(dir, ['user', 'list'])).stdout).toMatch(/Nobody yet/);
    const owner = await cli(dir, ['user', 'owner-link', '--json']);
    expect(owner.json<{ setupUrl: string }>().setupUrl).toMatch(
      /^http:\/\/127\.0\.0\.1:8788\/#setup=[A-Za-z0-9_-]{40,}&owner=1$/,
    );

    const invited = await cli(dir, [
      'user',
      'invite',
      '--email',
      'sam@network.example',
      '--name',
      'Sam',
      '--role',
      'manager',
      '--partners',
      '1',
    ]);
    expect(invited.code).toBe(0);
    expect(invited.stdout).toMatch(/Invited Sam <sam@network\.example> as account manager\./);
    expect(invited.stdout).toMatch(/#setup=[A-Za-z0-9_-]{40,}\n/);
    const bad = await cli(dir, [
      'user',
      'invite',
      '--email',
      'x',
      '--name',
      'X',
      '--role',
      'viewer',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/email: must be an email address/);
    expect(
      (
        await cli(dir, [
          'user',
          'invite',
          '--email',
          'v@n.example',
          '--name',
          'V',
          '--role',
          'boss',
        ])
      ).stderr,
    ).toMatch(/"boss" is not a role; the roles are owner, admin, manager, viewer/);

    const list = await cli(dir, ['user', 'list']);
    expect(list.stdout).toMatch(
      /sam@network\.example\s+Sam\s+account manager\s+1\s+invited\s+never/,
    );
    expect((await cli(dir, ['user', 'set-role', '2', 'viewer'])).stdout).toBe(
      'Sam is viewer now.\n',
    );
    expect((await cli(dir, ['user', 'disable', '2'])).stdout).toMatch(
      /disabled; their sessions ended/,
    );
    expect((await cli(dir, ['user', 'sign-out', '2'])).stdout).toBe('0 sessions ended.\n');
    expect((await cli(dir, ['user', 'reset-link', '2'])).stdout).toMatch(/#setup=/);
    expect((await cli(dir, ['user', 'remove', '2'])).stdout).toBe('Removed person #2.\n');
    const audit = await cli(dir, ['audit']);
    expect(audit.stdout).toMatch(/Invited Sam <sam@network\.example> as manager/);
    expect(audit.stdout).toMatch(/Changed the role of person #2: manager → viewer/);
  });
});
