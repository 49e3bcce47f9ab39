import { CLI } from '../../../shared/cli-name.ts';
import type { Command } from 'commander';
import { invalid } from '../../../shared/errors.ts';
import { DEMO_SCALES, type DemoScale } from '../../services/demo-data.ts';
import { IMPORT_DATASETS, type ImportDataset } from '../../services/imports.ts';
import { formatTime, table } from '../format.ts';
import { collect, parseId } from '../options.ts';
import type { CliApp } from '../program.ts';

export function registerDataCommands(program: Command, app: CliApp): void {
  program
    .command('import')
    .description('import clicks, conversions or leads from a CSV file')
    .argument('<dataset>', IMPORT_DATASETS.join(', '))
    .argument('<file>', 'CSV with a header line')
    .option(
      '--mode <mode>',
      'all-or-nothing (any bad row: nothing imported) or skip-invalid',
      'all-or-nothing',
    )
    .option(
      '--upsert',
      "a row already stored takes the file's status and amounts (default: it is rejected)",
    )
    .option('--rejects <path>', 'where rejected rows are written (default FILE.rejects.csv)')
    .option(
      '--map <field=header>',
      'read a field from a differently named column (repeatable)',
      collect,
      [],
    )
    .option('--timezone <tz>', 'time zone of times written without an offset', 'UTC')
    .action(
      async (
        dataset: string,
        file: string,
        o: { mode: string; upsert?: boolean; rejects?: string; map: string[]; timezone: string },
        cmd: Command,
      ) => {
        if (!(IMPORT_DATASETS as readonly string[]).includes(dataset)) {
          throw invalid(
            'unknown_dataset',
            `"${dataset}" is not importable; choose ${IMPORT_DATASETS.join(', ')}.`,
          );
        }
        if (o.mode !== 'all-or-nothing' && o.mode !== 'skip-invalid')
          throw invalid('invalid_mode', `--mode must be all-or-nothing or skip-invalid.`);
        const mapping: Record<string, string> = {};
        for (const m of o.map) {
          const eq = m.indexOf('=');
          if (eq < 1) throw invalid('invalid_map', `--map "${m}" must be FIELD=HEADER.`);
          mapping[m.slice(0, eq)] = m.slice(eq + 1);
        }
        const progress = !app.globals(cmd).json && process.stderr.isTTY;
        const r = await app.core(cmd).importCsv({
          dataset: dataset as ImportDataset,
          file,
          mode: o.mode,
          writes: o.upsert ? 'upsert' : 'insert-only',
          mapping,
          timezone: o.timezone,
          ...(o.rejects !== undefined && { rejectsFile: o.rejects }),
          ...(progress && {
            onProgress: (n: number) =>
              process.stderr.write(`\r${n.toLocaleString('en-US')} rows read`),
          }),
        });
        if (progress) process.stderr.write('\n');
        app.print(cmd, r, () => {
          const lines = [`Read ${r.rowsRead} rows from ${file}.`];
          if (r.committed)
            lines.push(
              `Imported ${r.imported} ${dataset}${r.writes === 'upsert' ? ` (${r.created} new, ${r.updated} updated, ${r.unchanged} unchanged)` : ''}${r.rejected ? `; ${r.rejected} rows rejected` : ''}.`,
            );
          else
            lines.push(
              `Nothing imported: ${r.rejected} rows were rejected and --mode is all-or-nothing.`,
            );
          if (r.rejectsFile) lines.push(`Each rejected row and why: ${r.rejectsFile}`);
          if (r.ignoredColumns.length)
            lines.push(`Columns not used: ${r.ignoredColumns.join(', ')}`);
          return `${lines.join('\n')}\n`;
        });
        if (r.rejected > 0) app.exitWith(1);
      },
    );

  program
    .command('demo-data')
    .description('fill an empty store with a believable demo network')
    .option(
      '--scale <scale>',
      'small (seconds), medium (~1M events) or large (~10M events)',
      'small',
    )
    .option('--seed <n>', 'the same seed gives the same network', '1')
    .action(async (o: { scale: string; seed: string }, cmd: Command) => {
      if (!(o.scale in DEMO_SCALES))
        throw invalid('invalid_scale', `--scale must be small, medium or large, not "${o.scale}".`);
      const seed = parseId(o.seed, '--seed');
      const progress = !app.globals(cmd).json && process.stderr.isTTY;
      const s = await app.core(cmd).demoData({
        scale: o.scale as DemoScale,
        seed,
        ...(progress && {
          onProgress: (n: number, total: number) =>
            process.stderr.write(
              `\r${Math.min(100, Math.round((n * 100) / total))}% of ~${total.toLocaleString('en-US')} events`,
            ),
        }),
      });
      if (progress) process.stderr.write('\n');
      app.print(
        cmd,
        s,
        () =>
          `Demo network (${s.scale}, seed ${s.seed}) from ${s.from} to ${s.to}: ${s.partners} partners, ${s.employees} employees, ${s.offers} offers,\n` +
          `${s.clicks.toLocaleString('en-US')} clicks, ${s.conversions.toLocaleString('en-US')} conversions, ${s.leads.toLocaleString('en-US')} leads, ${s.reports} reports.\n` +
          `Demo keys (whitelisted for this machine; reveal with \`${CLI} key reveal ID\`):\n` +
          table(s.keys, ['id', 'account', 'label']),
      );
    });

  program
    .command('audit')
    .description('the audit log of admin changes, newest first')
    .option('--search <text>', 'match action, actor or changed values')
    .option('--limit <n>', 'how many entries', '50')
    .action((o: { search?: string; limit: string }, cmd: Command) => {
      const list = app
        .core(cmd)
        .audit.list({ ...(o.search && { search: o.search }), limit: parseId(o.limit, '--limit') });
      app.print(cmd, list, () =>
        list.length
          ? table(
              list.map((e) => ({
                id: e.id,
                at: formatTime(e.at),
                actor: e.actor,
                what: e.summary,
              })),
              ['id', 'at', 'actor', 'what'],
            )
          : 'No audit entries.\n',
      );
    });
}
