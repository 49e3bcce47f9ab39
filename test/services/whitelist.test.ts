import { describe, expect, it } from 'vitest';
import { testCore } from '../helpers.ts';

async function keyed() {
  const core = testCore();
  const p = core.accounts.create({ kind: 'affiliate', name: 'Acme' });
  const { key } = await core.keys.issue({ accountId: p.id, label: 'x', scopes: ['reports:read'] });
  return { core, keyId: key.id };
}

describe('IP whitelist rules', () => {
  it('allows no address while the whitelist is empty', async () => {
    const { core, keyId } = await keyed();
    const r = core.ipRules.check(keyId, '127.0.0.1');
    expect(r).toMatchObject({ allowed: false, rule: null });
    expect(r.reason).toMatch(/no whitelist rules/);
    expect(core.ipRules.list(keyId).empty).toBe(true);
  });

  it('answers which rule allows an address, for every notation and both families', async () => {
    const { core, keyId } = await keyed();
    const single = core.ipRules.add({ keyId, kind: 'single', address: '203.0.113.7' }).rule;
    const range = core.ipRules.add({
      keyId,
      kind: 'range',
      from: '10.0.0.1',
      to: '10.0.0.255',
    }).rule;
    const v6 = core.ipRules.add({ keyId, kind: 'cidr', cidr: '2001:db8::/32' }).rule;
    expect(core.ipRules.check(keyId, '203.0.113.7').rule?.id).toBe(single.id);
    expect(core.ipRules.check(keyId, '::ffff:203.0.113.7').rule?.id).toBe(single.id);
    expect(core.ipRules.check(keyId, '0:0:0:0:0:ffff:cb00:7107').rule?.id).toBe(single.id);
    expect(core.ipRules.check(keyId, '10.0.0.200').rule?.id).toBe(range.id);
    expect(core.ipRules.check(keyId, '2001:db8:1234::5').rule?.id).toBe(v6.id);
    expect(core.ipRules.check(keyId, '10.0.1.0')).toMatchObject({ allowed: false });
    expect(core.ipRules.check(keyId, '2001:db9::1')).toMatchObject({ allowed: false });
    expect(() => core.ipRules.check(keyId, 'not-an-ip')).toThrow(/not an IPv4 or IPv6 address/);
  });

  it('explains a decision with the narrowest matching rule', async () => {
    const { core, keyId } = await keyed();
    core.ipRules.add({ keyId, kind: 'cidr', cidr: '10.0.0.0/8' });
    const narrow = core.ipRules.add({ keyId, kind: 'single', address: '10.1.2.3' }).rule;
    expect(core.ipRules.check(keyId, '10.1.2.3').rule?.id).toBe(narrow.id);
  });

  it('opens a key to every address only when told so on purpose', async () => {
    const { core, keyId } = await keyed();
    for (const input of [
      { keyId, kind: 'cidr', cidr: '0.0.0.0/0' },
      { keyId, kind: 'range', from: '0.0.0.0', to: '255.255.255.255' },
      { keyId, kind: 'cidr', cidr: '::/0' },
    ] as const)
      expect(() => core.ipRules.add(input)).toThrow(
        expect.objectContaining({ code: 'every_address_needs_confirmation' }),
      );
    expect(core.ipRules.list(keyId).rules).toEqual([]);
    const open = core.ipRules.add({
      keyId,
      kind: 'cidr',
      cidr: '0.0.0.0/0',
      allowEveryAddress: true,
    });
    expect(open.rule.openToEveryAddress).toBe(true);
    expect(open.warnings[0]).toMatch(/opens the key to every address/);
    expect(core.ipRules.list(keyId).openToEveryAddress).toBe(true);
  });

  it('refuses a rule the key already has, in any spelling', async () => {
    const { core, keyId } = await keyed();
    core.ipRules.add({ keyId, kind: 'cidr', cidr: '10.0.0.0/24' });
    expect(() =>
      core.ipRules.add({ keyId, kind: 'range', from: '10.0.0.0', to: '10.0.0.255' }),
    ).toThrow(
      expect.objectContaining({
        code: 'duplicate_rule',
        message: 'The key already has 10.0.0.0/24, the same addresses as 10.0.0.0-10.0.0.255.',
      }),
    );
    core.ipRules.add({ keyId, kind: 'single', address: '::ffff:192.0.2.1' });
    expect(() => core.ipRules.add({ keyId, kind: 'single', address: '192.0.2.1' })).toThrow(
      expect.objectContaining({ code: 'duplicate_rule' }),
    );
    expect(core.ipRules.list(keyId).rules).toHaveLength(2);
  });

  it('marks a rule another one already covers, and stores it', async () => {
    const { core, keyId } = await keyed();
    const wide = core.ipRules.add({ keyId, kind: 'cidr', cidr: '10.0.0.0/8' }).rule;
    const narrow = core.ipRules.add({ keyId, kind: 'cidr', cidr: '10.1.0.0/16' });
    expect(narrow.warnings).toEqual(['10.1.0.0/16 is already covered by 10.0.0.0/8']);
    expect(core.ipRules.list(keyId).overlaps).toEqual([
      {
        ruleId: narrow.rule.id,
        otherRuleId: wide.id,
        relation: 'contains',
        message: '10.1.0.0/16 is already covered by 10.0.0.0/8',
      },
    ]);
    expect(core.ipRules.check(keyId, '10.1.2.3').reason).toBe('Allowed by 10.1.0.0/16.');
  });

  it('refuses bad input with a specific error and stores nothing', async () => {
    const { core, keyId } = await keyed();
    const bad = [
      [{ keyId, kind: 'single', address: '999.1.1.1' }, 'invalid_ip'],
      [{ keyId, kind: 'range', from: '10.0.0.9', to: '10.0.0.1' }, 'range_end_before_start'],
      [{ keyId, kind: 'range', from: '10.0.0.1', to: '2001:db8::1' }, 'mixed_ip_families'],
      [{ keyId, kind: 'cidr', cidr: '10.0.0.1/24' }, 'cidr_host_bits_set'],
      [{ keyId, kind: 'cidr', cidr: '10.0.0.0/40' }, 'invalid_cidr'],
      [{ keyId: 999, kind: 'single', address: '10.0.0.1' }, 'key_not_found'],
    ] as const;
    for (const [input, code] of bad)
      expect(() => core.ipRules.add(input), code).toThrow(expect.objectContaining({ code }));
    expect(core.ipRules.list(keyId).rules).toHaveLength(0);
  });

  it('removes a rule and hands it back for an undo', async () => {
    const { core, keyId } = await keyed();
    const rule = core.ipRules.add({
      keyId,
      kind: 'cidr',
      cidr: '192.168.0.0/16',
      note: 'office',
    }).rule;
    const removed = core.ipRules.remove(rule.id);
    expect(removed).toMatchObject({ text: '192.168.0.0/16', note: 'office' });
    expect(core.ipRules.check(keyId, '192.168.1.1').allowed).toBe(false);
    core.ipRules.add({ keyId, kind: 'cidr', cidr: removed.text, note: removed.note ?? '' });
    expect(core.ipRules.check(keyId, '192.168.1.1').allowed).toBe(true);
    expect(() => core.ipRules.remove(9999)).toThrow(
      expect.objectContaining({ code: 'whitelist_rule_not_found' }),
    );
  });

  it('freezes the whitelist of a revoked key', async () => {
    const { core, keyId } = await keyed();
    core.keys.revoke({ id: keyId, reason: 'x' });
    expect(() => core.ipRules.add({ keyId, kind: 'single', address: '10.0.0.1' })).toThrow(
      expect.objectContaining({ code: 'key_revoked' }),
    );
  });
});
