/** The audit log in words: who the change was about, by name, and what changed. */
import { describe, expect, it } from 'vitest';
import { testClock, testCore } from '../helpers.ts';

const NOW = Date.UTC(2026, 10, 21, 12);

describe('the audit log', () => {
  it('says each change in words, naming the partner and the key', async () => {
    const core = testCore({ clock: testClock(NOW) });
    const p = core.accounts.create({ kind: 'affiliate', name: 'Atlas Media' });
    core.accounts.update({ id: p.id, status: 'suspended', notes: 'unpaid invoice' });
    core.accounts.update({ id: p.id, status: 'active' });
    const { key } = await core.keys.issue({
      accountId: p.id,
      label: 'BI warehouse',
      scopes: ['reports:read', 'stats:read'],
      expiresAt: NOW + 365 * 86_400_000,
    });
    core.keys.update({ id: key.id, rateLimit: { count: 10, windowMs: 1000 } });
    core.keys.extend({ id: key.id, expiresAt: NOW + 5 * 86_400_000 });
    const rule = core.ipRules.add({
      keyId: key.id,
      kind: 'cidr',
      cidr: '10.0.0.0/24',
      note: 'office',
    });
    core.ipRules.remove(rule.rule.id);
    core.keys.revoke({ id: key.id, reason: 'partner’s contractor left' });
    core.offers.create({ name: 'VPN', defaultPayout: 100 });
    const r = core.reports.create({ name: 'Daily', dataset: 'clicks', columns: ['day', 'clicks'] });
    core.reports.update({ id: r.id, audience: { kind: 'accounts', accountIds: [p.id] } });
    core.reports.remove(r.id);
    const words = core.audit
      .list({})
      .map((e) => e.summary)
      .reverse();
    expect(words).toEqual([
      'Added affiliate “Atlas Media”',
      'Changed Atlas Media: status: active → suspended; notes: nothing → unpaid invoice',
      'Changed Atlas Media: status: suspended → active',
      'Issued key “BI warehouse” of Atlas Media (reports:read, stats:read)',
      'Changed key “BI warehouse” of Atlas Media: rate limit: 100/min → 10/s',
      'Shortened key “BI warehouse” of Atlas Media: expires 2027-11-21 → 2026-11-26',
      'Allowed 10.0.0.0/24 (office) for key “BI warehouse” of Atlas Media',
      'Removed 10.0.0.0/24 from the whitelist of key “BI warehouse” of Atlas Media',
      'Revoked key “BI warehouse” of Atlas Media: partner’s contractor left',
      'Added offer “VPN”',
      'Created report “Daily”, shared with every account',
      'Changed report “Daily”: shared with: every account → 1 account',
      'Deleted report “Daily”',
    ]);
  });
});
