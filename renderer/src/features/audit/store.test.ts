import { describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api.ts', () => ({ api: {} }));
const { auditCsv, fieldChanges } = await import('./store.ts');

describe('the audit log', () => {
  it('lists only the fields a change touched, with their values before and after', () => {
    expect(
      fieldChanges(
        { label: 'BI', scopes: ['reports:read'], rateLimit: { count: 100 } },
        { label: 'BI EU', scopes: ['reports:read'], rateLimit: { count: 7 } },
      ),
    ).toEqual([
      { field: 'label', before: '"BI"', after: '"BI EU"' },
      { field: 'rateLimit', before: '{"count":100}', after: '{"count":7}' },
    ]);
    expect(fieldChanges(null, { name: 'Atlas' })).toEqual([
      { field: 'name', before: '', after: '"Atlas"' },
    ]);
    expect(fieldChanges({ revokedAt: null }, { revokedAt: Date.UTC(2026, 10, 22, 9, 4) })).toEqual([
      { field: 'revokedAt', before: 'null', after: '2026-11-22 09:04:00 UTC' },
    ]);
  });
  it('exports the summary in words beside the raw values', () => {
    const csv = auditCsv([
      {
        id: 1,
        at: Date.UTC(2026, 10, 22),
        actor: 'admin',
        action: 'key.revoke',
        entityType: 'key',
        entityId: 3,
        before: null,
        after: { status: 'revoked' },
        summary: 'Revoked key "BI" of Atlas Media: contractor left',
      },
    ]);
    expect(csv.split('\r\n')[0]).toBe('id,at,actor,summary,action,entity,entity_id,before,after');
    expect(csv).toContain('"Revoked key ""BI"" of Atlas Media: contractor left"');
  });
});
