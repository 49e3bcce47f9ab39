import { describe, expect, it } from 'vitest';
import { DAY } from '../../../../shared/durations.ts';
import type { ApiKey } from '../../../../shared/schemas.ts';
import { filterKeys, NO_FILTER } from './filters.ts';
import { apiKey } from '../../stores/keys.fixture.ts';

const now = Date.UTC(2026, 10, 22);
const key = (id: number, k: Partial<ApiKey> = {}): ApiKey =>
  apiKey({
    id,
    accountId: 1,
    accountName: 'Atlas Media',
    label: `Key ${id}`,
    displayPrefix: `pgk_${id}aaaa`,
    expiresAt: now + 365 * DAY,
    createdAt: now - 100 * DAY,
    lastUsedAt: now - DAY,
    lastUsedIp: '10.0.0.1',
    ipRuleCount: 1,
    ...k,
  });

const ids = (keys: ApiKey[]) => keys.map((k) => k.id);

describe('the Keys page filters', () => {
  const keys = [
    key(1),
    key(2, { expiresAt: now + 10 * DAY }),
    key(3, { ipRuleCount: 0 }),
    key(4, { lastUsedAt: now - 40 * DAY }),
    key(5, { lastUsedAt: null, createdAt: now - 2 * DAY }),
    key(6, { lastUsedAt: null }),
    key(7, { status: 'revoked', ipRuleCount: 0, revokedAt: now - DAY }),
    key(8, { replacedByKeyId: 9, graceUntil: now + DAY }),
    key(9, { rotatedFromKeyId: 8, accountName: 'Echo Networks', label: 'BI warehouse' }),
    key(10, { status: 'expired', expiresAt: now - DAY }),
  ];
  it('by status, with rotating apart from active', () => {
    expect(ids(filterKeys(keys, { ...NO_FILTER, status: 'rotating' }, now))).toEqual([8]);
    expect(ids(filterKeys(keys, { ...NO_FILTER, status: 'active' }, now))).toEqual([
      1, 2, 3, 4, 5, 6, 9,
    ]);
    expect(ids(filterKeys(keys, { ...NO_FILTER, status: 'revoked' }, now))).toEqual([7]);
    expect(ids(filterKeys(keys, { ...NO_FILTER, status: 'expired' }, now))).toEqual([10]);
  });
  it('expiring soon, no whitelist, unused for 30 days', () => {
    expect(ids(filterKeys(keys, { ...NO_FILTER, expiringSoon: true }, now))).toEqual([2, 8]);
    expect(ids(filterKeys(keys, { ...NO_FILTER, noWhitelist: true }, now))).toEqual([3]);
    expect(ids(filterKeys(keys, { ...NO_FILTER, unused: true }, now))).toEqual([4, 6]);
  });
  it('by label, prefix or partner name, and filters combine', () => {
    expect(ids(filterKeys(keys, { ...NO_FILTER, text: 'echo' }, now))).toEqual([9]);
    expect(ids(filterKeys(keys, { ...NO_FILTER, text: 'warehouse' }, now))).toEqual([9]);
    expect(ids(filterKeys(keys, { ...NO_FILTER, text: 'pgk_3' }, now))).toEqual([3]);
    expect(ids(filterKeys(keys, { ...NO_FILTER, unused: true, text: 'key 6' }, now))).toEqual([6]);
    expect(
      ids(filterKeys(keys, { ...NO_FILTER, noWhitelist: true, status: 'revoked' }, now)),
    ).toEqual([]);
  });
});
