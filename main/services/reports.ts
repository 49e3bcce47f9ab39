import { forbidden, invalid, notFound, type ErrorDetail } from '../../shared/errors.ts';
import {
  DATASET_LABELS,
  DATASETS,
  DATASET_TABLES,
  columnDef,
  deriveMetric,
  isHiddenFromPartners,
  isMoneyMetric,
  visibleColumns,
  type Dataset,
  type DimensionDef,
  type EventTable,
} from '../../shared/report-catalog.ts';
import { ROW_SCOPES, type Scope } from '../../shared/scopes.ts';
import {
  reportCreateInput,
  reportRunInput,
  reportSpec,
  reportUpdateInput,
  type Account,
  type ReportAudience,
  type ReportColumn,
  type ReportCreateInput,
  type ReportDefinition,
  type ReportResult,
  type ReportRow,
  type ReportRunInput,
  type ReportSpec,
  type ReportSpecInput,
  type ReportUpdateInput,
} from '../../shared/schemas.ts';
import { BASE_AGGREGATES, type AggregateRow, type QueryFilter } from '../db/report-query.ts';
import { assertScanWithinBudget, type QueryLimits } from './scan-budget.ts';
import type { AccountService } from './accounts.ts';
import type { ServiceContext } from './context.ts';
import type { z } from 'zod';
import {
  formatDayNumber,
  formatHourNumber,
  formatWeekNumber,
  requestedRange,
  type ResolvedRange,
} from './report-time.ts';
import { parseInput } from './validate.ts';

/** A report an account may run, with only the columns and run-time filters it may see. */
export interface SharedReport {
  definition: ReportDefinition;
  columns: ReportColumn[];
  parameters: { id: string; label: string }[];
}

/** Ad-hoc statistics: a dataset grouped by dimensions, summed into metrics, for one account. */
export interface StatsRequest {
  account: Account;
  dataset: Dataset;
  groupBy: readonly string[];
  metrics: readonly string[];
  /** Dimension → allowed values (`?country=DE,FR`). */
  filters: Record<string, readonly string[]>;
  from?: string | undefined;
  to?: string | undefined;
  timezone?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/** What a dataset offers an account: its dimensions, metrics, and whether its rows can be searched. */
export interface DatasetSchema {
  id: Dataset;
  label: string;
  dimensions: { id: string; label: string; filterable: boolean }[];
  metrics: { id: string; label: string; format: string; description: string }[];
  /** The table whose rows the key may search, if any. */
  rows: EventTable | null;
}

const columnOf = (id: string): ReportColumn => {
  const def = columnDef(id)!;
  return { id, label: def.label, kind: def.kind, format: def.format };
};

/** Most grouped rows one run may produce before the caller is asked to group more coarsely. */
export const MAX_REPORT_ROWS = 100_000;

export type Viewer = 'partner' | 'employee';

const viewerOf = (account: Pick<Account, 'kind'>): Viewer =>
  account.kind === 'employee' ? 'employee' : 'partner';

/**
 * Every problem with a report spec, each naming the offending column, filter or parameter.
 * `partnerAudience`: partner accounts may run it, so network economics are refused.
 */
export function specProblems(spec: ReportSpec, partnerAudience: boolean): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  const inDataset = (id: string) => columnDef(id)?.datasets.includes(spec.dataset) === true;
  for (const id of spec.columns) {
    const def = columnDef(id);
    if (seen.has(id)) problems.push({ field: 'columns', message: `${id} is listed twice` });
    seen.add(id);
    if (!def || !inDataset(id)) {
      problems.push({
        field: 'columns',
        message: `${id} is not a column of the ${spec.dataset} dataset`,
      });
    } else if (partnerAudience && isHiddenFromPartners(id)) {
      problems.push({
        field: 'columns',
        message:
          def.kind === 'metric'
            ? `${id} (${def.label}) is network data that partner accounts may not see; remove it or share the report with employees only`
            : `${id} is only for employees; remove it or share the report with employees only`,
      });
    }
  }
  if (!spec.columns.some((c) => columnDef(c)?.kind === 'metric')) {
    problems.push({ field: 'columns', message: 'choose at least one metric' });
  }
  spec.filters.forEach((f, i) => {
    const def = columnDef(f.field);
    if (!def || def.kind !== 'dimension' || !def.filterable || !inDataset(f.field)) {
      problems.push({
        field: `filters.${i}.field`,
        message: `${f.field} cannot be filtered on in the ${spec.dataset} dataset`,
      });
    } else if (partnerAudience && def.employeeOnly) {
      problems.push({
        field: `filters.${i}.field`,
        message: `${f.field} filters are only for employee reports`,
      });
    }
  });
  for (const p of spec.parameters) {
    const def = columnDef(p);
    if (
      !def ||
      def.kind !== 'dimension' ||
      !def.filterable ||
      !inDataset(p) ||
      (partnerAudience && def.employeeOnly)
    ) {
      problems.push({
        field: 'parameters',
        message: `${p} cannot be a run-time filter of the ${spec.dataset} dataset`,
      });
    }
  }
  spec.sort.forEach((s, i) => {
    if (!spec.columns.includes(s.column))
      problems.push({
        field: `sort.${i}.column`,
        message: `${s.column} is not one of the report's columns`,
      });
  });
  return problems;
}

function groupingOf(columns: readonly string[]): string[] {
  return columns.filter((c) => columnDef(c)?.kind === 'dimension');
}

/** The visible metrics of a row, computed from its base aggregates as the catalog defines them. */
function metricValues(
  sums: Readonly<Record<string, number>>,
  metricIds: readonly string[],
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const id of metricIds) {
    const def = columnDef(id);
    if (def?.kind === 'metric') out[id] = deriveMetric(def.derive, sums);
  }
  return out;
}

function compareValues(a: ReportRow[string] | undefined, b: ReportRow[string] | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

export interface RunSpecOptions {
  /** Refuse statements over raw rows that would read more rows than this. */
  maxScanRows?: number | undefined;
  spec: ReportSpec;
  account: Account;
  range: ResolvedRange;
  params?: Record<string, readonly string[]>;
  limit?: number | undefined;
  offset?: number | undefined;
  reportId?: number | null;
  name?: string;
}

/** Report answers kept in memory per process (see `run`). */
const RUN_CACHE_ENTRIES = 256;

export function reportService(ctx: ServiceContext, accounts: AccountService) {
  const { sql } = ctx;
  let runs = { epoch: -1, results: new Map<string, ReportResult>() };

  function get(id: number): ReportDefinition {
    const d = sql.reports.get(id);
    if (!d) throw notFound('report', id);
    return d;
  }

  /** Whether partners are among those who may run it, after checking the named accounts exist. */
  function audienceHasPartners(audience: ReportAudience): boolean {
    if (audience.kind === 'all') return true;
    const kinds = sql.accounts.kinds(audience.accountIds);
    const missing = audience.accountIds.filter((a) => !kinds.has(a));
    if (missing.length) {
      throw invalid('unknown_account', `No account with id ${missing.join(', ')}.`, [
        { field: 'audience.accountIds', message: `unknown account ${missing.join(', ')}` },
      ]);
    }
    return [...kinds.values()].some((k) => k !== 'employee');
  }

  function checkSpec(spec: ReportSpec, audience: ReportAudience): void {
    const problems = specProblems(spec, audienceHasPartners(audience));
    if (problems.length) {
      const forbiddenMetric = problems.some((p) =>
        p.message.includes('partner accounts may not see'),
      );
      throw invalid(
        forbiddenMetric ? 'metric_not_for_partners' : 'invalid_report',
        `The report cannot be saved: ${problems.map((p) => p.message).join('; ')}.`,
        problems,
      );
    }
  }

  const toSpec = (d: ReportSpec): ReportSpec => ({
    dataset: d.dataset,
    columns: d.columns,
    filters: d.filters,
    parameters: d.parameters,
    sort: d.sort,
    defaultRange: d.defaultRange,
    timezone: d.timezone,
  });

  function notShared(what: string, account: Account) {
    return forbidden(
      'report_not_shared',
      `${what} is not shared with ${account.name} (account ${account.id}).`,
    );
  }

  function mayRun(d: Pick<ReportDefinition, 'audience'>, account: Account): boolean {
    return d.audience.kind === 'all' || d.audience.accountIds.includes(account.id);
  }

  function dimensionValue(
    def: DimensionDef,
    raw: string | number | null,
    names: { offers: Map<number, string>; partners: Map<number, string> },
  ) {
    if (raw === null) return null;
    switch (def.id) {
      case 'hour':
        return formatHourNumber(Number(raw));
      case 'day':
        return formatDayNumber(Number(raw));
      case 'week':
        return formatWeekNumber(Number(raw));
      case 'offer':
        return names.offers.get(Number(raw)) ?? `Offer ${raw}`;
      case 'partner':
        return names.partners.get(Number(raw)) ?? `Partner ${raw}`;
      default:
        return raw;
    }
  }

  function runSpec(o: RunSpecOptions): ReportResult {
    const { spec, account, range } = o;
    const viewer = viewerOf(account);
    const visible = spec.columns.filter((c) => viewer === 'employee' || !isHiddenFromPartners(c));
    const hiddenColumns = spec.columns.filter((c) => !visible.includes(c));
    const groupBy = groupingOf(visible);
    const byCurrency = visible.some(isMoneyMetric);

    const filters: QueryFilter[] = [...spec.filters];
    for (const [field, values] of Object.entries(o.params ?? {})) {
      if (
        !spec.parameters.includes(field) ||
        (viewer === 'partner' && isHiddenFromPartners(field))
      ) {
        throw invalid(
          'unknown_parameter',
          `${field} is not a filter this report accepts${spec.parameters.length ? ` (it accepts ${spec.parameters.join(', ')})` : ''}.`,
          [{ field, message: 'not a parameter of this report' }],
        );
      }
      if (values.length) filters.push({ field, op: 'in', values });
    }

    const query = {
      dataset: spec.dataset,
      groupBy,
      byCurrency,
      filters,
      partnerIds: accounts.visiblePartnerIds(account),
      startMs: range.startMs,
      endMs: range.endMs,
      segments: range.segments,
    };
    if (!sql.reportQuery.usesRollups(query))
      assertScanWithinBudget(sql.reportQuery, query, o.maxScanRows);
    const rows = sql.reportQuery.run(query);
    if (rows.length > MAX_REPORT_ROWS) {
      throw invalid(
        'too_many_rows',
        `The report would have ${rows.length} rows (at most ${MAX_REPORT_ROWS}); group by fewer or coarser columns, or shorten the range.`,
      );
    }

    const names = {
      offers: new Map(sql.offers.list().map((x) => [x.id, x.name])),
      partners: new Map(
        groupBy.includes('partner') ? sql.accounts.list({}).map((x) => [x.id, x.name]) : [],
      ),
    };
    const base = BASE_AGGREGATES[spec.dataset];
    const columns: ReportColumn[] = visible.map(columnOf);

    const totalsByCurrency = new Map<string, Record<string, number>>();
    const out: ReportRow[] = rows.map((r: AggregateRow) => {
      const sums: Record<string, number> = {};
      for (const a of base) sums[a] = Number(r[a] ?? 0);
      const currency = byCurrency ? String(r.currency ?? account.currency) : null;
      const tkey = currency ?? '';
      const t = totalsByCurrency.get(tkey) ?? Object.fromEntries(base.map((a) => [a, 0]));
      for (const a of base) t[a] = (t[a] ?? 0) + (sums[a] ?? 0);
      totalsByCurrency.set(tkey, t);
      const metrics = metricValues(sums, visible);
      const row: ReportRow = {};
      for (const id of visible) {
        const def = columnDef(id)!;
        if (def.kind === 'dimension') {
          const raw = r[`d${groupBy.indexOf(id)}`] ?? null;
          row[id] = dimensionValue(def, raw, names);
          if (id === 'offer' || id === 'partner') row[`${id}_id`] = raw;
        } else {
          row[id] = metrics[id] ?? null;
        }
      }
      if (currency !== null) row.currency = currency;
      return row;
    });

    const order = spec.sort.length
      ? spec.sort.filter((s) => visible.includes(s.column))
      : groupBy.map((column) => ({ column, direction: 'asc' as const }));
    const tieBreak = groupBy.map((column) => ({ column, direction: 'asc' as const }));
    const keys = [
      ...order,
      ...tieBreak,
      ...(byCurrency ? [{ column: 'currency', direction: 'asc' as const }] : []),
    ];
    out.sort((a, b) => {
      for (const k of keys) {
        const c = compareValues(a[k.column], b[k.column]);
        if (c !== 0) return k.direction === 'desc' ? -c : c;
      }
      return 0;
    });

    const totals: ReportRow[] = [...totalsByCurrency.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, sums]) => {
        const metrics = metricValues(sums, visible);
        const row: ReportRow = {};
        for (const id of visible)
          if (columnDef(id)?.kind === 'metric') row[id] = metrics[id] ?? null;
        if (byCurrency) row.currency = currency;
        return row;
      });
    if (totals.length === 0) {
      const metrics = metricValues(Object.fromEntries(base.map((a) => [a, 0])), visible);
      const row: ReportRow = {};
      for (const id of visible) if (columnDef(id)?.kind === 'metric') row[id] = metrics[id] ?? null;
      if (byCurrency) row.currency = account.currency;
      totals.push(row);
    }

    const offset = o.offset ?? 0;
    const page = o.limit === undefined ? out.slice(offset) : out.slice(offset, offset + o.limit);
    return {
      reportId: o.reportId ?? null,
      name: o.name ?? 'Ad-hoc report',
      dataset: spec.dataset,
      columns,
      rows: page,
      totals,
      range: {
        from: range.from,
        to: range.to,
        timezone: range.timezone,
        startMs: range.startMs,
        endMs: range.endMs,
      },
      totalRows: out.length,
      hiddenColumns,
    };
  }

  function resolveRunRange(
    spec: ReportSpec,
    from: string | undefined,
    to: string | undefined,
    tz: string | undefined,
    maxDays?: number,
  ) {
    return requestedRange({ from, to }, tz ?? spec.timezone, spec.defaultRange, ctx.now(), maxDays);
  }

  /** Runs an unsaved spec (preview while editing, ad-hoc statistics) as an account. */
  function preview(
    input: {
      spec: ReportSpecInput;
      accountId: number;
      /** Who may run the report being edited: an account outside it is refused, as the API would. */
      audience?: ReportAudience | undefined;
      from?: string;
      to?: string;
      timezone?: string;
      limit?: number;
      offset?: number;
      params?: Record<string, readonly string[]>;
    },
    limits: QueryLimits = {},
  ): ReportResult {
    const spec = parseInput(reportSpec, input.spec, 'report');
    const account = accounts.get(input.accountId);
    if (input.audience && !mayRun({ audience: input.audience }, account))
      throw notShared('This report', account);
    const problems = specProblems(spec, false);
    if (problems.length)
      throw invalid(
        'invalid_report',
        `The report cannot run: ${problems.map((p) => p.message).join('; ')}.`,
        problems,
      );
    const range = resolveRunRange(spec, input.from, input.to, input.timezone, limits.maxDays);
    return runSpec({
      maxScanRows: limits.maxScanRows,
      spec,
      account,
      range,
      limit: input.limit,
      offset: input.offset,
      ...(input.params && { params: input.params }),
    });
  }

  return {
    get,
    list(): ReportDefinition[] {
      return sql.reports.list();
    },
    /** The definitions an account may run. */
    listFor(accountId: number): ReportDefinition[] {
      return sql.reports.listForAccount(accountId);
    },

    /** The reports an account may run, as it sees them (no column it may not see). */
    sharedWith(account: Account): SharedReport[] {
      const partner = viewerOf(account) === 'partner';
      const shown = (id: string) => !partner || !isHiddenFromPartners(id);
      return sql.reports.listForAccount(account.id).map((definition) => ({
        definition,
        columns: definition.columns.filter(shown).map(columnOf),
        parameters: definition.parameters
          .filter(shown)
          .map((p) => ({ id: p, label: columnDef(p)?.label ?? p })),
      }));
    },

    /** What a key of this account, with these scopes, may ask for, dataset by dataset. */
    schemaFor(account: Account, scopes: readonly Scope[]): DatasetSchema[] {
      const canStats = scopes.includes('stats:read') || scopes.includes('reports:read');
      const rowsOf = (d: Dataset): EventTable | null => {
        const tables = DATASET_TABLES[d];
        const table = tables.length === 1 ? tables[0]! : null;
        return table && scopes.includes(ROW_SCOPES[table]) ? table : null;
      };
      return DATASETS.filter((d) => canStats || rowsOf(d) !== null).map((d) => {
        const cols = visibleColumns(d, viewerOf(account));
        return {
          id: d,
          label: DATASET_LABELS[d],
          dimensions: cols.flatMap((c) =>
            c.kind === 'dimension' ? [{ id: c.id, label: c.label, filterable: c.filterable }] : [],
          ),
          metrics: cols.flatMap((c) =>
            c.kind === 'metric'
              ? [{ id: c.id, label: c.label, format: c.format, description: c.description }]
              : [],
          ),
          rows: rowsOf(d),
        };
      });
    },

    /** Ad-hoc statistics within the account's own data; partners never get network economics. */
    stats(r: StatsRequest, limits: QueryLimits = {}): ReportResult {
      const partner = viewerOf(r.account) === 'partner';
      const refused = [...r.groupBy, ...r.metrics].filter(
        (c) => partner && isHiddenFromPartners(c),
      );
      if (refused.length) {
        throw invalid(
          'column_not_allowed',
          `${refused.join(', ')} ${refused.length > 1 ? 'are' : 'is'} not available to partner keys.`,
          refused.map((c) => ({
            field: r.metrics.includes(c) ? 'metrics' : 'group_by',
            message: `${c} is not available`,
          })),
        );
      }
      const bad = [
        ...r.groupBy
          .filter((d) => columnDef(d)?.kind !== 'dimension')
          .map((d) => ({ field: 'group_by', message: `${d} is not a dimension of ${r.dataset}` })),
        ...r.metrics
          .filter((m) => columnDef(m)?.kind !== 'metric')
          .map((m) => ({ field: 'metrics', message: `${m} is not a metric of ${r.dataset}` })),
      ];
      if (bad.length)
        throw invalid(
          'invalid_parameters',
          `The request has invalid parameters: ${bad.map((b) => b.message).join('; ')}.`,
          bad,
        );
      const filters = Object.entries(r.filters).filter(([, v]) => v.length);
      const timezone = r.timezone ?? r.account.timezone;
      const range = requestedRange(r, timezone, 'last_7_days', ctx.now(), limits.maxDays);
      return preview(
        {
          spec: {
            dataset: r.dataset,
            columns: [...r.groupBy, ...r.metrics],
            filters: [],
            parameters: filters.map(([field]) => field),
            timezone,
          },
          accountId: r.account.id,
          from: range.from,
          to: range.to,
          timezone,
          ...(r.limit !== undefined && { limit: r.limit }),
          ...(r.offset !== undefined && { offset: r.offset }),
          params: Object.fromEntries(filters),
        },
        limits,
      );
    },

    create(input: ReportCreateInput): ReportDefinition {
      const r = parseInput(reportCreateInput, input, 'report');
      const spec = toSpec(r);
      checkSpec(spec, r.audience);
      return ctx.write(() => {
        const id = sql.reports.insert(
          { name: r.name, description: r.description, spec, audience: r.audience },
          ctx.now(),
          ctx.actor,
        );
        const created = get(id);
        ctx.audit('report.create', 'report', id, null, created);
        return created;
      });
    },

    update(input: ReportUpdateInput): ReportDefinition {
      const u = parseInput(reportUpdateInput, input, 'report update');
      return ctx.write(() => {
        const before = get(u.id);
        const spec = parseInput(
          reportSpec,
          {
            ...toSpec(before),
            ...Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined)),
          },
          'report',
        );
        const audience = u.audience ?? before.audience;
        checkSpec(spec, audience);
        sql.reports.update(
          u.id,
          {
            name: u.name ?? before.name,
            description: u.description ?? before.description,
            spec: toSpec(spec),
            audience,
          },
          ctx.now(),
        );
        const after = get(u.id);
        ctx.audit('report.update', 'report', u.id, before, after);
        return after;
      });
    },

    remove(id: number): { id: number } {
      ctx.write(() => {
        const before = get(id);
        sql.reports.remove(id);
        ctx.audit('report.delete', 'report', id, before, null);
      });
      return { id };
    },

    /** Runs a saved report as an account: its rows only, its visible columns only. */
    /**
     * A shared report's run for an account. Answers are kept in memory until anything is
     * written (a postback, an import, an admin change, another process's commit), so a
     * partner polling the same report costs one query per change, not one per poll.
     */
    run(input: ReportRunInput, limits: QueryLimits = {}): ReportResult {
      const epoch = ctx.cacheEpoch();
      if (epoch !== runs.epoch) runs = { epoch, results: new Map() };
      // Kept by the input as given (a poll repeats its request word for word), so a kept
      // answer costs no parsing. Without from/to the range moves with the clock: such answers
      // are kept a minute at most.
      let key: string | undefined;
      try {
        key = JSON.stringify([
          input,
          limits,
          input.from === undefined || input.to === undefined ? Math.floor(ctx.now() / 60_000) : 0,
        ]);
      } catch {
        // Not plain data (a BigInt): the parse below says what is wrong with it.
      }
      const kept = key === undefined ? undefined : runs.results.get(key);
      if (kept) return kept;
      const r = parseInput(reportRunInput, input, 'report run');
      const result = runUncached(r, limits);
      if (runs.results.size >= RUN_CACHE_ENTRIES)
        runs.results.delete(runs.results.keys().next().value!);
      runs.results.set(key!, result);
      return result;
    },

    preview,

    runSpec,
    mayRun,
  };

  function runUncached(r: z.output<typeof reportRunInput>, limits: QueryLimits): ReportResult {
    const d = get(r.reportId);
    const account = accounts.get(r.accountId);
    if (!mayRun(d, account)) throw notShared(`Report ${d.id} (${d.name})`, account);
    const range = resolveRunRange(d, r.from, r.to, r.timezone, limits.maxDays);
    return runSpec({
      maxScanRows: limits.maxScanRows,
      spec: d,
      account,
      range,
      params: r.params,
      limit: r.limit,
      offset: r.offset,
      reportId: d.id,
      name: d.name,
    });
  }
}

export type ReportService = ReturnType<typeof reportService>;
