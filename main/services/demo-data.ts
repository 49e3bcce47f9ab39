/**
 * A believable affiliate network for trying Partnergate and for tests: affiliates and
 * introducing brokers, employees, offers, 90 days of clicks, conversions and leads with
 * realistic rates, a time-of-day shape, weekday dips and sub ids. The same seed gives the same
 * network; only the anchor day moves it in time.
 */
import { DAY, HOUR, MINUTE } from '../../shared/durations.ts';
import { invalid } from '../../shared/errors.ts';
import type { ClickRecord, ConversionRecord, LeadRecord } from '../../shared/schemas.ts';
import { ACCOUNT_STATUSES } from '../../shared/schemas.ts';
import type { ServiceContext } from './context.ts';
import type { AccountService } from './accounts.ts';
import type { OfferService } from './offers.ts';
import type { KeyService } from './keys.ts';
import type { IpRuleService } from './ip-rules.ts';
import type { ReportService } from './reports.ts';

export const DEMO_SCALES = {
  small: { partners: 10, ibs: 3, offers: 8, events: 20_000 },
  medium: { partners: 45, ibs: 12, offers: 24, events: 1_000_000 },
  large: { partners: 160, ibs: 40, offers: 40, events: 10_000_000 },
} as const;
export type DemoScale = keyof typeof DEMO_SCALES;
export const DEMO_DAYS = 90;

/** sfc32: small, fast, and the same sequence on every platform for a seed. */
export function seededRandom(seed: number): () => number {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ (seed * 31);
  let c = 0xb7e15162;
  let d = seed | 0;
  const next = () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

const FIRST = [
  'Atlas',
  'Blue',
  'Crest',
  'Delta',
  'Echo',
  'Fox',
  'Granite',
  'Harbor',
  'Iris',
  'Juno',
  'Kite',
  'Lumen',
  'Maple',
  'Nova',
  'Orbit',
  'Pine',
  'Quartz',
  'Raven',
  'Summit',
  'Tidal',
  'Umber',
  'Vista',
  'Willow',
  'Zephyr',
];
const SECOND = [
  'Media',
  'Digital',
  'Traffic',
  'Ads',
  'Partners',
  'Growth',
  'Leads',
  'Performance',
  'Networks',
  'Labs',
];
const IB_NAMES = ['Capital', 'Markets', 'Trading Club', 'FX Academy', 'Invest Group', 'Signals'];
const OFFER_NAMES = [
  'Crypto Wallet Pro',
  'VPN Shield',
  'Dating Plus',
  'Sweepstakes iPhone',
  'Forex Starter',
  'Casino Royale',
  'Sports Bet 100',
  'Keto Diet',
  'Antivirus Max',
  'Solar Quotes',
  'Insurance Compare',
  'Language App',
  'Meal Kit',
  'Fitness Tracker',
  'Credit Score',
  'Travel Deals',
  'Stock Trading',
  'Gold CFD',
  'Mobile Game',
  'Streaming TV',
];
const COUNTRIES: [string, number][] = [
  ['US', 30],
  ['DE', 12],
  ['GB', 11],
  ['FR', 8],
  ['CA', 7],
  ['AU', 5],
  ['BR', 6],
  ['IN', 6],
  ['ES', 5],
  ['IT', 4],
  ['NL', 3],
  ['PL', 3],
];
const DEVICES: [string, number][] = [
  ['mobile', 62],
  ['desktop', 31],
  ['tablet', 7],
];
/** Share of a day's traffic in each hour (local evening peak, night trough). */
const HOUR_WEIGHTS = [
  2, 1.4, 1, 0.8, 0.8, 1, 1.6, 2.6, 3.6, 4.2, 4.6, 4.8, 5, 5, 4.8, 4.8, 5, 5.4, 6, 6.6, 7, 6.4, 5,
  3.4,
];
const WEEKDAY_FACTOR = [0.85, 1.05, 1.08, 1.06, 1.02, 0.95, 0.8]; // Sunday first

function picker<T>(items: readonly [T, number][]): (r: number) => T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const [, w] of items) cumulative.push((acc += w / total));
  return (r: number) => {
    for (let i = 0; i < cumulative.length; i++) if (r < cumulative[i]!) return items[i]![0];
    return items[items.length - 1]![0];
  };
}

export interface DemoOptions {
  scale: DemoScale;
  seed: number;
  /** The last day of data is the day before this instant (default: now). */
  anchorMs?: number;
  onProgress?: (eventsWritten: number, eventsPlanned: number) => void;
}

export interface DemoSummary {
  scale: DemoScale;
  seed: number;
  partners: number;
  employees: number;
  offers: number;
  clicks: number;
  conversions: number;
  leads: number;
  reports: number;
  keys: { id: number; account: string; label: string }[];
  from: string;
  to: string;
}

export interface DemoServices {
  accounts: AccountService;
  offers: OfferService;
  keys: KeyService;
  ipRules: IpRuleService;
  reports: ReportService;
}

export async function generateDemoData(
  ctx: ServiceContext,
  s: DemoServices,
  o: DemoOptions,
): Promise<DemoSummary> {
  if (ctx.sql.accounts.list({}).length > 0 || ctx.sql.offers.list().length > 0) {
    throw invalid(
      'store_not_empty',
      'Demo data goes into an empty store only; this one already has accounts or offers. Use a new --data-dir.',
    );
  }
  const scale = DEMO_SCALES[o.scale];
  const rnd = seededRandom(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const country = picker(COUNTRIES);
  const device = picker(DEVICES);
  const hourOf = picker(HOUR_WEIGHTS.map((w, h) => [h, w] as [number, number]));

  const endDay = Math.floor((o.anchorMs ?? ctx.now()) / DAY) * DAY;
  const startDay = endDay - DEMO_DAYS * DAY;

  // Offers: CPA for affiliates, and broker campaigns for IBs.
  const offers = [];
  for (let i = 0; i < scale.offers; i++) {
    const name = `${OFFER_NAMES[i % OFFER_NAMES.length]}${i >= OFFER_NAMES.length ? ` ${Math.floor(i / OFFER_NAMES.length) + 1}` : ''}`;
    const currency = rnd() < 0.15 ? 'EUR' : 'USD';
    offers.push(
      s.offers.create({
        name,
        status: rnd() < 0.9 ? 'active' : 'paused',
        defaultPayout: Math.round((2 + rnd() * 120) * 100),
        currency,
      }),
    );
  }

  const partners = [];
  for (let i = 0; i < scale.partners; i++) {
    const name = `${FIRST[i % FIRST.length]} ${SECOND[(i * 7 + Math.floor(i / FIRST.length)) % SECOND.length]}${i >= FIRST.length ? ` ${Math.floor(i / FIRST.length) + 1}` : ''}`;
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '');
    partners.push(
      s.accounts.create({
        kind: 'affiliate',
        name,
        email: `reports@${slug}.example`,
        company: `${name} Ltd`,
        status: i === 1 ? 'onboarding' : i === scale.partners - 1 ? 'suspended' : 'active',
        timezone: pick([
          'UTC',
          'Europe/Berlin',
          'America/New_York',
          'Europe/London',
          'Asia/Singapore',
        ]),
      }),
    );
  }
  const ibs = [];
  for (let i = 0; i < scale.ibs; i++) {
    const name = `${FIRST[(i * 5 + 3) % FIRST.length]} ${IB_NAMES[i % IB_NAMES.length]}${i >= IB_NAMES.length ? ` ${Math.floor(i / IB_NAMES.length) + 1}` : ''}`;
    ibs.push(
      s.accounts.create({
        kind: 'ib',
        name,
        email: `ib${i + 1}@brokers.example`,
        company: name,
        status: ACCOUNT_STATUSES[i % 7 === 6 ? 1 : 0],
        timezone: 'Europe/London',
      }),
    );
  }
  const employees = [
    s.accounts.create({
      kind: 'employee',
      name: 'Dana Analyst',
      email: 'dana@network.example',
      employeeAccess: 'all',
    }),
    s.accounts.create({
      kind: 'employee',
      name: 'Sam Account Manager',
      email: 'sam@network.example',
      assignedPartnerIds: partners.slice(0, Math.min(5, partners.length)).map((p) => p.id),
    }),
  ];

  // Each affiliate runs a few offers with its own conversion rate; each IB one or two campaigns.
  const affiliateOffers = offers.slice(0, Math.max(1, Math.ceil(offers.length * 0.75)));
  const brokerOffers = offers.slice(affiliateOffers.length).length
    ? offers.slice(affiliateOffers.length)
    : offers.slice(-1);
  const plans = partners.map((p, i) => ({
    partner: p,
    weight: 0.2 + rnd() ** 2 * 3,
    offers: Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => pick(affiliateOffers)),
    cr: 0.01 + rnd() * 0.06,
    subs: Array.from(
      { length: 3 + (i % 5) },
      (_, k) => `${['fb', 'gg', 'tt', 'nl', 'pu'][k % 5]}_${(i * 13 + k * 7) % 97}`,
    ),
    live: p.status !== 'onboarding',
  }));
  const ibPlans = ibs.map((p) => ({
    partner: p,
    weight: 0.4 + rnd() * 2,
    offers: [pick(brokerOffers), pick(brokerOffers)],
  }));

  const leadShare = scale.ibs ? 0.02 : 0;
  const totalWeight = plans.reduce((sum, p) => sum + (p.live ? p.weight : 0), 0) || 1;
  const avgCr = plans.reduce((sum, p) => sum + p.cr * p.weight, 0) / totalWeight;
  const clicksPlanned = (scale.events * (1 - leadShare)) / (1 + avgCr);
  const leadsPlanned = scale.events * leadShare;
  const planned = scale.events;

  const insertAll = (clicks: ClickRecord[], conversions: ConversionRecord[], leads: LeadRecord[]) =>
    ctx.write(() => {
      const since = ctx.sql.rollups.maxIds();
      for (const c of clicks) ctx.sql.events.insertClick(c);
      for (const c of conversions) ctx.sql.events.insertConversion(c, c.ts);
      for (const l of leads) ctx.sql.events.insertLead(l, l.registeredAt);
      ctx.sql.rollups.rollUpSince(since);
    });

  let written = 0;
  let txn = 0;
  let leadNo = 0;
  const counts = { clicks: 0, conversions: 0, leads: 0 };
  const clicks: ClickRecord[] = [];
  const conversions: ConversionRecord[] = [];
  const leads: LeadRecord[] = [];
  const flush = () => {
    insertAll(clicks, conversions, leads);
    written += clicks.length + conversions.length + leads.length;
    counts.clicks += clicks.length;
    counts.conversions += conversions.length;
    counts.leads += leads.length;
    clicks.length = 0;
    conversions.length = 0;
    leads.length = 0;
    o.onProgress?.(written, planned);
  };

  for (let day = startDay; day < endDay; day += DAY) {
    const dayIndex = (day - startDay) / DAY;
    const trend = 0.8 + (0.4 * dayIndex) / DEMO_DAYS;
    const dayFactor = WEEKDAY_FACTOR[new Date(day).getUTCDay()]! * trend * (0.9 + rnd() * 0.2);
    for (const plan of plans) {
      if (!plan.live) continue;
      const n = Math.round(((clicksPlanned / DEMO_DAYS) * plan.weight * dayFactor) / totalWeight);
      for (let k = 0; k < n; k++) {
        const offer = plan.offers[Math.floor(rnd() * plan.offers.length)]!;
        const ts = day + hourOf(rnd()) * HOUR + Math.floor(rnd() * HOUR);
        const sub = plan.subs[Math.floor(rnd() * plan.subs.length)]!;
        const click: ClickRecord = {
          ts,
          partnerId: plan.partner.id,
          offerId: offer.id,
          subs: [
            sub,
            rnd() < 0.6 ? `c${Math.floor(rnd() * 40)}` : null,
            rnd() < 0.2 ? `kw${Math.floor(rnd() * 200)}` : null,
            null,
            null,
          ],
          country: country(rnd()),
          device: device(rnd()),
          clickId: `c${plan.partner.id}-${offer.id}-${ts.toString(36)}-${k.toString(36)}`,
        };
        clicks.push(click);
        if (rnd() < plan.cr) {
          const r = rnd();
          const status = r < 0.72 ? 'approved' : r < 0.9 ? 'pending' : 'rejected';
          const payout = Math.round(offer.defaultPayout * (0.85 + rnd() * 0.3));
          const convTs = Math.min(ts + Math.floor(rnd() * rnd() * 36 * HOUR) + MINUTE, endDay - 1);
          conversions.push({
            ts: convTs,
            partnerId: plan.partner.id,
            offerId: offer.id,
            status,
            payout,
            revenue: Math.round(payout * (1.25 + rnd() * 0.4)),
            saleAmount: Math.round(payout * (2 + rnd() * 6)),
            currency: offer.currency,
            subs: click.subs,
            country: click.country,
            device: click.device,
            clickId: click.clickId,
            transactionId: `T${o.seed}-${++txn}`,
          });
        }
        if (clicks.length >= 50_000) flush();
      }
    }
    for (const plan of ibPlans) {
      const n = Math.round(
        ((leadsPlanned / DEMO_DAYS) * plan.weight * dayFactor) /
          ibPlans.reduce((s2, p) => s2 + p.weight, 0),
      );
      for (let k = 0; k < n; k++) {
        const offer = plan.offers[Math.floor(rnd() * plan.offers.length)]!;
        const registeredAt = day + hourOf(rnd()) * HOUR + Math.floor(rnd() * HOUR);
        const deposited = rnd() < 0.27;
        const ftdAt = deposited
          ? Math.min(registeredAt + Math.floor(rnd() * 5 * DAY), endDay - 1)
          : null;
        const ftdAmount = deposited ? Math.round((100 + rnd() ** 2 * 4900) * 100) : 0;
        const deposits = deposited ? ftdAmount + Math.round(rnd() * rnd() * ftdAmount * 3) : 0;
        const withdrawals = deposited ? Math.round(deposits * rnd() * 0.5) : 0;
        const volume = deposited ? Math.round(rnd() * 4000) : 0;
        leads.push({
          registeredAt,
          partnerId: plan.partner.id,
          offerId: offer.id,
          leadRef: `L${o.seed}-${++leadNo}`,
          country: country(rnd()),
          status: deposited
            ? rnd() < 0.6
              ? 'active'
              : 'deposited'
            : rnd() < 0.1
              ? 'rejected'
              : 'registered',
          ftdAt,
          ftdAmount,
          deposits,
          withdrawals,
          volumeCentilots: volume,
          commission: Math.round(volume * 0.08 * 100) + (deposited ? 2500 : 0),
          currency: offer.currency,
        });
      }
    }
  }
  flush();

  const reportTz = 'UTC';
  const reports = [
    s.reports.create({
      name: 'Daily performance by offer',
      description: 'Clicks, conversions and payout per day and offer.',
      dataset: 'performance',
      columns: ['day', 'offer', 'clicks', 'conversions', 'approved', 'payout', 'cr', 'epc'],
      parameters: ['offer', 'country', 'sub1'],
      sort: [{ column: 'day', direction: 'asc' }],
      defaultRange: 'last_7_days',
      timezone: reportTz,
    }),
    s.reports.create({
      name: 'Conversions by sub ID',
      description: 'Approved, pending and rejected conversions per sub ID.',
      dataset: 'conversions',
      columns: [
        'sub1',
        'conversions',
        'approved',
        'pending',
        'rejected',
        'payout',
        'pending_payout',
      ],
      parameters: ['offer', 'status'],
      sort: [{ column: 'conversions', direction: 'desc' }],
      defaultRange: 'last_30_days',
      timezone: reportTz,
    }),
    ...(ibs.length
      ? [
          s.reports.create({
            name: 'Leads and deposits',
            description: 'Registrations, first deposits and commission per week.',
            dataset: 'leads',
            columns: [
              'week',
              'offer',
              'leads',
              'ftd',
              'ftd_amount',
              'net_deposits',
              'volume_lots',
              'commission',
            ],
            defaultRange: 'last_30_days',
            timezone: 'Europe/London',
            audience: { kind: 'accounts', accountIds: ibs.map((i) => i.id) },
          }),
        ]
      : []),
    s.reports.create({
      name: 'Network margin by partner',
      description: 'Revenue, payout and profit per partner (employees only).',
      dataset: 'performance',
      columns: ['partner', 'clicks', 'approved', 'revenue', 'payout', 'profit'],
      sort: [{ column: 'profit', direction: 'desc' }],
      defaultRange: 'last_30_days',
      timezone: reportTz,
      audience: { kind: 'accounts', accountIds: employees.map((e) => e.id) },
    }),
  ];

  const demoKeys = [];
  const first = partners[0]!;
  const k1 = await s.keys.issue({
    accountId: first.id,
    label: 'BI warehouse',
    scopes: ['reports:read', 'stats:read', 'conversions:read', 'clicks:read', 'offers:read'],
  });
  s.ipRules.add({ keyId: k1.key.id, kind: 'single', address: '127.0.0.1' });
  s.ipRules.add({ keyId: k1.key.id, kind: 'single', address: '::1' });
  demoKeys.push({ id: k1.key.id, account: first.name, label: k1.key.label });
  if (ibs[0]) {
    const k2 = await s.keys.issue({
      accountId: ibs[0].id,
      label: 'Google Sheets',
      scopes: ['reports:read', 'leads:read'],
      allowQueryAuth: true,
    });
    s.ipRules.add({ keyId: k2.key.id, kind: 'cidr', cidr: '127.0.0.0/8' });
    demoKeys.push({ id: k2.key.id, account: ibs[0].name, label: k2.key.label });
  }
  // The store says what it is, so every front door can say it shows a demo network.
  ctx.write(() => ctx.sql.meta.set('demo', JSON.stringify({ scale: o.scale, seed: o.seed })));

  return {
    scale: o.scale,
    seed: o.seed,
    partners: partners.length + ibs.length,
    employees: employees.length,
    offers: offers.length,
    ...counts,
    reports: reports.length,
    keys: demoKeys,
    from: new Date(startDay).toISOString().slice(0, 10),
    to: new Date(endDay - DAY).toISOString().slice(0, 10),
  };
}
