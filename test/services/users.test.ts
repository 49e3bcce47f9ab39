import { describe, expect, it } from 'vitest';
import { isPartnergateError } from '../../shared/errors.ts';
import {
  SESSION_IDLE_MS,
  THROTTLE_LIMIT,
  THROTTLE_WINDOW_MS,
  verifyPassword,
} from '../../main/services/users.ts';
import Database from 'better-sqlite3';
import { Secret, TOTP } from 'otpauth';
import { storeOf, testClock, testCore } from '../helpers.ts';

const code = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return isPartnergateError(e) ? e.code : String(e);
  }
  return 'no error';
};

function team() {
  const clock = testClock();
  const core = testCore({ clock });
  const acme = core.accounts.create({ kind: 'affiliate', name: 'Acme' }).id;
  const blue = core.accounts.create({ kind: 'affiliate', name: 'Blue' }).id;
  return { core, clock, acme, blue };
}

async function withOwner() {
  const t = team();
  const link = t.core.users.ownerSetupLink();
  const owner = await t.core.users.completeSetup({
    token: link.token,
    email: 'olga@network.example',
    name: 'Olga',
    password: 'correct horse battery',
  });
  return { ...t, owner };
}

describe('people who administer Partnergate', () => {
  it('start with an owner made through a one-time set-up link, never a default password', async () => {
    const { core } = team();
    expect(core.users.hasUsers()).toBe(false);
    const link = core.users.ownerSetupLink();
    expect(link.token.length).toBeGreaterThanOrEqual(40);
    // A set-up still pending is nobody who can sign in: the machine's own link keeps working.
    expect(core.users.hasUsers()).toBe(false);
    expect(
      await code(
        core.users.completeSetup({ token: link.token, password: 'correct horse battery' }),
      ),
    ).toBe('owner_details_missing');
    expect(
      await code(
        core.users.completeSetup({
          token: link.token,
          email: 'o@x.example',
          name: 'O',
          password: 'short',
        }),
      ),
    ).toBe('invalid_input');
    const owner = await core.users.completeSetup({
      token: link.token,
      email: 'olga@network.example',
      name: 'Olga',
      password: 'correct horse battery',
    });
    expect(owner).toMatchObject({ role: 'owner', email: 'olga@network.example', pending: false });
    expect(core.users.hasUsers()).toBe(true);
    // The link worked once; the owner exists now.
    expect(
      await code(core.users.completeSetup({ token: link.token, password: 'another long one!' })),
    ).toBe('setup_link_invalid');
    expect(await code(() => core.users.ownerSetupLink())).toBe('owner_exists');
    // Only hashes are stored.
    const raw = JSON.stringify(storeOf(core).prepare(`SELECT * FROM users`).all());
    expect(raw).not.toContain('correct horse');
    expect(raw).toMatch(/scrypt\$32768\$8\$1\$/);
    expect(
      JSON.stringify(storeOf(core).prepare(`SELECT * FROM user_setup_links`).all()),
    ).not.toContain(link.token);
  });

  it('sign in with email and password, keep a session alive while used, and end it after 12 idle hours', async () => {
    const { core, clock } = await withOwner();
    const s = await core.users.signIn(
      { email: 'OLGA@network.example', password: 'correct horse battery' },
      '10.0.0.5',
    );
    expect(core.users.session(s.token)?.user.email).toBe('olga@network.example');
    clock.advance(SESSION_IDLE_MS - 60_000);
    expect(core.users.session(s.token)).not.toBeNull(); // used: alive another 12 hours
    clock.advance(SESSION_IDLE_MS - 60_000);
    expect(core.users.session(s.token)).not.toBeNull();
    clock.advance(SESSION_IDLE_MS + 1);
    expect(core.users.session(s.token)).toBeNull();
    expect(core.users.session('not-a-token')).toBeNull();
  });

  it('say the same for a wrong email and a wrong password, and throttle repeated failures', async () => {
    const { core, clock } = await withOwner();
    expect(
      await code(
        core.users.signIn({ email: 'nobody@x.example', password: 'whatever it is' }, '10.0.0.9'),
      ),
    ).toBe('sign_in_failed');
    for (let i = 1; i < THROTTLE_LIMIT; i++)
      expect(
        await code(
          core.users.signIn(
            { email: 'olga@network.example', password: `guess ${i}` },
            `10.0.1.${i}`,
          ),
        ),
      ).toBe('sign_in_failed');
    // The fifth failure for this email: even the right password waits now.
    expect(
      await code(
        core.users.signIn({ email: 'olga@network.example', password: 'guess 5' }, '10.0.2.1'),
      ),
    ).toBe('sign_in_failed');
    expect(
      await code(
        core.users.signIn(
          { email: 'olga@network.example', password: 'correct horse battery' },
          '10.0.2.2',
        ),
      ),
    ).toBe('sign_in_throttled');
    clock.advance(THROTTLE_WINDOW_MS + 1);
    expect(
      (
        await core.users.signIn(
          { email: 'olga@network.example', password: 'correct horse battery' },
          '10.0.2.2',
        )
      ).user.role,
    ).toBe('owner');
  });

  it('invite people with a role, keep at least one owner, and end sessions on disable or everywhere', async () => {
    const { core, owner, acme, blue } = await withOwner();
    const inv = core.users.invite({
      email: 'sam@network.example',
      name: 'Sam',
      role: 'manager',
      partnerIds: [acme],
    });
    expect(inv.user).toMatchObject({
      role: 'manager',
      pending: true,
      allPartners: false,
      partnerIds: [acme],
    });
    expect(
      await code(() =>
        core.users.invite({ email: 'SAM@network.example', name: 'Sam 2', role: 'viewer' }),
      ),
    ).toBe('email_taken');
    expect(
      await code(() => core.users.invite({ email: 'x@network.example', name: 'X', role: 'owner' })),
    ).toBe('invalid_input');
    expect(
      await code(() =>
        core.users.invite({
          email: 'y@network.example',
          name: 'Y',
          role: 'manager',
          partnerIds: [999],
        }),
      ),
    ).toBe('not_a_partner');
    // A pending person cannot sign in until they use their link.
    expect(
      await code(
        core.users.signIn({ email: 'sam@network.example', password: 'anything long' }, null),
      ),
    ).toBe('sign_in_failed');
    await core.users.completeSetup({ token: inv.token, password: 'sams own passphrase' });
    const a = await core.users.signIn(
      { email: 'sam@network.example', password: 'sams own passphrase' },
      null,
    );
    const b = await core.users.signIn(
      { email: 'sam@network.example', password: 'sams own passphrase' },
      null,
    );
    expect(core.users.sessions(inv.user.id)).toHaveLength(2);

    expect(
      core.users.setPartners(inv.user.id, { allPartners: false, partnerIds: [acme, blue] })
        .partnerIds,
    ).toEqual([acme, blue]);
    expect(core.users.endSessions(inv.user.id)).toEqual({ ended: 2 });
    expect(core.users.session(a.token)).toBeNull();
    const c = await core.users.signIn(
      { email: 'sam@network.example', password: 'sams own passphrase' },
      null,
    );
    core.users.setDisabled(inv.user.id, true);
    expect(core.users.session(c.token)).toBeNull();
    expect(
      await code(
        core.users.signIn({ email: 'sam@network.example', password: 'sams own passphrase' }, null),
      ),
    ).toBe('user_disabled');
    expect(core.users.session(b.token)).toBeNull();

    expect(await code(() => core.users.setRole(owner.id, 'admin'))).toBe('last_owner');
    expect(await code(() => core.users.setDisabled(owner.id, true))).toBe('last_owner');
    expect(await code(() => core.users.remove(owner.id))).toBe('last_owner');
    core.users.setDisabled(inv.user.id, false);
    // Enabled again, the sessions it had stay ended.
    expect(core.users.session(c.token)).toBeNull();
    core.users.setRole(inv.user.id, 'owner');
    expect(core.users.setRole(owner.id, 'admin').role).toBe('admin');
    expect(core.audit.list({}).map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'user.invite',
        'user.setup',
        'user.role',
        'user.disable',
        'user.sessions_ended',
      ]),
    );
  });

  it('a reset link replaces the password and ends every session', async () => {
    const { core, owner } = await withOwner();
    const s = await core.users.signIn(
      { email: 'olga@network.example', password: 'correct horse battery' },
      null,
    );
    const link = core.users.resetLink(owner.id);
    expect(core.users.session(s.token)).toBeNull();
    await core.users.completeSetup({ token: link.token, password: 'a brand new passphrase' });
    expect(
      await code(
        core.users.signIn(
          { email: 'olga@network.example', password: 'correct horse battery' },
          null,
        ),
      ),
    ).toBe('sign_in_failed');
    const hash = storeOf(core)
      .prepare(`SELECT password_hash FROM users WHERE id = ?`)
      .pluck()
      .get(owner.id) as string;
    expect(await verifyPassword('a brand new passphrase', hash)).toBe(true);
  });

  it('ask for an authenticator code once turned on; a wrong or reused code does not sign in', async () => {
    const { core, clock, owner } = await withOwner();
    const olga = { email: 'olga@network.example', password: 'correct horse battery' };
    const { secret, uri } = await core.users.beginTwoFactor(owner.id);
    expect(uri).toContain('issuer=Partnergate');
    // Not on until a code from the app is confirmed.
    expect((await core.users.signIn(olga, null)).user.twoFactor).toBe(false);
    const app = new TOTP({ secret: Secret.fromBase32(secret) });
    expect(await code(core.users.confirmTwoFactor(owner.id, '000000'))).toBe('second_factor_wrong');
    await core.users.confirmTwoFactor(owner.id, app.generate({ timestamp: clock.now() }));

    expect(await code(core.users.signIn(olga, null))).toBe('second_factor_needed');
    expect(await code(core.users.signIn({ ...olga, code: '123456' }, null))).toBe(
      'second_factor_wrong',
    );
    // The code confirmed a moment ago was used: the next 30-second step's works, once.
    clock.advance(30_000);
    const now = app.generate({ timestamp: clock.now() });
    expect((await core.users.signIn({ ...olga, code: now }, null)).user.twoFactor).toBe(true);
    expect(await code(core.users.signIn({ ...olga, code: now }, null))).toBe('second_factor_wrong');
    // A wrong password never reaches the code question.
    expect(await code(core.users.signIn({ ...olga, password: 'wrong one!!!' }, null))).toBe(
      'sign_in_failed',
    );
    core.users.disableTwoFactor(owner.id);
    expect((await core.users.signIn(olga, null)).user.twoFactor).toBe(false);
  });

  it('give a person access tokens that act as them until revoked or expired', async () => {
    const { core, clock, owner } = await withOwner();
    const { token, secret } = core.users.createToken(owner.id, {
      name: 'nightly',
      expiresInDays: 1,
    });
    expect(core.users.tokenUser(secret, '10.0.0.9')?.email).toBe('olga@network.example');
    expect(core.users.tokens(owner.id)[0]).toMatchObject({
      lastUsedAddress: '10.0.0.9',
      status: 'active',
    });
    expect(core.users.tokenUser(`${secret}x`, null)).toBeNull();
    clock.advance(25 * 3600_000);
    expect(core.users.tokenUser(secret, null)).toBeNull();
    expect(core.users.tokens(owner.id)[0]!.status).toBe('expired');
    const other = core.users.createToken(owner.id, { name: 'forever', expiresInDays: null });
    core.users.revokeToken(owner.id, other.token.id);
    expect(core.users.tokenUser(other.secret, null)).toBeNull();
    expect(token.prefix).toBe(secret.slice(0, 10));
    const stored = storeOf(core).prepare(`SELECT * FROM access_tokens`).all();
    expect(JSON.stringify(stored)).not.toContain(secret.slice(4));
  });

  it('never wait on another process’s write lock to note a session’s or a token’s use', async () => {
    const { core, clock, owner } = await withOwner();
    const s = await core.users.signIn(
      { email: 'olga@network.example', password: 'correct horse battery' },
      null,
    );
    const { secret } = core.users.createToken(owner.id, { name: 'script' });
    clock.advance(5 * 60_000);
    // An import in another process holds the write lock.
    const other = new Database(core.databaseFile);
    other.exec('BEGIN IMMEDIATE');
    try {
      expect(core.users.session(s.token)?.user.email).toBe('olga@network.example');
      expect(core.users.tokenUser(secret, '10.0.0.9')?.email).toBe('olga@network.example');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    // Not noted while the lock was held; noted on the next use.
    expect(core.users.tokens(owner.id)[0]!.lastUsedAt).toBeNull();
    core.users.tokenUser(secret, '10.0.0.9');
    expect(core.users.tokens(owner.id)[0]!.lastUsedAt).toBe(clock.now());
  });
});
