/**
 * Server-to-server conversion postbacks: validated, idempotent on the transaction id within the
 * partner. A partner's transaction ids are its own: an id another partner used is simply a new
 * conversion here, so the answer tells nothing about other partners' rows.
 */
import { conflict, forbidden, invalid, notFound } from '../../shared/errors.ts';
import { parseMoney } from '../../shared/money.ts';
import type { ConversionStatus } from '../../shared/report-catalog.ts';
import type { Account } from '../../shared/schemas.ts';
import type { EventRow } from '../db/event-rows.ts';
import type { AccountService } from './accounts.ts';
import type { ServiceContext } from './context.ts';

export interface PostbackInput {
  transaction_id: string;
  offer_id: number;
  status?: ConversionStatus | undefined;
  payout?: string | number | undefined;
  sale_amount?: string | number | undefined;
  revenue?: string | number | undefined;
  currency?: string | undefined;
  time?: string | undefined;
  sub1?: string | undefined;
  sub2?: string | undefined;
  sub3?: string | undefined;
  sub4?: string | undefined;
  sub5?: string | undefined;
  country?: string | undefined;
  device?: string | undefined;
  click_id?: string | undefined;
  partner_id?: number | undefined;
}

export interface PostbackResult {
  created: boolean;
  /** `updated`: a repeat that changed the status or an amount; `unchanged`: the same again. */
  result: 'created' | 'updated' | 'unchanged';
  conversion: EventRow;
}

export function postbackService(ctx: ServiceContext, accounts: AccountService) {
  return {
    /** Records a postback; await `ctx.synced()` before acknowledging it (the commit may not have). */
    record(account: Account, p: PostbackInput): PostbackResult {
      return ctx.writeUnsynced(() => recordInTransaction(account, p));
    },
  };

  function recordInTransaction(account: Account, p: PostbackInput): PostbackResult {
    const isEmployee = account.kind === 'employee';
    let partnerId: number;
    if (isEmployee) {
      if (p.partner_id === undefined) {
        throw invalid(
          'partner_required',
          'An employee key must say which partner the conversion belongs to (partner_id).',
          [{ field: 'partner_id', message: 'required for employee keys' }],
        );
      }
      const visible = accounts.visiblePartnerIds(account);
      if (visible !== null && !visible.includes(p.partner_id)) {
        throw forbidden(
          'partner_not_visible',
          `This key may not record conversions for partner ${p.partner_id}.`,
        );
      }
      const target = ctx.sql.accounts.get(p.partner_id);
      if (!target || target.kind === 'employee') throw notFound('partner', p.partner_id);
      partnerId = p.partner_id;
    } else {
      // The partner is the key's own account; a different one in the body is refused, not ignored.
      if (p.partner_id !== undefined && p.partner_id !== account.id) {
        throw forbidden(
          'partner_mismatch',
          'A partner key records conversions for its own account only; leave partner_id out.',
        );
      }
      if (p.revenue !== undefined) {
        throw invalid(
          'revenue_not_allowed',
          'Network revenue is set by the network; leave revenue out.',
          [{ field: 'revenue', message: 'not accepted from partner keys' }],
        );
      }
      partnerId = account.id;
    }
    const offer = ctx.sql.offers.get(p.offer_id);
    if (!offer)
      throw invalid('unknown_offer', `There is no offer ${p.offer_id}.`, [
        { field: 'offer_id', message: 'unknown offer' },
      ]);
    if (offer.status === 'archived')
      throw conflict(
        'offer_archived',
        `Offer ${offer.id} (${offer.name}) is archived and takes no conversions.`,
      );
    const currency = (p.currency ?? offer.currency).toUpperCase();
    const money = (v: string | number | undefined, field: string, fallback: number) =>
      v === undefined
        ? fallback
        : parseMoney(typeof v === 'number' ? String(v) : v, currency, field);
    const time = p.time === undefined ? ctx.now() : Date.parse(p.time);
    const now = ctx.now();
    if (!Number.isFinite(time) || time > now + 5 * 60_000 || time < now - 400 * 86_400_000) {
      throw invalid(
        'invalid_time',
        `time "${p.time}" must be an ISO 8601 instant, not in the future and within the last 400 days.`,
        [{ field: 'time', message: 'out of range' }],
      );
    }
    const since = ctx.sql.rollups.maxIds();
    const inserted = ctx.sql.events.insertConversion(
      {
        ts: time,
        partnerId,
        offerId: offer.id,
        status: p.status ?? 'pending',
        payout: money(p.payout, 'payout', offer.currency === currency ? offer.defaultPayout : 0),
        revenue: money(p.revenue, 'revenue', 0),
        saleAmount: money(p.sale_amount, 'sale_amount', 0),
        currency,
        subs: [p.sub1 ?? null, p.sub2 ?? null, p.sub3 ?? null, p.sub4 ?? null, p.sub5 ?? null],
        country: p.country?.toUpperCase() ?? null,
        device: p.device ?? null,
        clickId: p.click_id ?? null,
        transactionId: p.transaction_id,
      },
      now,
    );
    const stored = ctx.sql.events.conversionByTransaction(partnerId, p.transaction_id)!;
    // Not inserted: the partner sent this transaction id before.
    if (!inserted) return change(stored, p, currency, money);
    ctx.sql.rollups.rollUpSince(since);
    return { created: true, result: 'created', conversion: stored };
  }

  /**
   * A repeat of a stored conversion: its status, payout, revenue and sale amount take what the
   * postback says (what it leaves out stays as stored). It stays with its offer and currency: a
   * repeat naming others is refused, not applied.
   */
  function change(
    stored: EventRow,
    p: PostbackInput,
    currency: string,
    money: (v: string | number | undefined, field: string, fallback: number) => number,
  ): PostbackResult {
    const id = Number(stored.id);
    if (
      Number(stored.offer_id) !== p.offer_id ||
      (p.currency !== undefined && currency !== stored.currency)
    )
      throw conflict(
        'conversion_mismatch',
        `Conversion "${p.transaction_id}" is stored for offer ${String(stored.offer_id)} in ${String(stored.currency)}; ` +
          'a repeat may change its status, payout, revenue and sale amount, not its offer or currency.',
      );
    const next = {
      status: (p.status ?? stored.status) as ConversionStatus,
      payout: money(p.payout, 'payout', Number(stored.payout)),
      revenue: money(p.revenue, 'revenue', Number(stored.revenue)),
      saleAmount: money(p.sale_amount, 'sale_amount', Number(stored.sale_amount)),
    };
    const same =
      next.status === stored.status &&
      next.payout === stored.payout &&
      next.revenue === stored.revenue &&
      next.saleAmount === stored.sale_amount;
    if (!same) {
      // Out of the rollups as it was, back in as it is: the hourly sums stay exact.
      ctx.sql.rollups.unrollRow('conversions', id);
      ctx.sql.events.updateConversion(id, next, ctx.now());
      ctx.sql.rollups.rollUpRange('conversions', id - 1, id);
    }
    return {
      created: false,
      result: same ? 'unchanged' : 'updated',
      conversion: same
        ? stored
        : ctx.sql.events.conversionByTransaction(Number(stored.partner_id), p.transaction_id)!,
    };
  }
}

export type PostbackService = ReturnType<typeof postbackService>;
