import { expect, it } from 'vitest';
import { browserSuite } from './fixture.ts';
import { request } from '../api/http.ts';

browserSuite('offers in a browser', (open) => {
  it('adds an offer with a payout in its currency, edits it, and partners see the change at once', async () => {
    const s = await open();
    const { page } = s;
    const { key, secret, base } = await s.localKey(1, 'Offers feed');
    s.core.keys.update({ id: key.id, scopes: ['offers:read'] });
    const offers = async () =>
      (
        await request(`${base}/api/v1/offers`, { headers: { authorization: `Bearer ${secret}` } })
      ).json<{ offers: { name: string; default_payout: number; currency: string }[] }>().offers;

    await page.getByTestId('nav-offers').click();
    await page.getByTestId('add-offer').click();
    await page.getByTestId('offer-name').fill('Crypto Lite');
    await page.getByTestId('offer-currency').fill('eur');
    await page.getByTestId('offer-payout').fill('12.505');
    await page.getByTestId('offer-save').click();
    // Checked before sending, in words, on the field; nothing stored.
    await page.getByText('has more decimals than EUR allows (2)').waitFor();
    expect(s.core.offers.list().map((o) => o.name)).not.toContain('Crypto Lite');
    await page.getByTestId('offer-payout').fill('12.50');
    await s.shot('40-offer-add');
    await page.getByTestId('offer-save').click();
    await page.getByText('Offer added').waitFor();
    const offer = s.core.offers.list().find((o) => o.name === 'Crypto Lite')!;
    expect([offer.defaultPayout, offer.currency, offer.status]).toEqual([1250, 'EUR', 'active']);
    expect(await page.getByTestId(`offer-row-${offer.id}`).innerText()).toContain('€12.50');
    expect(await offers()).toContainEqual({
      id: offer.id,
      name: 'Crypto Lite',
      status: 'active',
      default_payout: 12.5,
      currency: 'EUR',
    });

    await page.getByTestId(`edit-offer-${offer.id}`).click();
    expect(await page.getByTestId('offer-currency').isDisabled()).toBe(true);
    await page.getByTestId('offer-name').fill('Crypto Lite EU');
    await page.getByTestId('offer-status').getByText('Paused').click();
    await page.getByTestId('offer-save').click();
    await page.getByText('Offer saved').waitFor();
    expect(s.core.offers.get(offer.id)).toMatchObject({ name: 'Crypto Lite EU', status: 'paused' });
    await expect
      .poll(() => page.getByTestId(`offer-row-${offer.id}`).innerText())
      .toMatch(/Crypto Lite EU\s+paused/i);
    expect((await offers()).map((o) => o.name)).not.toContain('Crypto Lite EU');
    await s.shot('41-offers');
    expect(s.errors).toEqual([]);
  });
});
