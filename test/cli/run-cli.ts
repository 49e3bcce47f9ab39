import { spawnSync } from 'node:child_process';
import { runCli } from '../../main/cli/program.ts';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../main/cli/bin.ts', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json<T = unknown>(): T;
}

/** Runs `partnergate` as a child process, as a user or a script would. */
export function pg(
  dataDir: string,
  args: string[],
  o: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; timeout?: number } = {},
): CliRun {
  const r = spawnSync(
    process.execPath,
    [...(o.nodeArgs ?? []), BIN, '--data-dir', dataDir, ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, ...o.env },
      timeout: o.timeout ?? 60_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return {
    code: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    json: <T>() => JSON.parse(r.stdout) as T,
  };
}

/**
 * Runs `partnergate` in this process through `runCli`, as the binary would (same argument
 * parsing, output and exit code), without the cost of starting Node for each command.
 */
export async function cli(
  dataDir: string,
  args: string[],
  o: { env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--data-dir', dataDir, ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { ...process.env, ...o.env },
  });
  return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}
