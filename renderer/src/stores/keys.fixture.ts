/** A key as the admin API returns it, for tests: an active key with no rules, never used. */
import type { ApiKey } from '../../../shared/schemas.ts';

export const apiKey = (over: Partial<ApiKey> = {}): ApiKey => ({
  id: 1,
  accountId: 7,
  accountName: 'Acme',
  label: 'BI',
  displayPrefix: 'pgk_abcdef',
  scopes: ['reports:read'],
  expiresAt: null,
  rateLimit: { count: 100, windowMs: 60_000 },
  allowQueryAuth: false,
  allowMcp: true,
  createdAt: 0,
  createdBy: 'test',
  lastUsedAt: null,
  lastUsedIp: null,
  status: 'active',
  revokedAt: null,
  revokedReason: null,
  replacedByKeyId: null,
  rotatedFromKeyId: null,
  graceUntil: null,
  secretRetained: true,
  ipRuleCount: 0,
  ...over,
});
