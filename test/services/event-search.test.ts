import { describe, expect, it } from 'vitest';
import { testCore } from '../helpers.ts';

describe('a conversion by its transaction id', () => {
  it('is the partner’s own; an employee seeing partners that share an id names the partner', () => {
    const core = testCore();
    const offer = core.offers.create({ name: 'VPN', defaultPayout: 1250 });
    const a = core.accounts.create({ kind: 'affiliate', name: 'A' });
    const b = core.accounts.create({ kind: 'affiliate', name: 'B' });
    const staff = core.accounts.create({ kind: 'employee', name: 'S', employeeAccess: 'all' });
    const onlyB = core.accounts.create({ kind: 'employee', name: 'T', assignedPartnerIds: [b.id] });
    core.postbacks.record(a, { transaction_id: 'order-1', offer_id: offer.id, payout: '3.5' });
    core.postbacks.record(b, { transaction_id: 'order-1', offer_id: offer.id, payout: '7' });

    expect(core.events.conversion(a, 'order-1')).toMatchObject({ payout: 3.5 });
    expect(core.events.conversion(b, 'order-1')).toMatchObject({ payout: 7 });
    // A partner never sees what the network earns.
    expect(core.events.conversion(a, 'order-1')).not.toHaveProperty('revenue');
    expect(core.events.conversion(a, 'order-1')).not.toHaveProperty('partner_id');
    expect(() => core.events.conversion(a, 'order-2')).toThrow(
      expect.objectContaining({
        code: 'not_found',
        message: expect.stringMatching(/"order-2"/) as unknown,
      }),
    );
    expect(() => core.events.conversion(a, 'order-1', [String(b.id)])).toThrow(
      /only for employee keys/,
    );

    expect(() => core.events.conversion(staff, 'order-1')).toThrow(
      expect.objectContaining({
        code: 'invalid_parameters',
        message: `Transaction id "order-1" is recorded for partners ${a.id}, ${b.id}; add partner= to pick one.`,
      }),
    );
    expect(core.events.conversion(staff, 'order-1', [String(b.id)])).toMatchObject({
      partner_id: b.id,
      revenue: expect.any(Number) as unknown,
    });
    // An employee reads only the partners assigned to it.
    expect(core.events.conversion(onlyB, 'order-1')).toMatchObject({ partner_id: b.id });
    expect(() => core.events.conversion(onlyB, 'order-1', [String(a.id)])).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
  });
});
