import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { invalid } from '../../../shared/errors.ts';
import {
  SOURCE_KIND_NAMES,
  SOURCE_KINDS,
  type Source,
  type SourceDetail,
  type SourceRun,
} from '../../../shared/sources.ts';
import { plural } from '../../../shared/words.ts';
import { formatTime, table } from '../format.ts';
import { collect, parseId } from '../options.ts';
import type { CliApp } from '../program.ts';

interface AddFlags {
  kind: string;
  dataset?: string;
  schedule?: string;
  ids?: string;
  folder?: string;
  settle?: string;
  url?: string;
  format?: string;
  jsonPath?: string;
  auth?: string;
  authName?: string;
  windowDays?: string;
  pageSize?: string;
  timezoneId?: string;
  timezone?: string;
  alertAfter?: string;
  map: string[];
  credentialEnv?: string;
  credentialStdin?: boolean;
}

const int = (text: string | undefined, flag: string) => {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text.trim()))
    throw invalid('invalid_number', `${flag} "${text}" is not a whole number.`, [
      { field: flag, message: 'not a whole number' },
    ]);
  return Number(text);
};

function mappingOf(pairs: string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq < 1) throw invalid('invalid_map', `--map "${p}" must be FIELD=COLUMN.`);
    m[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return m;
}

/** The credential from an environment variable or standard input, never from the command line. */
function credentialOf(o: Pick<AddFlags, 'credentialEnv' | 'credentialStdin'>, app: CliApp) {
  if (o.credentialEnv) {
    const v = app.io.env[o.credentialEnv];
    if (!v)
      throw invalid(
        'credential_missing',
        `The environment variable ${o.credentialEnv} (--credential-env) is not set.`,
      );
    return v.trim();
  }
  if (o.credentialStdin) {
    const v = readFileSync(0, 'utf8').trim();
    if (!v) throw invalid('credential_missing', 'Nothing was read from standard input.');
    return v;
  }
  return undefined;
}

function configOf(o: AddFlags) {
  const windowDays = int(o.windowDays, '--window-days');
  const pageSize = int(o.pageSize, '--page-size');
  if (o.kind === 'folder')
    return { kind: o.kind, folder: o.folder, settleSeconds: int(o.settle, '--settle') };
  if (o.kind === 'url')
    return {
      kind: o.kind,
      url: o.url,
      format: o.format,
      jsonPath: o.jsonPath,
      auth: o.auth,
      authName: o.authName,
      windowDays,
    };
  if (o.kind === 'everflow')
    return {
      kind: o.kind,
      baseUrl: o.url,
      timezoneId: int(o.timezoneId, '--timezone-id'),
      windowDays,
      pageSize,
    };
  if (o.kind === 'tune') return { kind: o.kind, baseUrl: o.url, windowDays, pageSize };
  throw invalid(
    'unknown_source_kind',
    `--kind must be one of ${SOURCE_KINDS.join(', ')}, not "${o.kind}".`,
  );
}

function state(s: Source): string {
  if (s.running) return 'running';
  if (s.pausedReason) return 'stopped';
  if (s.paused) return 'paused';
  if (s.alerting) return 'FAILING';
  if (s.failingSince) return 'retrying';
  return s.lastRun ? 'ok' : 'new';
}

function counts(r: SourceRun): string {
  return [
    r.files ? plural(r.files, 'file') : null,
    `${r.rowsRead} read`,
    `${r.created} new`,
    `${r.updated} updated`,
    `${r.unchanged} unchanged`,
    r.rejected ? `${r.rejected} rejected` : null,
    r.held ? `${r.held} held` : null,
  ]
    .filter(Boolean)
    .join(', ');
}

const runRow = (r: SourceRun) => ({
  id: r.id,
  started: formatTime(r.startedAt),
  trigger: r.trigger,
  state: r.state,
  rows: counts(r),
  error: r.error ? `${r.error.code}: ${r.error.message}` : '',
});

function detailText(d: SourceDetail): string {
  const c = d.config;
  const where =
    c.kind === 'folder'
      ? c.folder
      : c.kind === 'url'
        ? `${c.url} (${c.format}${c.jsonPath ? ` at ${c.jsonPath}` : ''}, auth ${c.auth}${c.authName ? ` ${c.authName}` : ''}, last ${c.windowDays} days)`
        : `${c.baseUrl} (last ${c.windowDays} days, ${c.pageSize} a page)`;
  const lines = [
    `Source      #${d.id} ${d.name}`,
    `Kind        ${SOURCE_KIND_NAMES[d.kind]}, ${d.dataset}, ids: ${d.ids}`,
    `From        ${where}`,
    `Schedule    ${d.schedule} (UTC)${d.nextRunAt ? `, next ${formatTime(d.nextRunAt)}` : ''}`,
    `State       ${state(d)}${d.pausedReason ? `: ${d.pausedReason}` : ''}`,
    `Last sync   ${d.lastSuccessAt ? formatTime(d.lastSuccessAt) : 'never'}`,
    `Credential  ${d.credentialHint ?? 'none'}`,
  ];
  if (Object.keys(d.mapping).length)
    lines.push(
      `Columns     ${Object.entries(d.mapping)
        .map(([f, h]) => `${f}=${h}`)
        .join(', ')}`,
    );
  let text = `${lines.join('\n')}\n`;
  if (d.mappings.length)
    text += `\nMapping\n${table(
      d.mappings.map((m) => ({
        kind: m.kind,
        tracker_id: m.externalId,
        maps_to: `${m.localName} (#${m.localId})`,
      })),
      ['kind', 'tracker_id', 'maps_to'],
    )}`;
  if (d.held.length)
    text += `\nHeld rows (${d.heldRows}): map with \`source map ${d.id} partner|offer TRACKER_ID LOCAL_ID\`\n${table(
      d.held.map((g) => ({
        tracker_partner: g.externalPartner,
        tracker_offer: g.externalOffer,
        rows: g.rows,
        unmapped: g.unmapped.join(' and '),
      })),
      ['tracker_partner', 'tracker_offer', 'rows', 'unmapped'],
    )}`;
  if (d.runs.length)
    text += `\nLast runs\n${table(d.runs.slice(0, 5).map(runRow), ['id', 'started', 'trigger', 'state', 'rows', 'error'])}`;
  return text;
}

export function registerSourceCommands(program: Command, app: CliApp): void {
  const source = program
    .command('source')
    .description(
      'scheduled feeds: a watched folder, a URL, or a tracker (Everflow, TUNE); they run under `serve` and the desktop app',
    );

  source
    .command('add')
    .description('add a source (its credential from --credential-env or --credential-stdin)')
    .argument('<name>', 'what it is called')
    .requiredOption('--kind <kind>', SOURCE_KINDS.join(', '))
    .option('--dataset <dataset>', 'clicks, conversions or leads (trackers: conversions)')
    .option('--schedule <cron>', 'cron expression in UTC (default: every 15 minutes)')
    .option('--ids <mode>', 'partnergate (rows use our ids) or mapped (the tracker’s, mapped)')
    .option('--folder <dir>', 'folder: the folder watched')
    .option('--settle <seconds>', 'folder: read a file once unchanged this long')
    .option('--url <url>', 'url: the document ({from}/{to} = window days); trackers: API address')
    .option('--format <format>', 'url: csv or json')
    .option('--json-path <path>', 'url: where the rows are in the JSON, e.g. data.rows')
    .option('--auth <how>', 'url: none, header or query')
    .option('--auth-name <name>', 'url: the header or query parameter carrying the credential')
    .option('--window-days <n>', 'url and trackers: days pulled on each run')
    .option('--page-size <n>', 'trackers: rows a page')
    .option('--timezone-id <n>', 'everflow: its id of the zone days are read in')
    .option('--timezone <tz>', 'zone of times written without an offset')
    .option('--alert-after <minutes>', 'alert when failing for this long')
    .option('--map <field=column>', 'read a field from this column (repeatable)', collect, [])
    .option('--credential-env <VAR>', 'read the API key or token from this environment variable')
    .option('--credential-stdin', 'read the API key or token from standard input')
    .action(async (name: string, o: AddFlags, cmd: Command) => {
      const s = await app.core(cmd).sources.add({
        name,
        ...(o.dataset !== undefined && { dataset: o.dataset as never }),
        ...(o.schedule !== undefined && { schedule: o.schedule }),
        ...((o.ids !== undefined || o.kind === 'everflow' || o.kind === 'tune') && {
          ids: (o.ids ?? 'mapped') as never,
        }),
        ...(o.timezone !== undefined && { timezone: o.timezone }),
        ...(o.alertAfter !== undefined && {
          alertAfterMinutes: int(o.alertAfter, '--alert-after'),
        }),
        mapping: mappingOf(o.map),
        credential: credentialOf(o, app),
        config: configOf(o) as never,
      });
      app.print(
        cmd,
        s,
        () =>
          `Added source #${s.id} ${s.name} (${SOURCE_KIND_NAMES[s.kind]}, ${s.schedule} UTC). It runs under \`serve\` or the desktop app; \`source run ${s.id}\` runs it now.\n`,
      );
    });

  source
    .command('list')
    .description('every source, how it stands and when it last brought data')
    .action((_o: unknown, cmd: Command) => {
      const list = app.core(cmd).sources.list();
      app.print(cmd, list, () =>
        list.length
          ? table(
              list.map((s) => ({
                id: s.id,
                name: s.name,
                kind: s.kind,
                dataset: s.dataset,
                schedule: s.schedule,
                state: state(s),
                last_sync: s.lastSuccessAt ? formatTime(s.lastSuccessAt) : 'never',
                held: s.heldRows,
              })),
              ['id', 'name', 'kind', 'dataset', 'schedule', 'state', 'last_sync', 'held'],
            )
          : 'No sources.\n',
      );
    });

  source
    .command('show')
    .description('a source with its mapping, held rows and last runs')
    .argument('<id>')
    .action((id: string, _o: unknown, cmd: Command) => {
      const d = app.core(cmd).sources.get(parseId(id, 'id'));
      app.print(cmd, d, () => detailText(d));
    });

  source
    .command('run')
    .description('run a source now and wait for the outcome (exit 1 when it fails)')
    .argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const r = await app.core(cmd).sources.run(parseId(id, 'id'), 'manual');
      app.print(cmd, r, () =>
        r.state === 'ok'
          ? `Run #${r.id} done: ${counts(r)}.${r.rejectsFile ? `\nRejected rows and why: ${r.rejectsFile}` : ''}\n`
          : `Run #${r.id} failed (${r.error?.code}): ${r.error?.message}\nSo far: ${counts(r)}.\n`,
      );
      if (r.state !== 'ok') app.exitWith(1);
    });

  for (const [verb, what] of [
    ['pause', 'stop running a source on its schedule'],
    ['resume', 'run a paused source on its schedule again'],
  ] as const)
    source
      .command(verb)
      .description(what)
      .argument('<id>')
      .action((id: string, _o: unknown, cmd: Command) => {
        const sources = app.core(cmd).sources;
        const s =
          verb === 'pause' ? sources.pause(parseId(id, 'id')) : sources.resume(parseId(id, 'id'));
        app.print(
          cmd,
          s,
          () => `${s.name} is ${s.paused ? 'paused' : `running on ${s.schedule} (UTC)`}.\n`,
        );
      });

  source
    .command('remove')
    .description('remove a source (the rows it brought stay)')
    .argument('<id>')
    .action((id: string, _o: unknown, cmd: Command) => {
      const r = app.core(cmd).sources.remove(parseId(id, 'id'));
      app.print(cmd, r, () => `Removed source #${r.id}; the rows it brought stay.\n`);
    });

  source
    .command('history')
    .description('the runs of a source, newest first')
    .argument('<id>')
    .option('--limit <n>', 'how many runs', '20')
    .action((id: string, o: { limit: string }, cmd: Command) => {
      const runs = app.core(cmd).sources.runs(parseId(id, 'id'), parseId(o.limit, '--limit'));
      app.print(cmd, runs, () =>
        runs.length
          ? table(runs.map(runRow), ['id', 'started', 'trigger', 'state', 'rows', 'error'])
          : 'No runs yet.\n',
      );
    });

  source
    .command('map')
    .description("map a tracker's partner or offer id to ours; the rows held for it import")
    .argument('<id>', 'the source')
    .argument('<kind>', 'partner or offer')
    .argument('<tracker-id>', "the tracker's id")
    .argument('<local-id>', 'the Partnergate partner account or offer')
    .action(
      async (
        id: string,
        kind: string,
        externalId: string,
        localId: string,
        _o: unknown,
        cmd: Command,
      ) => {
        const r = await app.core(cmd).sources.map({
          sourceId: parseId(id, 'id'),
          kind: kind as never,
          externalId,
          localId: parseId(localId, 'local-id'),
        });
        app.print(
          cmd,
          r,
          () =>
            `Tracker ${r.mapping.kind} ${r.mapping.externalId} → ${r.mapping.localName} (#${r.mapping.localId}).\n` +
            (r.released ? `Held rows imported: ${counts(r.released)}.\n` : ''),
        );
      },
    );
}
