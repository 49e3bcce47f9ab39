import { notFound } from '../../shared/errors.ts';
import {
  offerCreateInput,
  type Offer,
  type OfferCreateInput,
  type OfferStatus,
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
  };
}

export type OfferService = ReturnType<typeof offerService>;
