/**
 * `partnergate` command line. Every command opens the same core the desktop app and the
 * headless server use, prints a table for people or JSON with `--json`, and exits 0 when done,
 * 1 when the command was understood but could not be carried out, 2 when the command or one of
 * its values was wrong.
 */
import { Command, CommanderError } from 'commander';
import { userInfo } from 'node:os';
import { isPartnergateError, PartnergateError } from '../../shared/errors.ts';
import { ADMIN_METHODS, type AdminApi, type AdminMethod } from '../../shared/admin-contract.ts';
import { openCore, type Core } from '../core.ts';
import { resolveDataDir } from '../data-dir.ts';
import type { ListenerController } from '../api/listener-controller.ts';
import type { SettingsStore } from '../settings-store.ts';
import { registerAccountCommands } from './commands/accounts.ts';
import { registerKeyCommands } from './commands/keys.ts';
import { registerWhitelistCommands } from './commands/whitelist.ts';
import { registerReportCommands } from './commands/reports.ts';
import { registerDataCommands } from './commands/data.ts';
import { registerSourceCommands } from './commands/sources.ts';
import { registerUserCommands } from './commands/users.ts';
import { registerSettingsCommands } from './commands/settings.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerDoctorCommand } from './commands/doctor.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Fixed clock for tests. */
  now?: () => number;
  /**
   * The settings of a data directory (default: settings.json through conf); the desktop app
   * passes its own store, so its command line and its window share one.
   */
  openSettings?: (dataDir: string) => SettingsStore;
}

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE };

export interface GlobalOptions {
  dataDir?: string;
  json?: boolean;
  /** A team server's admin address: commands that can run there do, as the token's person. */
  server?: string;
  token?: string;
  ca?: string;
}

/** What every command gets: output helpers and the core, opened on first use and closed after. */
export interface CliApp {
  io: CliIo;
  globals(cmd: Command): GlobalOptions;
  core(cmd: Command): Core;
  /**
   * The admin contract: this machine's store through the admin dispatcher, or with `--server`
   * a team server's, as the person whose access token is given.
   */
  admin(cmd: Command): Promise<AdminApi>;
  /** Prints a result: JSON with `--json`, else the human text. */
  print(cmd: Command, value: unknown, human: () => string): void;
  note(text: string): void;
  /** Ends with this exit code once the command finishes (e.g. 1 for "address refused"). */
  exitWith(code: number): void;
}

function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** The command groups, by the first words of their commands, in the order help lists them. */
const GROUPS: readonly {
  words: readonly string[];
  register: (program: Command, app: CliApp) => void;
}[] = [
  { words: ['partner', 'offer'], register: registerAccountCommands },
  { words: ['key'], register: registerKeyCommands },
  { words: ['whitelist'], register: registerWhitelistCommands },
  { words: ['report'], register: registerReportCommands },
  { words: ['import', 'demo-data', 'audit'], register: registerDataCommands },
  { words: ['source'], register: registerSourceCommands },
  { words: ['user'], register: registerUserCommands },
  { words: ['settings'], register: registerSettingsCommands },
  { words: ['serve'], register: registerServeCommand },
  { words: ['doctor'], register: registerDoctorCommand },
];

/** Global options that take a value (`--data-dir DIR`). */
const GLOBAL_VALUES = new Set(['--data-dir', '--server', '--token', '--ca']);

/**
 * The group a call's command belongs to, when that is all it needs: its first word names one
 * and no help is asked for (help and a mistyped command's suggestions need every command).
 */
function groupOf(argv: readonly string[]): (typeof GROUPS)[number] | undefined {
  if (argv.some((a) => a === '-h' || a === '--help')) return undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (GLOBAL_VALUES.has(a)) i++;
    else if (a === '--') return undefined;
    else if (!a.startsWith('-')) return GROUPS.find((g) => g.words.includes(a));
  }
  return undefined;
}

/**
 * The program for `argv`: only the command group it calls is set up (setting up all of them
 * took a twentieth of a call's time), or every group when it calls none or asks for help.
 */
export function buildProgram(
  io: CliIo,
  argv?: readonly string[],
): {
  program: Command;
  app: CliApp;
  close: () => void;
  exitCode: () => number;
  /** Explains a failure with the store the command opened, if it opened one. */
  explainError: (e: unknown) => unknown;
} {
  let core: Core | undefined;
  let admin: AdminApi | undefined;
  let exitCode = EXIT_OK;
  const program = new Command('partnergate')
    .description(
      'Issue partner API keys, whitelist their addresses, define their reports and serve them.',
    )
    .option(
      '--data-dir <dir>',
      'where the database lives (default: PARTNERGATE_DATA_DIR, else the per-user app-data folder)',
    )
    .option('--json', 'print machine-readable JSON')
    .option(
      '--server <url>',
      'work on a team server (its admin UI address) instead of this machine’s store',
    )
    .option(
      '--token <token>',
      'your access token for --server (better: the PARTNERGATE_TOKEN environment variable)',
    )
    .option('--ca <file>', 'trust this CA certificate for --server (default: PARTNERGATE_CA)')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });

  const app: CliApp = {
    io,
    globals: (cmd) => cmd.optsWithGlobals<GlobalOptions>(),
    core(cmd) {
      if (app.globals(cmd).server !== undefined)
        throw new PartnergateError(
          'invalid',
          'local_only',
          `\`${cmd.parent?.name() === 'partnergate' ? '' : `${cmd.parent?.name()} `}${cmd.name()}\` works on this machine's store only; against a team server use the admin UI, or \`call METHOD JSON\` with --server.`,
        );
      if (!core) {
        const { dir } = resolveDataDir(app.globals(cmd).dataDir, io.env);
        core = openCore({
          dataDir: dir,
          actor: actor(),
          ...(io.now && { now: io.now }),
          ...(io.openSettings && { settings: io.openSettings(dir) }),
        });
      }
      return core;
    },
    async admin(cmd) {
      const g = app.globals(cmd);
      if (g.server !== undefined) {
        const { remoteAdmin } = await import('./admin-client.ts');
        return remoteAdmin({
          server: g.server,
          token: g.token ?? io.env.PARTNERGATE_TOKEN,
          caFile: g.ca ?? io.env.PARTNERGATE_CA,
        });
      }
      if (!admin) {
        const [{ localAdmin }, { createAdminDispatch }] = await Promise.all([
          import('./admin-client.ts'),
          import('../admin/handlers.ts'),
        ]);
        const c = app.core(cmd);
        // The HTTP stack loads only for the calls that drive the listener.
        let controller: ListenerController | undefined;
        const listener = async () =>
          (controller ??= new (await import('../api/listener-controller.ts')).ListenerController(
            c,
          ));
        admin = localAdmin(createAdminDispatch(c, listener), { actor: actor() });
      }
      return admin;
    },
    print(cmd, value, human) {
      io.stdout(app.globals(cmd).json ? `${JSON.stringify(value, null, 2)}\n` : human());
    },
    note: (text) => io.stderr(`${text}\n`),
    exitWith: (code) => {
      exitCode = code;
    },
  };

  const called = argv && groupOf(argv);
  for (const g of called ? [called] : GROUPS) g.register(program, app);

  program
    .command('call')
    .description(
      'make one admin-contract call (what the admin UI does), here or with --server on a team server',
    )
    .argument('<method>', 'e.g. listAccounts, issueKey, listKeys')
    .argument('[input]', 'its input as JSON', '{}')
    .action(async (method: string, input: string, _o: unknown, cmd: Command) => {
      if (!(ADMIN_METHODS as readonly string[]).includes(method))
        throw new PartnergateError(
          'invalid',
          'unknown_method',
          `There is no admin call ${method}; they are: ${ADMIN_METHODS.join(', ')}.`,
        );
      let parsed: unknown;
      try {
        parsed = JSON.parse(input);
      } catch {
        throw new PartnergateError(
          'invalid',
          'invalid_json',
          `The input of ${method} is not JSON: ${input.slice(0, 80)}`,
        );
      }
      const api = await app.admin(cmd);
      const result = await (api[method as AdminMethod] as (i: unknown) => Promise<unknown>)(parsed);
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    });

  return {
    program,
    app,
    close: () => core?.close(),
    exitCode: () => exitCode,
    explainError: (e) => (core ? core.explainError(e) : e),
  };
}

function errorJson(e: PartnergateError) {
  return { error: { code: e.code, message: e.message, details: e.details } };
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { program, close, exitCode, explainError } = buildProgram(io, argv);
  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode();
  } catch (raw) {
    const e = explainError(raw);
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.exitCode === 0
      )
        return EXIT_OK;
      if (e.code === 'commander.help') return EXIT_USAGE; // help shown because a command was missing
      return EXIT_USAGE; // commander already printed what was wrong
    }
    if (isPartnergateError(e)) {
      if (json) io.stderr(`${JSON.stringify(errorJson(e), null, 2)}\n`);
      else {
        io.stderr(`partnergate: ${e.message}\n`);
        const extra = e.details.filter((d) => !e.message.includes(d.message));
        for (const d of extra) io.stderr(`  - ${d.field ? `${d.field}: ` : ''}${d.message}\n`);
      }
      return e.kind === 'invalid' ? EXIT_USAGE : EXIT_FAILURE;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(
      json
        ? `${JSON.stringify({ error: { code: 'internal_error', message } })}\n`
        : `partnergate: unexpected error: ${message}\n`,
    );
    return EXIT_FAILURE;
  } finally {
    close();
  }
}
