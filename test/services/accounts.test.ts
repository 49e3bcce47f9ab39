import { describe, expect, it } from 'vitest';
import { testCore } from '../helpers.ts';

describe('employee access', () => {
  it('is chosen on purpose: an employee without it is refused, saying what to choose', () => {
    const core = testCore();
    const p = core.accounts.create({ kind: 'affiliate', name: 'P' });
    expect(() => core.accounts.create({ kind: 'employee', name: 'E' })).toThrow(
      expect.objectContaining({ code: 'employee_access_required' }),
    );
    expect(core.accounts.list({ kind: 'employee' })).toEqual([]);
    expect(
      core.accounts.create({ kind: 'employee', name: 'Some', assignedPartnerIds: [] }),
    ).toMatchObject({ employeeAccess: 'assigned', assignedPartnerIds: [] });
    expect(
      core.accounts.create({ kind: 'employee', name: 'One', assignedPartnerIds: [p.id] }),
    ).toMatchObject({ employeeAccess: 'assigned', assignedPartnerIds: [p.id] });
    expect(
      core.accounts.create({ kind: 'employee', name: 'All', employeeAccess: 'all' }),
    ).toMatchObject({ employeeAccess: 'all' });
  });
});
