import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAY, HOUR } from '../../shared/durations.ts';
import { testClock, testCore, storeOf } from '../helpers.ts';
import type { Core } from '../../main/core.ts';

function partner(core: Core, name = 'Acme Media') {
  return core.accounts.create({ kind: 'affiliate', name });
}

/** Every byte Partnergate wrote for the store: database, WAL, shared memory. */
function storeBytes(core: Core): Buffer {
  return Buffer.concat(
    readdirSync(core.dataDir)
      .filter((f) => f.startsWith('partnergate.sqlite'))
      .map((f) => readFileSync(join(core.dataDir, f))),
  );
}

describe('issuing keys', () => {
  it('stores only a hash and a display prefix: the secret is nowhere in the database files', async () => {
    const core = testCore();
    const p = partner(core);
    const { key, secret } = await core.keys.issue({
      accountId: p.id,
      label: 'BI warehouse',
      scopes: ['reports:read'],
    });
    const other = await core.keys.issue({
      accountId: p.id,
      label: 'Sheets',
      scopes: ['reports:read'],
      allowQueryAuth: true,
    });
    await core.keys.rotate({ id: other.key.id, graceMs: HOUR });
    storeOf(core).pragma('wal_checkpoint(PASSIVE)');
    const bytes = storeBytes(core);
    expect(bytes.length).toBeGreaterThan(0);
    for (const s of [secret, other.secret]) {
      expect(bytes.includes(Buffer.from(s))).toBe(false);
      expect(bytes.includes(Buffer.from(s.slice(10, 30)))).toBe(false); // nor its random part
    }
    expect(bytes.includes(Buffer.from(key.displayPrefix))).toBe(true);
    expect(JSON.stringify(core.audit.list())).not.toContain(secret);
  });

  it('applies the defaults: 90-day expiry, 100 requests a minute, query auth off', async () => {
    const clock = testClock();
    const core = testCore({ clock });
    const { key } = await core.keys.issue({
      accountId: partner(core).id,
      label: 'x',
      scopes: ['reports:read'],
    });
    expect(key.expiresAt).toBe(clock.now() + 90 * DAY);
    expect(key.rateLimit).toEqual({ count: 100, windowMs: 60_000 });
    expect(key.allowQueryAuth).toBe(false);
    expect(key.status).toBe('active');
    expect(key.createdBy).toBe('test');
  });

  it('never expires only when asked explicitly', async () => {
    const core = testCore();
    const { key } = await core.keys.issue({
      accountId: partner(core).id,
      label: 'x',
      scopes: ['reports:read'],
      expiresAt: 'never',
    });
    expect(key.expiresAt).toBeNull();
  });

  it('refuses unknown scopes, a past expiry, a suspended account, and an unknown account', async () => {
    const clock = testClock();
    const core = testCore({ clock });
    const p = partner(core);
    await expect(
      core.keys.issue({
        accountId: p.id,
        label: 'x',
        scopes: ['reports:read', 'admin' as 'reports:read'],
      }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      core.keys.issue({
        accountId: p.id,
        label: 'x',
        scopes: ['reports:read'],
        expiresAt: clock.now() - 1,
      }),
    ).rejects.toMatchObject({ code: 'expiry_in_past' });
    await expect(
      core.keys.issue({ accountId: p.id, label: 'x', scopes: [] }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(
      core.keys.issue({ accountId: 99, label: 'x', scopes: ['reports:read'] }),
    ).rejects.toMatchObject({ code: 'account_not_found' });
    core.accounts.update({ id: p.id, status: 'suspended' });
    await expect(
      core.keys.issue({ accountId: p.id, label: 'x', scopes: ['reports:read'] }),
    ).rejects.toMatchObject({ code: 'account_suspended' });
    expect(core.keys.list()).toHaveLength(0);
  });
});

describe('authenticating a presented secret', () => {
  it('finds the key by hash and tells missing, malformed, unknown, revoked and expired apart', async () => {
    const clock = testClock();
    const core = testCore({ clock });
    const p = partner(core);
    const a = await core.keys.issue({
      accountId: p.id,
      label: 'a',
      scopes: ['reports:read'],
      expiresAt: clock.now() + DAY,
    });
    const b = await core.keys.issue({ accountId: p.id, label: 'b', scopes: ['reports:read'] });
    expect(core.keys.lookup(a.secret)).toMatchObject({ ok: true, key: { id: a.key.id } });
    expect(core.keys.lookup(undefined)).toEqual({ ok: false, code: 'missing_api_key' });
    expect(core.keys.lookup('')).toEqual({ ok: false, code: 'missing_api_key' });
    expect(core.keys.lookup(`${a.secret.slice(0, -1)}x`)).toEqual({
      ok: false,
      code: 'invalid_api_key',
    });
    // Well-formed, right checksum, never issued.
    const { generateKey } = await import('../../shared/key-format.ts');
    expect(core.keys.lookup(generateKey((n) => new Uint8Array(n).fill(7)))).toEqual({
      ok: false,
      code: 'invalid_api_key',
    });
    core.keys.revoke({ id: b.key.id, reason: 'leaked in a screenshot' });
    expect(core.keys.lookup(b.secret)).toEqual({ ok: false, code: 'key_revoked' });
    clock.advance(DAY);
    expect(core.keys.lookup(a.secret)).toEqual({ ok: false, code: 'key_expired' });
    expect(core.keys.get(a.key.id).status).toBe('expired');
  });
});

describe('re-showing a secret', () => {
  it('reveals the secret from its encrypted copy and audits that it did', async () => {
    const core = testCore();
    const { key, secret } = await core.keys.issue({
      accountId: partner(core).id,
      label: 'x',
      scopes: ['reports:read'],
    });
    expect(key.secretRetained).toBe(true);
    await expect(core.keys.reveal(key.id)).resolves.toBe(secret);
    expect(core.audit.list({ entityType: 'key' }).map((e) => e.action)).toContain('key.reveal');
  });

  it('refuses under the show-once policy even where a copy is still kept (settings edited by hand)', async () => {
    const core = testCore();
    const p = partner(core);
    const { key } = await core.keys.issue({
      accountId: p.id,
      label: 'x',
      scopes: ['reports:read'],
    });
    // The policy written straight into the settings, not through setSecretPolicy: the copy stays.
    core.settings.update((s) => ({ ...s, keys: { ...s.keys, secretPolicy: 'show-once' } }));
    expect(core.keys.get(key.id).secretRetained).toBe(true);
    await expect(core.keys.reveal(key.id)).rejects.toMatchObject({
      code: 'secret_not_retained',
      message: expect.stringMatching(/show-once policy/) as unknown,
    });
  });

  it('refuses under the show-once policy, and switching to it drops every kept copy', async () => {
    const core = testCore();
    const p = partner(core);
    const before = await core.keys.issue({ accountId: p.id, label: 'x', scopes: ['reports:read'] });
    expect(core.settings.setSecretPolicy('show-once')).toEqual({ dropped: 1 });
    await expect(core.keys.reveal(before.key.id)).rejects.toMatchObject({
      code: 'secret_not_retained',
    });
    const after = await core.keys.issue({ accountId: p.id, label: 'y', scopes: ['reports:read'] });
    expect(after.key.secretRetained).toBe(false);
    core.settings.setSecretPolicy('reshow');
    await expect(core.keys.reveal(after.key.id)).rejects.toMatchObject({
      code: 'secret_not_retained',
    });
    await expect(core.keys.reveal(before.key.id)).rejects.toMatchObject({
      code: 'secret_not_retained',
    });
  });

  it('refuses a copy sealed with a different master key, naming both', async () => {
    const dataDir = (await import('../helpers.ts')).tempDir();
    const first = testCore({ dataDir });
    const { key } = await first.keys.issue({
      accountId: partner(first).id,
      label: 'x',
      scopes: ['reports:read'],
    });
    first.close();
    const second = testCore({ dataDir });
    await expect(second.keys.reveal(key.id)).rejects.toMatchObject({
      code: 'secret_sealed_elsewhere',
    });
  });
});

describe('extending, revoking, rotating', () => {
  it('extends an active or expired key, never a revoked one, never into the past', async () => {
    const clock = testClock();
    const core = testCore({ clock });
    const p = partner(core);
    const { key } = await core.keys.issue({
      accountId: p.id,
      label: 'x',
      scopes: ['reports:read'],
      expiresAt: clock.now() + DAY,
    });
    clock.advance(2 * DAY);
    expect(core.keys.get(key.id).status).toBe('expired');
    expect(core.keys.extend({ id: key.id, expiresAt: clock.now() + 30 * DAY }).status).toBe(
      'active',
    );
    expect(() => core.keys.extend({ id: key.id, expiresAt: clock.now() - 1 })).toThrow(
      expect.objectContaining({ code: 'expiry_in_past' }),
    );
    core.keys.revoke({ id: key.id, reason: 'partner left' });
    expect(() => core.keys.extend({ id: key.id, expiresAt: 'never' })).toThrow(
      expect.objectContaining({ code: 'key_revoked' }),
    );
    expect(() => core.keys.revoke({ id: key.id, reason: 'again' })).toThrow(
      expect.objectContaining({ code: 'key_revoked' }),
    );
    expect(core.keys.get(key.id)).toMatchObject({
      status: 'revoked',
      revokedReason: 'partner left',
      secretRetained: false,
    });
  });

  it('rotates: new secret, same settings and whitelist, old secret works through the grace period only', async () => {
    const clock = testClock();
    const core = testCore({ clock });
    const p = partner(core);
    const old = await core.keys.issue({
      accountId: p.id,
      label: 'BI warehouse',
      scopes: ['reports:read', 'conversions:read'],
      expiresAt: clock.now() + 60 * DAY,
      rateLimit: { count: 10, windowMs: 1000 },
      allowQueryAuth: true,
    });
    core.ipRules.add({ keyId: old.key.id, kind: 'cidr', cidr: '10.0.0.0/8' });
    core.ipRules.add({ keyId: old.key.id, kind: 'single', address: '2001:db8::1' });
    const fresh = await core.keys.rotate({ id: old.key.id, graceMs: 24 * HOUR });
    expect(fresh.secret).not.toBe(old.secret);
    expect(fresh.key).toMatchObject({
      label: 'BI warehouse',
      scopes: ['reports:read', 'conversions:read'],
      expiresAt: old.key.expiresAt,
      rateLimit: { count: 10, windowMs: 1000 },
      allowQueryAuth: true,
      rotatedFromKeyId: old.key.id,
      ipRuleCount: 2,
    });
    expect(core.ipRules.list(fresh.key.id).rules.map((r) => r.text)).toEqual([
      '10.0.0.0/8',
      '2001:db8::1',
    ]);
    expect(core.keys.get(old.key.id)).toMatchObject({
      replacedByKeyId: fresh.key.id,
      status: 'active',
    });
    clock.advance(24 * HOUR - 1);
    expect(core.keys.lookup(old.secret).ok).toBe(true);
    clock.advance(1);
    expect(core.keys.lookup(old.secret)).toEqual({ ok: false, code: 'key_expired' });
    expect(core.keys.lookup(fresh.secret).ok).toBe(true);
    await expect(core.keys.rotate({ id: old.key.id, graceMs: 0 })).rejects.toMatchObject({
      code: 'key_expired',
    });
  });

  it('rotation with no grace stops the old secret at once; a rotated key cannot be rotated again', async () => {
    const core = testCore();
    const p = partner(core);
    const old = await core.keys.issue({ accountId: p.id, label: 'x', scopes: ['reports:read'] });
    const fresh = await core.keys.rotate({ id: old.key.id, graceMs: 0 });
    expect(core.keys.lookup(old.secret)).toEqual({ ok: false, code: 'key_revoked' });
    expect(core.keys.get(old.key.id).revokedReason).toBe(`rotated to key ${fresh.key.id}`);
    const again = await core.keys.issue({ accountId: p.id, label: 'y', scopes: ['reports:read'] });
    await core.keys.rotate({ id: again.key.id, graceMs: HOUR });
    await expect(core.keys.rotate({ id: again.key.id, graceMs: HOUR })).rejects.toMatchObject({
      code: 'key_rotated',
    });
  });

  it('refuses to rotate an expired or revoked key and leaves the store unchanged', async () => {
    const clock = testClock();
    const core = testCore({ clock });
    const p = partner(core);
    const a = await core.keys.issue({
      accountId: p.id,
      label: 'a',
      scopes: ['reports:read'],
      expiresAt: clock.now() + HOUR,
    });
    const b = await core.keys.issue({ accountId: p.id, label: 'b', scopes: ['reports:read'] });
    core.keys.revoke({ id: b.key.id, reason: 'x' });
    clock.advance(2 * HOUR);
    const count = core.keys.list().length;
    await expect(core.keys.rotate({ id: a.key.id, graceMs: HOUR })).rejects.toMatchObject({
      code: 'key_expired',
    });
    await expect(core.keys.rotate({ id: b.key.id, graceMs: HOUR })).rejects.toMatchObject({
      code: 'key_revoked',
    });
    expect(core.keys.list()).toHaveLength(count);
  });

  it('audits every change with before and after', async () => {
    const core = testCore();
    const { key } = await core.keys.issue({
      accountId: partner(core).id,
      label: 'x',
      scopes: ['reports:read'],
    });
    core.keys.update({ id: key.id, label: 'renamed' });
    const entry = core.audit.list({ entityType: 'key', entityId: key.id })[0]!;
    expect(entry).toMatchObject({
      action: 'key.update',
      actor: 'test',
      before: { label: 'x' },
      after: { label: 'renamed' },
    });
  });
});
