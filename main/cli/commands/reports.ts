import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { invalid } from '../../../shared/errors.ts';
import { formatMoney } from '../../../shared/money.ts';
import type {
  ReportCreateInput,
  ReportDefinition,
  ReportFilter,
  ReportResult,
} from '../../../shared/schemas.ts';
import { reportToCsv, presentReport } from '../../report-output.ts';
import { table } from '../format.ts';
import { collect, parseId, parseIdList, splitList } from '../options.ts';
import type { CliApp } from '../program.ts';

/** `country=DE,FR` (in), `country!=DE` (not in), `sub1~fb_` (contains any). */
export function parseFilter(text: string): ReportFilter {
  const m = /^\s*([a-z0-9_]+)\s*(!=|=|~)\s*(.+)$/.exec(text);
  if (!m) {
    throw invalid(
      'invalid_filter',
      `--filter "${text}" is not FIELD=V1,V2 (in), FIELD!=V1,V2 (not in) or FIELD~TEXT (contains).`,
      [{ field: '--filter', message: 'unrecognised filter' }],
    );
  }
  const [, field, op, values] = m;
  return {
    field: field!,
    op: op === '=' ? 'in' : op === '!=' ? 'not_in' : 'contains',
    values: splitList(values!),
  };
}

/** `day,payout:desc` → sort keys. */
export function parseSort(text: string): { column: string; direction: 'asc' | 'desc' }[] {
  return splitList(text).map((part) => {
    const [column, dir = 'asc'] = part.split(':');
    if (dir !== 'asc' && dir !== 'desc')
      throw invalid('invalid_sort', `--sort "${part}": the direction must be asc or desc.`);
    return { column: column!, direction: dir };
  });
}

interface CreateFlags {
  file?: string;
  name?: string;
  description?: string;
  dataset?: string;
  columns?: string;
  filter: string[];
  params?: string;
  sort?: string;
  range?: string;
  timezone?: string;
  accounts?: string;
}

function definitionText(d: ReportDefinition): string {
  const rows: [string, string][] = [
    ['Report', `#${d.id} ${d.name}`],
    ['Dataset', d.dataset],
    ['Columns', d.columns.join(', ')],
    ['Filters', d.filters.map((f) => `${f.field} ${f.op} ${f.values.join(',')}`).join('; ') || '—'],
    ['Run-time filters', d.parameters.join(', ') || '—'],
    ['Sort', d.sort.map((s) => `${s.column} ${s.direction}`).join(', ') || 'by the grouping'],
    ['Default range', d.defaultRange],
    ['Time zone', d.timezone],
    [
      'Shared with',
      d.audience.kind === 'all' ? 'every account' : `accounts ${d.audience.accountIds.join(', ')}`,
    ],
  ];
  if (d.description) rows.splice(1, 0, ['Description', d.description]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}

function resultText(r: ReportResult): string {
  const money = (row: Record<string, unknown>, id: string) => {
    const v = row[id];
    return typeof v === 'number'
      ? formatMoney(v, typeof row.currency === 'string' ? row.currency : 'USD')
      : v;
  };
  const show = (row: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      r.columns.map((c) => [
        c.label,
        c.format === 'money'
          ? money(row, c.id)
          : c.format === 'percent' && typeof row[c.id] === 'number'
            ? `${row[c.id] as number}%`
            : row[c.id],
      ]),
    );
  const cell = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '—');
  const labels = r.columns.map((c) => c.label);
  const head = `${r.name} · ${r.range.from} to ${r.range.to} (${r.range.timezone}) · ${r.totalRows} rows\n`;
  const body = r.rows.length ? table(r.rows.map(show), labels) : 'No data in this range.\n';
  const totals = r.totals
    .map(
      (t) =>
        `Totals${t.currency ? ` (${String(t.currency)})` : ''}: ${r.columns
          .filter((c) => c.kind === 'metric')
          .map((c) => `${c.label} ${cell(show(t)[c.label])}`)
          .join(', ')}`,
    )
    .join('\n');
  const hidden = r.hiddenColumns.length
    ? `Hidden for this account: ${r.hiddenColumns.join(', ')}\n`
    : '';
  return `${head}${body}${totals}\n${hidden}`;
}

export function registerReportCommands(program: Command, app: CliApp): void {
  const report = program
    .command('report')
    .description('report definitions: what a partner’s report contains');

  report
    .command('create')
    .description('define a report (or --file spec.json)')
    .option(
      '--file <path>',
      'a JSON definition (name, dataset, columns, filters, parameters, sort, defaultRange, timezone, audience)',
    )
    .option('--name <name>')
    .option('--description <text>')
    .option('--dataset <dataset>', 'performance, clicks, conversions or leads')
    .option(
      '--columns <list>',
      'dimensions and metrics in order, e.g. day,offer,clicks,conversions,payout',
    )
    .option(
      '--filter <filter>',
      'fixed filter: country=DE,FR | country!=US | sub1~fb (repeatable)',
      collect,
      [],
    )
    .option(
      '--params <list>',
      'dimensions the partner may filter on when running it, e.g. offer,country',
    )
    .option('--sort <list>', 'e.g. day or payout:desc,day')
    .option(
      '--range <preset>',
      'default range: today, yesterday, last_7_days, last_30_days, last_90_days, this_week, last_week, this_month, last_month',
    )
    .option('--timezone <tz>', 'IANA time zone the days are cut in')
    .option('--accounts <ids>', 'share with these accounts only (default: every account)')
    .action((o: CreateFlags, cmd: Command) => {
      let input: ReportCreateInput;
      if (o.file) {
        try {
          input = JSON.parse(readFileSync(o.file, 'utf8')) as ReportCreateInput;
        } catch (e) {
          throw invalid(
            'invalid_report_file',
            `Cannot read ${o.file} as JSON: ${(e as Error).message}`,
          );
        }
      } else {
        if (!o.name || !o.dataset || !o.columns)
          throw invalid('missing_options', 'Give --name, --dataset and --columns (or --file).');
        input = {
          name: o.name,
          dataset: o.dataset as ReportCreateInput['dataset'],
          columns: splitList(o.columns),
          filters: o.filter.map(parseFilter),
          ...(o.description !== undefined && { description: o.description }),
          ...(o.params !== undefined && { parameters: splitList(o.params) }),
          ...(o.sort !== undefined && { sort: parseSort(o.sort) }),
          ...(o.range !== undefined && {
            defaultRange: o.range as ReportCreateInput['defaultRange'],
          }),
          ...(o.timezone !== undefined && { timezone: o.timezone }),
          audience: o.accounts
            ? { kind: 'accounts', accountIds: parseIdList(o.accounts, '--accounts') }
            : { kind: 'all' },
        };
      }
      const d = app.core(cmd).reports.create(input);
      app.print(cmd, d, () => `Created report #${d.id}.\n${definitionText(d)}`);
    });

  report
    .command('list')
    .description('list report definitions')
    .option('--for <account>', 'only those this account may run')
    .action((o: { for?: string }, cmd: Command) => {
      const core = app.core(cmd);
      const list = o.for ? core.reports.listFor(parseId(o.for, '--for')) : core.reports.list();
      app.print(cmd, list, () =>
        list.length
          ? table(
              list.map((d) => ({
                id: d.id,
                name: d.name,
                dataset: d.dataset,
                columns: d.columns.join(','),
                shared: d.audience.kind === 'all' ? 'all' : d.audience.accountIds.join(','),
              })),
              ['id', 'name', 'dataset', 'columns', 'shared'],
            )
          : 'No reports defined.\n',
      );
    });

  report
    .command('show')
    .description('show a report definition')
    .argument('<id>', 'report id')
    .action((id: string, _o: unknown, cmd: Command) => {
      const d = app.core(cmd).reports.get(parseId(id, 'id'));
      app.print(cmd, d, () => definitionText(d));
    });

  report
    .command('run')
    .description('run a report as an account sees it')
    .argument('<id>', 'report id')
    .requiredOption('--as <account>', 'the account to run it as (their rows, their columns)')
    .option('--from <date>', 'YYYY-MM-DD (with --to; default: the report’s default range)')
    .option('--to <date>', 'YYYY-MM-DD')
    .option('--timezone <tz>', 'cut days in this time zone instead of the report’s')
    .option('--param <filter>', 'run-time filter, e.g. country=DE,FR (repeatable)', collect, [])
    .option('--format <format>', 'table, json or csv', 'table')
    .option('--limit <n>', 'at most this many rows')
    .action(
      (
        id: string,
        o: {
          as: string;
          from?: string;
          to?: string;
          timezone?: string;
          param: string[];
          format: string;
          limit?: string;
        },
        cmd: Command,
      ) => {
        if (!['table', 'json', 'csv'].includes(o.format))
          throw invalid('invalid_format', `--format "${o.format}" must be table, json or csv.`);
        const params: Record<string, string[]> = {};
        for (const p of o.param) {
          const f = parseFilter(p);
          if (f.op !== 'in') throw invalid('invalid_param', `--param "${p}" must be FIELD=V1,V2.`);
          params[f.field] = f.values;
        }
        const result = app.core(cmd).reports.run({
          reportId: parseId(id, 'id'),
          accountId: parseId(o.as, '--as'),
          ...(o.from !== undefined && { from: o.from }),
          ...(o.to !== undefined && { to: o.to }),
          ...(o.timezone !== undefined && { timezone: o.timezone }),
          params,
          ...(o.limit !== undefined && { limit: parseId(o.limit, '--limit') }),
        });
        if (o.format === 'csv') app.io.stdout(reportToCsv(result));
        else if (o.format === 'json' || app.globals(cmd).json)
          app.io.stdout(`${JSON.stringify(presentReport(result), null, 2)}\n`);
        else app.io.stdout(resultText(result));
      },
    );
}
