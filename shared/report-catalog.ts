/**
 * What a report can contain, declared once. Every dimension and metric is one entry here; the
 * rest is derived from these entries: which datasets carry a column, which columns partners
 * never see, which raw columns are money, the SQL that sums each base aggregate and the hourly
 * rollups' columns (main/db), the metrics computed from the sums (services), the partner API's
 * `/schema`, its query parameters and OpenAPI text, and the admin UI's column picker.
 *
 * Adding a metric computed from existing sums is one entry in METRICS. A metric that needs a
 * new sum is one entry in BASE_AGGREGATES plus a migration adding its rollup column (a test
 * compares the rollup tables with this catalog).
 */
export const DATASETS = ['performance', 'clicks', 'conversions', 'leads'] as const;
export type Dataset = (typeof DATASETS)[number];

export const DATASET_LABELS: Record<Dataset, string> = {
  performance: 'Performance (clicks and conversions)',
  clicks: 'Clicks',
  conversions: 'Conversions',
  leads: 'Leads and deposits (brokers)',
};

/** The tables performance data is stored in, one row per event. */
export const EVENT_TABLES = ['clicks', 'conversions', 'leads'] as const;
export type EventTable = (typeof EVENT_TABLES)[number];

/** Which tables each dataset reads. */
export const DATASET_TABLES: Record<Dataset, readonly EventTable[]> = {
  performance: ['clicks', 'conversions'],
  clicks: ['clicks'],
  conversions: ['conversions'],
  leads: ['leads'],
};

/** The dataset of one table's rows (row search, imports). */
export const TABLE_DATASET: Record<EventTable, Dataset> = {
  clicks: 'clicks',
  conversions: 'conversions',
  leads: 'leads',
};

/** A value for every dataset (typed: none can be missing). */
export function perDataset<T>(f: (d: Dataset) => T): Record<Dataset, T> {
  return {
    performance: f('performance'),
    clicks: f('clicks'),
    conversions: f('conversions'),
    leads: f('leads'),
  };
}

/** A value for every table (typed: none can be missing). */
export function perTable<T>(f: (t: EventTable) => T): Record<EventTable, T> {
  return { clicks: f('clicks'), conversions: f('conversions'), leads: f('leads') };
}

export const CONVERSION_STATUSES = ['approved', 'pending', 'rejected'] as const;
export type ConversionStatus = (typeof CONVERSION_STATUSES)[number];
export const LEAD_STATUSES = ['registered', 'deposited', 'active', 'inactive', 'rejected'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export type ColumnFormat = 'text' | 'date' | 'integer' | 'money' | 'percent' | 'decimal';
export type TimeGrain = 'hour' | 'day' | 'week' | 'month';

// ---- Base aggregates: what is summed over the raw rows, and kept per hour in the rollups ----

/** How one base aggregate sums the rows of its table. */
export type Aggregation =
  /** Rows, or rows with a status. */
  | { table: EventTable; count: 'rows'; status?: ConversionStatus }
  /** Rows where a column is set. */
  | { table: EventTable; count: 'present'; column: string }
  /** A column's sum, or its sum over rows with a status. */
  | { table: EventTable; sum: string; status?: ConversionStatus };

export interface BaseAggregateSpec {
  aggregation: Aggregation;
  /** Minor units of the row's currency. */
  money?: boolean;
  /** Network economics: never shown to partner accounts (OWASP API3). */
  partnerHidden?: boolean;
}

export const BASE_AGGREGATES = {
  clicks: { aggregation: { table: 'clicks', count: 'rows' } },
  conversions: { aggregation: { table: 'conversions', count: 'rows' } },
  approved: { aggregation: { table: 'conversions', count: 'rows', status: 'approved' } },
  pending: { aggregation: { table: 'conversions', count: 'rows', status: 'pending' } },
  rejected: { aggregation: { table: 'conversions', count: 'rows', status: 'rejected' } },
  payout: {
    aggregation: { table: 'conversions', sum: 'payout', status: 'approved' },
    money: true,
  },
  pending_payout: {
    aggregation: { table: 'conversions', sum: 'payout', status: 'pending' },
    money: true,
  },
  revenue: {
    aggregation: { table: 'conversions', sum: 'revenue', status: 'approved' },
    money: true,
    partnerHidden: true,
  },
  sale_amount: {
    aggregation: { table: 'conversions', sum: 'sale_amount', status: 'approved' },
    money: true,
  },
  leads: { aggregation: { table: 'leads', count: 'rows' } },
  ftd: { aggregation: { table: 'leads', count: 'present', column: 'ftd_at' } },
  ftd_amount: { aggregation: { table: 'leads', sum: 'ftd_amount' }, money: true },
  deposits: { aggregation: { table: 'leads', sum: 'deposits' }, money: true },
  withdrawals: { aggregation: { table: 'leads', sum: 'withdrawals' }, money: true },
  net_deposits: { aggregation: { table: 'leads', sum: 'net_deposits' }, money: true },
  volume_centilots: { aggregation: { table: 'leads', sum: 'volume_centilots' } },
  commission: { aggregation: { table: 'leads', sum: 'commission' }, money: true },
} as const satisfies Record<string, BaseAggregateSpec>;

export type BaseAggregateId = keyof typeof BASE_AGGREGATES;
export const BASE_AGGREGATE_IDS = Object.keys(BASE_AGGREGATES) as BaseAggregateId[];

export function baseAggregate(id: BaseAggregateId): BaseAggregateSpec {
  return BASE_AGGREGATES[id];
}

/** The base aggregates of a table, in catalog order. */
export function tableAggregates(table: EventTable): BaseAggregateId[] {
  return BASE_AGGREGATE_IDS.filter((id) => BASE_AGGREGATES[id].aggregation.table === table);
}

/** The base aggregates a dataset's rows sum into, in catalog order. */
export function datasetAggregates(dataset: Dataset): BaseAggregateId[] {
  const tables = DATASET_TABLES[dataset];
  return BASE_AGGREGATE_IDS.filter((id) => tables.includes(BASE_AGGREGATES[id].aggregation.table));
}

/** The aggregate that counts a table's rows (a rollup hour with none of them holds none of its rows). */
export function rowCountOf(table: EventTable): BaseAggregateId {
  const id = tableAggregates(table).find((a) => {
    const g: Aggregation = BASE_AGGREGATES[a].aggregation;
    return 'count' in g && g.count === 'rows' && g.status === undefined;
  });
  if (!id) throw new Error(`No row count for ${table}`);
  return id;
}

// ---- Metrics: the columns reports show, each a base aggregate or computed from them ----

/** How a metric comes from the base aggregates; a rate over nothing is null. */
export type Derivation =
  | { base: BaseAggregateId }
  | { difference: readonly [BaseAggregateId, BaseAggregateId] }
  /** round(numerator × per ÷ denominator, digits). */
  | { rate: readonly [BaseAggregateId, BaseAggregateId]; per: number; digits: number }
  | { scaled: BaseAggregateId; factor: number };

export interface MetricSpec {
  label: string;
  description: string;
  format: ColumnFormat;
  derive: Derivation;
  /** Hidden from partners even though its inputs are not (it is also hidden when they are). */
  partnerHidden?: boolean;
}

export const METRIC_SPECS = {
  clicks: {
    label: 'Clicks',
    description: 'Clicks recorded.',
    format: 'integer',
    derive: { base: 'clicks' },
  },
  conversions: {
    label: 'Conversions',
    description: 'Conversions of any status.',
    format: 'integer',
    derive: { base: 'conversions' },
  },
  approved: {
    label: 'Approved',
    description: 'Approved conversions.',
    format: 'integer',
    derive: { base: 'approved' },
  },
  pending: {
    label: 'Pending',
    description: 'Conversions awaiting review.',
    format: 'integer',
    derive: { base: 'pending' },
  },
  rejected: {
    label: 'Rejected',
    description: 'Rejected conversions.',
    format: 'integer',
    derive: { base: 'rejected' },
  },
  payout: {
    label: 'Payout',
    description: 'Payout of approved conversions.',
    format: 'money',
    derive: { base: 'payout' },
  },
  pending_payout: {
    label: 'Pending payout',
    description: 'Payout of pending conversions.',
    format: 'money',
    derive: { base: 'pending_payout' },
  },
  revenue: {
    label: 'Revenue',
    description: 'Network revenue of approved conversions.',
    format: 'money',
    derive: { base: 'revenue' },
  },
  profit: {
    label: 'Profit',
    description: 'Revenue minus payout of approved conversions.',
    format: 'money',
    derive: { difference: ['revenue', 'payout'] },
  },
  sale_amount: {
    label: 'Sale amount',
    description: 'Order value of approved conversions.',
    format: 'money',
    derive: { base: 'sale_amount' },
  },
  cr: {
    label: 'Conversion rate',
    description: 'Conversions per 100 clicks.',
    format: 'percent',
    derive: { rate: ['conversions', 'clicks'], per: 100, digits: 2 },
  },
  epc: {
    label: 'EPC',
    description: 'Approved payout per click.',
    format: 'money',
    derive: { rate: ['payout', 'clicks'], per: 1, digits: 2 },
  },
  leads: {
    label: 'Leads',
    description: 'Registrations.',
    format: 'integer',
    derive: { base: 'leads' },
  },
  ftd: {
    label: 'First deposits',
    description: 'Leads that made a first deposit.',
    format: 'integer',
    derive: { base: 'ftd' },
  },
  ftd_amount: {
    label: 'First-deposit amount',
    description: 'Sum of first deposits.',
    format: 'money',
    derive: { base: 'ftd_amount' },
  },
  deposits: {
    label: 'Deposits',
    description: 'All deposits.',
    format: 'money',
    derive: { base: 'deposits' },
  },
  withdrawals: {
    label: 'Withdrawals',
    description: 'All withdrawals.',
    format: 'money',
    derive: { base: 'withdrawals' },
  },
  net_deposits: {
    label: 'Net deposits',
    description: 'Deposits minus withdrawals.',
    format: 'money',
    derive: { base: 'net_deposits' },
  },
  volume_lots: {
    label: 'Volume (lots)',
    description: 'Traded volume in lots.',
    format: 'decimal',
    derive: { scaled: 'volume_centilots', factor: 0.01 },
  },
  commission: {
    label: 'Commission',
    description: 'Commission earned by the partner.',
    format: 'money',
    derive: { base: 'commission' },
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricId = keyof typeof METRIC_SPECS;

/** The base aggregates a metric is computed from. */
export function inputsOf(d: Derivation): BaseAggregateId[] {
  if ('base' in d) return [d.base];
  if ('difference' in d) return [...d.difference];
  if ('rate' in d) return [...d.rate];
  return [d.scaled];
}

/** A metric's value from the sums it is computed from (null for a rate over nothing). */
export function deriveMetric(d: Derivation, sums: Readonly<Record<string, number>>): number | null {
  const v = (id: BaseAggregateId) => sums[id] ?? 0;
  if ('base' in d) return v(d.base);
  if ('difference' in d) return v(d.difference[0]) - v(d.difference[1]);
  if ('rate' in d) {
    const den = v(d.rate[1]);
    const scale = 10 ** d.digits;
    return den ? Math.round((v(d.rate[0]) * d.per * scale) / den) / scale : null;
  }
  return Math.round(v(d.scaled) * d.factor * 1e6) / 1e6;
}

// ---- Dimensions: what a report groups and filters by ----

export interface DimensionSpec {
  label: string;
  datasets: readonly Dataset[];
  format?: ColumnFormat;
  /** Time dimensions bucket the event time in the report's time zone. */
  grain?: TimeGrain;
  /** The raw column it reads (default: its id); none for time grains. */
  column?: string;
  /** Only employees may group or filter by it (a partner key only ever sees its own partner). */
  employeeOnly?: boolean;
  /** Can be used in a filter or as a run-time parameter (default: yes, unless a time grain). */
  filterable?: boolean;
}

const TRAFFIC: readonly Dataset[] = ['performance', 'clicks', 'conversions'];

export const DIMENSION_SPECS = {
  hour: { label: 'Hour', datasets: DATASETS, grain: 'hour', format: 'date' },
  day: { label: 'Day', datasets: DATASETS, grain: 'day', format: 'date' },
  week: { label: 'Week (from Monday)', datasets: DATASETS, grain: 'week', format: 'date' },
  month: { label: 'Month', datasets: DATASETS, grain: 'month', format: 'date' },
  partner: { label: 'Partner', datasets: DATASETS, column: 'partner_id', employeeOnly: true },
  offer: { label: 'Offer', datasets: DATASETS, column: 'offer_id' },
  sub1: { label: 'Sub ID 1', datasets: TRAFFIC },
  sub2: { label: 'Sub ID 2', datasets: TRAFFIC },
  sub3: { label: 'Sub ID 3', datasets: TRAFFIC },
  sub4: { label: 'Sub ID 4', datasets: TRAFFIC },
  sub5: { label: 'Sub ID 5', datasets: TRAFFIC },
  country: { label: 'Country', datasets: DATASETS },
  device: { label: 'Device', datasets: TRAFFIC },
  status: { label: 'Status', datasets: ['conversions', 'leads'] },
} as const satisfies Record<string, DimensionSpec>;

export type DimensionId = keyof typeof DIMENSION_SPECS;

// ---- Derived: the column definitions every front door reads ----

export interface DimensionDef {
  id: string;
  kind: 'dimension';
  label: string;
  datasets: readonly Dataset[];
  format: ColumnFormat;
  grain?: TimeGrain;
  /** The raw column it reads; null for time grains. */
  column: string | null;
  employeeOnly?: boolean;
  filterable: boolean;
}

export interface MetricDef {
  id: string;
  kind: 'metric';
  label: string;
  description: string;
  /** Datasets whose tables hold every sum the metric needs. */
  datasets: readonly Dataset[];
  format: ColumnFormat;
  derive: Derivation;
  /** Network economics: never shown to partner accounts (OWASP API3). */
  partnerHidden: boolean;
}

export type ColumnDef = DimensionDef | MetricDef;

export const DIMENSIONS: readonly DimensionDef[] = (
  Object.entries(DIMENSION_SPECS) as [DimensionId, DimensionSpec][]
).map(([id, d]) => ({
  id,
  kind: 'dimension',
  label: d.label,
  datasets: d.datasets,
  format: d.format ?? 'text',
  ...(d.grain && { grain: d.grain }),
  column: d.grain ? null : (d.column ?? id),
  ...(d.employeeOnly && { employeeOnly: true }),
  filterable: d.filterable ?? d.grain === undefined,
}));

export const METRICS: readonly MetricDef[] = (
  Object.entries(METRIC_SPECS) as [MetricId, MetricSpec][]
).map(([id, m]) => {
  const inputs = inputsOf(m.derive);
  return {
    id,
    kind: 'metric',
    label: m.label,
    description: m.description,
    datasets: DATASETS.filter((d) =>
      inputs.every((a) => DATASET_TABLES[d].includes(BASE_AGGREGATES[a].aggregation.table)),
    ),
    format: m.format,
    derive: m.derive,
    partnerHidden:
      m.partnerHidden === true ||
      inputs.some((a) => (BASE_AGGREGATES[a] as BaseAggregateSpec).partnerHidden === true),
  };
});

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
    (c?.kind === 'metric' && c.partnerHidden) ||
    (c?.kind === 'dimension' && c.employeeOnly === true)
  );
}

/** The columns a kind of account may use on a dataset (what the partner API's /schema lists). */
export function visibleColumns(dataset: Dataset, viewer: 'partner' | 'employee'): ColumnDef[] {
  return columnsOf(dataset).filter((c) => viewer === 'employee' || !isHiddenFromPartners(c.id));
}

/** The dimensions a table's rows can be searched by (row search, `?country=DE,FR`). */
export function rowFilters(table: EventTable): DimensionDef[] {
  return DIMENSIONS.filter(
    (d) => d.filterable && !d.employeeOnly && d.datasets.includes(TABLE_DATASET[table]),
  );
}

// ---- Raw rows (row search, exports): how their stored columns are shown ----

/** A raw column's money, in minor units of the row's currency. */
export function moneyColumns(table: EventTable): Set<string> {
  const out = new Set<string>();
  for (const id of tableAggregates(table)) {
    const a = BASE_AGGREGATES[id] as BaseAggregateSpec;
    if (a.money && 'sum' in a.aggregation) out.add(a.aggregation.sum);
  }
  return out;
}

/** Raw columns a partner never receives: the sums of hidden aggregates, employee-only dimensions. */
export function partnerHiddenColumns(table: EventTable): Set<string> {
  const out = new Set<string>();
  for (const id of tableAggregates(table)) {
    const a = BASE_AGGREGATES[id] as BaseAggregateSpec;
    if (a.partnerHidden && 'sum' in a.aggregation) out.add(a.aggregation.sum);
  }
  for (const d of DIMENSIONS)
    if (d.employeeOnly && d.column && d.datasets.includes(TABLE_DATASET[table])) out.add(d.column);
  return out;
}

/**
 * Raw columns shown under a metric's name, scaled (volume_centilots → volume_lots × 0.01): the
 * metric is a scaled plain sum of that column.
 */
export function scaledColumns(table: EventTable): Map<string, { as: string; factor: number }> {
  const out = new Map<string, { as: string; factor: number }>();
  for (const m of METRICS) {
    if (!('scaled' in m.derive)) continue;
    const g: Aggregation = BASE_AGGREGATES[m.derive.scaled].aggregation;
    if (g.table === table && 'sum' in g && g.status === undefined)
      out.set(g.sum, { as: m.id, factor: m.derive.factor });
  }
  return out;
}
