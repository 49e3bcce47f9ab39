/**
 * What a report can contain. One catalog serves report validation, the SQL builder, the
 * partner API's `/schema` and the admin UI's column picker, so a column exists everywhere or
 * nowhere.
 */
export const DATASETS = ['performance', 'clicks', 'conversions', 'leads'] as const;
export type Dataset = (typeof DATASETS)[number];

export const DATASET_LABELS: Record<Dataset, string> = {
  performance: 'Performance (clicks and conversions)',
  clicks: 'Clicks',
  conversions: 'Conversions',
  leads: 'Leads and deposits (brokers)',
};

export type ColumnFormat = 'text' | 'date' | 'integer' | 'money' | 'percent' | 'decimal';
export type TimeGrain = 'hour' | 'day' | 'week' | 'month';

export interface DimensionDef {
  id: string;
  kind: 'dimension';
  label: string;
  datasets: readonly Dataset[];
  format: ColumnFormat;
  /** Time dimensions bucket the event time in the report's time zone. */
  grain?: TimeGrain;
  /** Only employees may group by it (a partner key only ever sees its own partner). */
  employeeOnly?: boolean;
  /** Can be used in a filter or as a run-time parameter. */
  filterable: boolean;
}

export interface MetricDef {
  id: string;
  kind: 'metric';
  label: string;
  description: string;
  datasets: readonly Dataset[];
  format: ColumnFormat;
  /** Network economics: never shown to partner accounts (OWASP API3). */
  partnerHidden?: boolean;
}

export type ColumnDef = DimensionDef | MetricDef;

const TRAFFIC: readonly Dataset[] = ['performance', 'clicks', 'conversions'];
const ALL: readonly Dataset[] = DATASETS;

const dim = (
  id: string,
  label: string,
  datasets: readonly Dataset[],
  extra: Partial<DimensionDef> = {},
): DimensionDef => ({
  id,
  kind: 'dimension',
  label,
  datasets,
  format: 'text',
  filterable: true,
  ...extra,
});

export const DIMENSIONS: readonly DimensionDef[] = [
  dim('hour', 'Hour', ALL, { grain: 'hour', format: 'date', filterable: false }),
  dim('day', 'Day', ALL, { grain: 'day', format: 'date', filterable: false }),
  dim('week', 'Week (from Monday)', ALL, { grain: 'week', format: 'date', filterable: false }),
  dim('month', 'Month', ALL, { grain: 'month', format: 'date', filterable: false }),
  dim('partner', 'Partner', ALL, { employeeOnly: true }),
  dim('offer', 'Offer', ALL),
  dim('sub1', 'Sub ID 1', TRAFFIC),
  dim('sub2', 'Sub ID 2', TRAFFIC),
  dim('sub3', 'Sub ID 3', TRAFFIC),
  dim('sub4', 'Sub ID 4', TRAFFIC),
  dim('sub5', 'Sub ID 5', TRAFFIC),
  dim('country', 'Country', ALL),
  dim('device', 'Device', TRAFFIC),
  dim('status', 'Status', ['conversions', 'leads']),
];

const metric = (
  id: string,
  label: string,
  datasets: readonly Dataset[],
  format: ColumnFormat,
  description: string,
  partnerHidden = false,
): MetricDef => ({ id, kind: 'metric', label, description, datasets, format, partnerHidden });

export const METRICS: readonly MetricDef[] = [
  metric('clicks', 'Clicks', ['performance', 'clicks'], 'integer', 'Clicks recorded.'),
  metric(
    'conversions',
    'Conversions',
    ['performance', 'conversions'],
    'integer',
    'Conversions of any status.',
  ),
  metric(
    'approved',
    'Approved',
    ['performance', 'conversions'],
    'integer',
    'Approved conversions.',
  ),
  metric(
    'pending',
    'Pending',
    ['performance', 'conversions'],
    'integer',
    'Conversions awaiting review.',
  ),
  metric(
    'rejected',
    'Rejected',
    ['performance', 'conversions'],
    'integer',
    'Rejected conversions.',
  ),
  metric(
    'payout',
    'Payout',
    ['performance', 'conversions'],
    'money',
    'Payout of approved conversions.',
  ),
  metric(
    'pending_payout',
    'Pending payout',
    ['performance', 'conversions'],
    'money',
    'Payout of pending conversions.',
  ),
  metric(
    'revenue',
    'Revenue',
    ['performance', 'conversions'],
    'money',
    'Network revenue of approved conversions.',
    true,
  ),
  metric(
    'profit',
    'Profit',
    ['performance', 'conversions'],
    'money',
    'Revenue minus payout of approved conversions.',
    true,
  ),
  metric(
    'sale_amount',
    'Sale amount',
    ['performance', 'conversions'],
    'money',
    'Order value of approved conversions.',
  ),
  metric('cr', 'Conversion rate', ['performance'], 'percent', 'Conversions per 100 clicks.'),
  metric('epc', 'EPC', ['performance'], 'money', 'Approved payout per click.'),
  metric('leads', 'Leads', ['leads'], 'integer', 'Registrations.'),
  metric('ftd', 'First deposits', ['leads'], 'integer', 'Leads that made a first deposit.'),
  metric('ftd_amount', 'First-deposit amount', ['leads'], 'money', 'Sum of first deposits.'),
  metric('deposits', 'Deposits', ['leads'], 'money', 'All deposits.'),
  metric('withdrawals', 'Withdrawals', ['leads'], 'money', 'All withdrawals.'),
  metric('net_deposits', 'Net deposits', ['leads'], 'money', 'Deposits minus withdrawals.'),
  metric('volume_lots', 'Volume (lots)', ['leads'], 'decimal', 'Traded volume in lots.'),
  metric('commission', 'Commission', ['leads'], 'money', 'Commission earned by the partner.'),
];

export const CONVERSION_STATUSES = ['approved', 'pending', 'rejected'] as const;
export type ConversionStatus = (typeof CONVERSION_STATUSES)[number];
export const LEAD_STATUSES = ['registered', 'deposited', 'active', 'inactive', 'rejected'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

const BY_ID = new Map<string, ColumnDef>([...DIMENSIONS, ...METRICS].map((c) => [c.id, c]));

export function columnDef(id: string): ColumnDef | undefined {
  return BY_ID.get(id);
}

export function columnsOf(dataset: Dataset): ColumnDef[] {
  return [...DIMENSIONS, ...METRICS].filter((c) => c.datasets.includes(dataset));
}

export function isMoneyMetric(id: string): boolean {
  const c = BY_ID.get(id);
  return c?.kind === 'metric' && c.format === 'money';
}

/** Columns a partner account may never receive. */
export function isHiddenFromPartners(id: string): boolean {
  const c = BY_ID.get(id);
  return (
    (c?.kind === 'metric' && c.partnerHidden === true) ||
    (c?.kind === 'dimension' && c.employeeOnly === true)
  );
}

/** The columns a kind of account may use on a dataset (what the partner API's /schema lists). */
export function visibleColumns(dataset: Dataset, viewer: 'partner' | 'employee'): ColumnDef[] {
  return columnsOf(dataset).filter((c) => viewer === 'employee' || !isHiddenFromPartners(c.id));
}
