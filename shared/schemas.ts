/**
 * The shapes every front door accepts and returns. Services parse their inputs with these, so
 * the CLI, the admin contract and the partner API reject the same bad input with the same words.
 * Each is built the first time it is used (`lazily`): a command-line call needs one or two.
 */
import { z } from 'zod';
import { SCOPES } from './scopes.ts';
import {
  DATASETS,
  type ConversionStatus,
  type Dataset,
  type LeadStatus,
} from './report-catalog.ts';
import { isTimeZone } from './time-zone.ts';
import { lazily } from './lazily.ts';

export const ACCOUNT_KINDS = ['affiliate', 'ib', 'employee'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];
export const ACCOUNT_STATUSES = ['active', 'onboarding', 'suspended'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];
export const OFFER_STATUSES = ['active', 'paused', 'archived'] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];

export const id = lazily(() => z.int().positive());
export const currencyCode = lazily(() =>
  z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code in capitals, e.g. USD'),
);
export const timeZone = lazily(() =>
  z.string().refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Berlin'),
);
/** Calendar date as written in reports and query strings. */
export const isoDate = lazily(() => z.iso.date('must be a date written YYYY-MM-DD'));
const optionalText = (max: number) => z.string().trim().max(max).optional();

export const accountCreateInput = lazily(() =>
  z.object({
    kind: z.enum(ACCOUNT_KINDS),
    name: z.string().trim().min(1, 'must not be empty').max(200),
    email: z.email('must be an email address').optional(),
    company: optionalText(200),
    status: z.enum(ACCOUNT_STATUSES).default('active'),
    notes: optionalText(5000),
    timezone: timeZone.default('UTC'),
    currency: currencyCode.default('USD'),
    /** Employees only: `all` partners, or only the ones in `assignedPartnerIds`. */
    employeeAccess: z.enum(['all', 'assigned']).optional(),
    assignedPartnerIds: z.array(id).optional(),
  }),
);
export type AccountCreateInput = z.input<typeof accountCreateInput>;

export const accountUpdateInput = lazily(() =>
  z.object({
    id,
    name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
    email: z.email('must be an email address').nullable().optional(),
    company: z.string().trim().max(200).nullable().optional(),
    status: z.enum(ACCOUNT_STATUSES).optional(),
    notes: z.string().trim().max(5000).optional(),
    timezone: timeZone.optional(),
    currency: currencyCode.optional(),
    employeeAccess: z.enum(['all', 'assigned']).optional(),
    assignedPartnerIds: z.array(id).optional(),
  }),
);
export type AccountUpdateInput = z.input<typeof accountUpdateInput>;

export interface Account {
  id: number;
  kind: AccountKind;
  name: string;
  email: string | null;
  company: string | null;
  status: AccountStatus;
  notes: string;
  timezone: string;
  currency: string;
  /** `null` for partners. */
  employeeAccess: 'all' | 'assigned' | null;
  assignedPartnerIds: number[];
  createdAt: number;
  updatedAt: number;
}

export const accountListInput = lazily(() =>
  z.object({
    kind: z.enum(ACCOUNT_KINDS).optional(),
    status: z.enum(ACCOUNT_STATUSES).optional(),
    search: z.string().trim().max(200).optional(),
  }),
);
export type AccountListInput = z.input<typeof accountListInput>;

export const offerCreateInput = lazily(() =>
  z.object({
    name: z.string().trim().min(1, 'must not be empty').max(200),
    status: z.enum(OFFER_STATUSES).default('active'),
    /** Minor units (cents). */
    defaultPayout: z.int().nonnegative('must not be negative'),
    currency: currencyCode.default('USD'),
  }),
);
export type OfferCreateInput = z.input<typeof offerCreateInput>;

/**
 * What an offer may change. Not its currency: its clicks are counted in that currency, and
 * moving them would rewrite every partner's history.
 */
export const offerUpdateInput = lazily(() =>
  z.object({
    id,
    name: offerCreateInput.shape.name.optional(),
    status: z.enum(OFFER_STATUSES).optional(),
    defaultPayout: z.int().nonnegative('must not be negative').optional(),
  }),
);
export type OfferUpdateInput = z.input<typeof offerUpdateInput>;

export interface Offer {
  id: number;
  name: string;
  status: OfferStatus;
  defaultPayout: number;
  currency: string;
  createdAt: number;
}

export const scope = lazily(() => z.enum(SCOPES, { error: `must be one of ${SCOPES.join(', ')}` }));

export const rateLimit = lazily(() =>
  z.object({
    count: z.int().min(1).max(1_000_000),
    windowMs: z
      .int()
      .refine(
        (ms) => [1000, 60_000, 3_600_000, 86_400_000].includes(ms),
        'must be a second, a minute, an hour or a day',
      ),
  }),
);

export const keyIssueInput = lazily(() =>
  z.object({
    accountId: id,
    label: z.string().trim().min(1, 'must not be empty').max(120),
    scopes: z.array(scope).min(1, 'give at least one scope'),
    /** Epoch ms, `never` (only when asked for explicitly), or absent for the default expiry. */
    expiresAt: z.union([z.int().positive(), z.literal('never')]).optional(),
    rateLimit: rateLimit.optional(),
    allowQueryAuth: z.boolean().default(false),
    /** AI assistants may use the key through /mcp; default: the settings', for keys that read. */
    allowMcp: z.boolean().optional(),
  }),
);
export type KeyIssueInput = z.input<typeof keyIssueInput>;

export const keyExtendInput = lazily(() =>
  z.object({
    id,
    expiresAt: z.union([z.int().positive(), z.literal('never')]),
  }),
);

export const keyRevokeInput = lazily(() =>
  z.object({
    id,
    reason: z.string().trim().min(1, 'say why the key is revoked').max(500),
  }),
);

export const keyRotateInput = lazily(() =>
  z.object({
    id,
    /** How long the old secret keeps working; 0 stops it at once. */
    graceMs: z
      .int()
      .min(0)
      .max(90 * 86_400_000, 'the grace period can be at most 90 days'),
  }),
);

export const keyUpdateInput = lazily(() =>
  z.object({
    id,
    label: z.string().trim().min(1).max(120).optional(),
    scopes: z.array(scope).min(1, 'give at least one scope').optional(),
    rateLimit: rateLimit.optional(),
    allowQueryAuth: z.boolean().optional(),
    allowMcp: z.boolean().optional(),
  }),
);
export type KeyUpdateInput = z.input<typeof keyUpdateInput>;

export type KeyStatus = 'active' | 'revoked' | 'expired';

export interface ApiKey {
  id: number;
  accountId: number;
  accountName: string;
  label: string;
  displayPrefix: string;
  scopes: (typeof SCOPES)[number][];
  expiresAt: number | null;
  rateLimit: { count: number; windowMs: number };
  allowQueryAuth: boolean;
  /** AI assistants may use the key through the listener's /mcp. */
  allowMcp: boolean;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  status: KeyStatus;
  revokedAt: number | null;
  revokedReason: string | null;
  /** Set once the key was rotated: the key that replaces it. */
  replacedByKeyId: number | null;
  /** The key this one replaced by rotation. */
  rotatedFromKeyId: number | null;
  /** While rotated: when the old secret stops working. */
  graceUntil: number | null;
  /** Whether an encrypted copy of the secret is kept for re-showing. */
  secretRetained: boolean;
  ipRuleCount: number;
}

export interface IssuedKey {
  key: ApiKey;
  /** The plaintext secret. Returned once, by issue and rotate; never stored in clear. */
  secret: string;
}

/** A whitelist rule of one kind: the key, the kind, its own fields, then what every rule has. */
const ipRule = <K extends string, F extends z.ZodRawShape>(kind: K, fields: F) =>
  z.object({
    keyId: id,
    kind: z.literal(kind),
    ...fields,
    note: optionalText(200),
    /** A rule that opens the key to every address needs this yes, said on purpose. */
    allowEveryAddress: z.boolean().optional(),
  });

export const ipRuleInput = lazily(() =>
  z.discriminatedUnion('kind', [
    ipRule('single', {
      address: z.string().min(1, 'give an address').max(100, 'is too long for an address'),
    }),
    ipRule('range', {
      from: z.string().min(1, 'give the first address').max(100, 'is too long for an address'),
      to: z.string().min(1, 'give the last address').max(100, 'is too long for an address'),
    }),
    ipRule('cidr', {
      cidr: z.string().min(1, 'give a CIDR block').max(110, 'is too long for a CIDR block'),
    }),
  ]),
);
export type IpRuleInput = z.input<typeof ipRuleInput>;

export interface IpRule {
  id: number;
  keyId: number;
  kind: 'single' | 'range' | 'cidr';
  family: 4 | 6;
  text: string;
  start: string;
  end: string;
  note: string | null;
  openToEveryAddress: boolean;
  createdAt: number;
  createdBy: string;
}

export interface WhitelistReport {
  rules: IpRule[];
  openToEveryAddress: boolean;
  overlaps: {
    ruleId: number;
    otherRuleId: number;
    relation: 'duplicate' | 'contains' | 'overlaps';
    message: string;
  }[];
  /** A key with no rules refuses every address. */
  empty: boolean;
}

export interface AddressCheck {
  address: string;
  allowed: boolean;
  rule: IpRule | null;
  reason: string;
}

// ---- Report definitions ----

export const RANGE_PRESETS = [
  'today',
  'yesterday',
  'last_7_days',
  'last_30_days',
  'last_90_days',
  'this_week',
  'last_week',
  'this_month',
  'last_month',
] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

export const reportFilter = lazily(() =>
  z.object({
    field: z.string().min(1),
    op: z.enum(['in', 'not_in', 'contains']),
    values: z.array(z.string().max(200)).min(1, 'give at least one value').max(500),
  }),
);
export type ReportFilter = z.infer<typeof reportFilter>;

export const reportSort = lazily(() =>
  z.object({
    column: z.string().min(1),
    direction: z.enum(['asc', 'desc']).default('asc'),
  }),
);

export const reportAudience = lazily(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('all') }),
    z.object({
      kind: z.literal('accounts'),
      accountIds: z.array(id).min(1, 'name at least one account'),
    }),
  ]),
);
export type ReportAudience = z.infer<typeof reportAudience>;

/** A report's fields, each as given (no defaults): what an update may change. */
const reportFields = lazily(() => ({
  dataset: z.enum(DATASETS),
  /** Dimensions and metrics in display order; the dimensions are the grouping. */
  columns: z.array(z.string().min(1)).min(1, 'choose at least one column').max(40),
  filters: z.array(reportFilter).max(20),
  /** Dimensions the caller may filter on when running the report (`?country=DE,FR`). */
  parameters: z.array(z.string().min(1)).max(20),
  sort: z.array(reportSort).max(5),
  defaultRange: z.enum(RANGE_PRESETS),
  timezone: timeZone,
  name: z.string().trim().min(1, 'must not be empty').max(200),
  description: z.string().trim().max(2000),
  audience: reportAudience,
}));

export const reportSpec = lazily(() =>
  z.object({
    dataset: reportFields.dataset,
    columns: reportFields.columns,
    filters: reportFields.filters.default([]),
    parameters: reportFields.parameters.default([]),
    sort: reportFields.sort.default([]),
    defaultRange: reportFields.defaultRange.default('last_7_days'),
    timezone: reportFields.timezone.default('UTC'),
  }),
);
export type ReportSpec = z.infer<typeof reportSpec>;
export type ReportSpecInput = z.input<typeof reportSpec>;

export const reportCreateInput = lazily(() =>
  reportSpec.extend({
    name: reportFields.name,
    description: reportFields.description.default(''),
    audience: reportFields.audience.default({ kind: 'all' }),
  }),
);
export type ReportCreateInput = z.input<typeof reportCreateInput>;

/**
 * Only what is given changes. (Not `reportCreateInput.partial()`: zod would fill in the
 * defaults of what is left out, and a rename would share the report with everyone.)
 */
export const reportUpdateInput = lazily(() => z.object(reportFields).partial().extend({ id }));
export type ReportUpdateInput = z.input<typeof reportUpdateInput>;

export interface ReportDefinition extends ReportSpec {
  id: number;
  name: string;
  description: string;
  audience: ReportAudience;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
}

export const reportRunInput = lazily(() =>
  z.object({
    reportId: id,
    /** The account the report runs as; its scope limits the rows. */
    accountId: id,
    from: isoDate.optional(),
    to: isoDate.optional(),
    timezone: timeZone.optional(),
    /** Run-time filters on the definition's parameters: dimension id → allowed values. */
    params: z.record(z.string(), z.array(z.string().max(200)).max(500)).default({}),
    limit: z.int().min(1).max(100_000).optional(),
    offset: z.int().min(0).default(0),
  }),
);
export type ReportRunInput = z.input<typeof reportRunInput>;

export interface ReportColumn {
  id: string;
  label: string;
  kind: 'dimension' | 'metric';
  format: 'text' | 'date' | 'integer' | 'money' | 'percent' | 'decimal';
}

export type ReportValue = string | number | null;
export type ReportRow = Record<string, ReportValue>;

export interface ReportResult {
  reportId: number | null;
  name: string;
  dataset: Dataset;
  columns: ReportColumn[];
  /** Money in minor units with the row's `currency`; rates as numbers (percent 0–100). */
  rows: ReportRow[];
  /** One totals row per currency (one row when the report has no money). */
  totals: ReportRow[];
  range: { from: string; to: string; timezone: string; startMs: number; endMs: number };
  totalRows: number;
  /** Columns the definition had but this account may not see. */
  hiddenColumns: string[];
}

// ---- Performance data (imports, postbacks, demo data) ----

export interface ClickRecord {
  ts: number;
  partnerId: number;
  offerId: number;
  subs: [string | null, string | null, string | null, string | null, string | null];
  country: string | null;
  device: string | null;
  clickId: string | null;
}

export interface ConversionRecord {
  ts: number;
  partnerId: number;
  offerId: number;
  status: ConversionStatus;
  revenue: number;
  payout: number;
  saleAmount: number;
  currency: string;
  subs: [string | null, string | null, string | null, string | null, string | null];
  country: string | null;
  device: string | null;
  clickId: string | null;
  transactionId: string;
}

export interface LeadRecord {
  registeredAt: number;
  partnerId: number;
  offerId: number;
  leadRef: string;
  country: string | null;
  status: LeadStatus;
  ftdAt: number | null;
  ftdAmount: number;
  deposits: number;
  withdrawals: number;
  /** Hundredths of a lot. */
  volumeCentilots: number;
  commission: number;
  currency: string;
}

export type { Dataset };

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  entityType: string;
  entityId: number | null;
  before: unknown;
  after: unknown;
  /** The change in words: "Revoked key “BI warehouse” of Atlas Media: contractor left". */
  summary: string;
}
