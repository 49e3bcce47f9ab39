/**
 * The desktop app's "Install command-line tool": a small `partnergate` script on the user's
 * PATH that runs the app's own binary as the command line (`<app> --cli …`), so a packaged app
 * needs neither Node nor npm to script keys and partners. Plain functions, unit-tested; main.ts
 * hands them the app's paths and runs the command line when started with `--cli`.
 */
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';

/** The argument that makes the app's binary the command line: `<app> --cli partner list`. */
export const CLI_FLAG = '--cli';

/** Written into the script: an existing file without it is someone else's and stays. */
const MARK = '# Partnergate command-line tool, installed by the Partnergate app.';

/** The command line's arguments when the app was started as the command line, else null. */
export function cliArguments(argv: readonly string[]): string[] | null {
  const at = argv.indexOf(CLI_FLAG);
  return at === -1 ? null : argv.slice(at + 1);
}

export interface CliToolContext {
  platform: NodeJS.Platform;
  /** The app's binary (process.execPath). */
  executable: string;
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Whether this process may write into a folder (default: asks the file system). */
  writable?: (dir: string) => boolean;
}

export interface CliToolPlan {
  /** Where the script goes. */
  file: string;
  /** What it says. */
  content: string;
  /** Whether its folder is on PATH already (else `hint` says how to put it there). */
  onPath: boolean;
  hint: string | null;
}

function canWrite(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** A path as one word in a POSIX shell script, whatever it holds. */
export function shellWord(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Where the script goes and what it says. macOS: /usr/local/bin when it can be written, else
 * ~/.local/bin; Linux: ~/.local/bin. A Linux AppImage runs from a temporary mount, so the
 * script names the AppImage file itself. Windows is not offered one: a Windows GUI program has
 * no console to print to, so the command line there is `npx partnergate` or `npm link`.
 */
export function cliToolPlan(c: CliToolContext): CliToolPlan {
  if (c.platform === 'win32')
    throw new Error(
      'The command-line tool is installed from the app on macOS and Linux. On Windows, run partnergate with Node.js: npx partnergate, or npm link in a clone (see the README).',
    );
  const writable = c.writable ?? canWrite;
  const dir =
    c.platform === 'darwin' && writable('/usr/local/bin')
      ? '/usr/local/bin'
      : join(c.home, '.local', 'bin');
  const executable = c.env.APPIMAGE ?? c.executable;
  const onPath = (c.env.PATH ?? '').split(delimiter).includes(dir);
  return {
    file: join(dir, 'partnergate'),
    content: `#!/bin/sh\n${MARK}\nexec ${shellWord(executable)} ${CLI_FLAG} "$@"\n`,
    onPath,
    hint: onPath
      ? null
      : `${dir} is not on your PATH yet: add  export PATH="${dir}:$PATH"  to your shell's profile (~/.zshrc, ~/.bashrc), then open a new terminal.`,
  };
}

/**
 * Writes the script (executable), replacing an earlier one of Partnergate's; a file there that
 * is not Partnergate's is left alone and named in the error.
 */
export function installCliTool(plan: CliToolPlan): void {
  if (existsSync(plan.file) && !readFileSync(plan.file, 'utf8').includes(MARK))
    throw new Error(
      `${plan.file} already exists and was not installed by Partnergate; it was left as it is. Remove or rename it, then install the command-line tool again.`,
    );
  mkdirSync(join(plan.file, '..'), { recursive: true });
  writeFileSync(plan.file, plan.content, { mode: 0o755 });
  chmodSync(plan.file, 0o755);
}
