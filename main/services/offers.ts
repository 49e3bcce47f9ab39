import { notFound } from '../../shared/errors.ts';
import {
  offerCreateInput,
  offerUpdateInput,
  type Offer,
  type OfferCreateInput,
  type OfferStatus,
  type OfferUpdateInput,
} from '../../shared/schemas.ts';
import type { ServiceContext } from './context.ts';
import { parseInput } from './validate.ts';

export function offerService(ctx: ServiceContext) {
  const get = (id: number): Offer => {
    const o = ctx.sql.offers.get(id);
    if (!o) throw notFound('offer', id);
    return o;
  };
  return {
    get,
    list(status?: OfferStatus): Offer[] {
      return ctx.sql.offers.list(status);
    },
    create(input: OfferCreateInput): Offer {
      const o = parseInput(offerCreateInput, input, 'offer');
      return ctx.write(() => {
        const id = ctx.sql.offers.insert(o, ctx.now());
        const created = get(id);
        ctx.audit('offer.create', 'offer', id, null, created);
        return created;
      });
    },
    /** Renames, pauses, archives or re-prices an offer; conversions already stored keep their payout. */
    update(input: OfferUpdateInput): Offer {
      const u = parseInput(offerUpdateInput, input, 'offer');
      return ctx.write(() => {
        const before = get(u.id);
        ctx.sql.offers.update({
          id: u.id,
          name: u.name ?? before.name,
          status: u.status ?? before.status,
          defaultPayout: u.defaultPayout ?? before.defaultPayout,
        });
        const after = get(u.id);
        ctx.audit('offer.update', 'offer', u.id, before, after);
        return after;
      });
    },
  };
}

export type OfferService = ReturnType<typeof offerService>;
