import type { Command } from 'commander';
import { resolveDataDir } from '../../data-dir.ts';
import { runDoctor } from '../../services/doctor.ts';
import { EXIT_FAILURE } from '../exit-codes.ts';
import type { CliApp } from '../program.ts';

export function registerDoctorCommand(program: Command, app: CliApp): void {
  program
    .command('doctor')
    .description(
      'check the data directory: store integrity, references, rollups, logs, master key, settings, disk space',
    )
    .option(
      '--fix',
      'apply the safe fixes: rebuild rollups, empty the write-ahead log, prune the request journal',
    )
    .action(async (o: { fix?: boolean }, cmd: Command) => {
      const { dir } = resolveDataDir(app.globals(cmd).dataDir, app.io.env);
      const report = await runDoctor({
        dataDir: dir,
        fix: o.fix === true,
        env: app.io.env,
        ...(app.io.now && { now: app.io.now }),
      });
      app.print(cmd, report, () => {
        const lines = [`Checking ${dir}`, ''];
        for (const c of report.checks) {
          lines.push(`${c.ok ? 'ok     ' : 'PROBLEM'}  ${c.title}: ${c.detail}`);
          if (c.fixed) lines.push(`         Fixed: ${c.fixed}`);
          if (c.fix) lines.push(`         Fix: ${c.fix}`);
        }
        const problems = report.checks.filter((c) => !c.ok).length;
        lines.push(
          '',
          problems ? `${problems} problem${problems > 1 ? 's' : ''} found.` : 'No problems found.',
        );
        return `${lines.join('\n')}\n`;
      });
      if (!report.ok) app.exitWith(EXIT_FAILURE);
    });
}
