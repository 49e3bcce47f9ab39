import { create } from 'zustand';
import type { Offer, OfferCreateInput, OfferUpdateInput } from '../../../../shared/schemas.ts';
import { api } from '../../lib/api.ts';

interface OffersState {
  offers: Offer[];
  load: () => Promise<void>;
  create: (input: OfferCreateInput) => Promise<Offer>;
  update: (input: OfferUpdateInput) => Promise<Offer>;
}

/** The network's offers; every change replaces the offer it returns. */
export const useOffers = create<OffersState>((set, get) => {
  const put = (o: Offer) =>
    set({
      offers: [...get().offers.filter((x) => x.id !== o.id), o].sort((a, b) =>
        a.name.localeCompare(b.name),
      ),
    });
  return {
    offers: [],
    async load() {
      set({ offers: await api.listOffers({}) });
    },
    async create(input) {
      const o = await api.createOffer(input);
      put(o);
      return o;
    },
    async update(input) {
      const o = await api.updateOffer(input);
      put(o);
      return o;
    },
  };
});
