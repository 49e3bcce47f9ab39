import type { Command } from 'commander';
import { DAY, formatRateLimit, parseDuration, parseRateLimit } from '../../../shared/durations.ts';
import { invalid } from '../../../shared/errors.ts';
import type { Settings } from '../../../shared/settings.ts';
import type { CliApp } from '../program.ts';

const SETTABLE = [
  'secret-policy',
  'default-expiry',
  'default-rate-limit',
  'mcp-by-default',
  'listener-host',
  'listener-port',
] as const;

function settingsText(s: Settings): string {
  return (
    [
      `secret-policy       ${s.keys.secretPolicy}`,
      `default-expiry      ${s.keys.defaultExpiryDays}d`,
      `default-rate-limit  ${formatRateLimit(s.keys.defaultRateLimit)}`,
      `mcp-by-default      ${s.keys.mcpByDefault ? 'on' : 'off'}`,
      `listener-host       ${s.listener.host}`,
      `listener-port       ${s.listener.port}`,
    ].join('\n') + '\n'
  );
}

export function registerSettingsCommands(program: Command, app: CliApp): void {
  const settings = program
    .command('settings')
    .description('key defaults, secret policy and listener address');
  settings
    .command('show')
    .description('print the settings')
    .action((_o: unknown, cmd: Command) => {
      const s = app.core(cmd).settings.get();
      app.print(cmd, s, () => settingsText(s));
    });
  settings
    .command('set')
    .description(`change one setting: ${SETTABLE.join(', ')}`)
    .argument('<name>', SETTABLE.join(' | '))
    .argument('<value>')
    .action((name: string, value: string, _o: unknown, cmd: Command) => {
      const core = app.core(cmd);
      let note = '';
      switch (name) {
        case 'secret-policy': {
          if (value !== 'reshow' && value !== 'show-once')
            throw invalid('invalid_setting', 'secret-policy is reshow or show-once.');
          const { dropped } = core.settings.setSecretPolicy(value);
          if (dropped) note = `Dropped the kept copies of ${dropped} secrets.\n`;
          break;
        }
        case 'default-expiry': {
          const ms = parseDuration(value, 'default-expiry');
          if (ms % DAY !== 0 || ms < DAY)
            throw invalid('invalid_setting', 'default-expiry is a whole number of days, e.g. 90d.');
          core.settings.update((s) => ({ ...s, keys: { ...s.keys, defaultExpiryDays: ms / DAY } }));
          break;
        }
        case 'default-rate-limit': {
          const rate = parseRateLimit(value, 'default-rate-limit');
          core.settings.update((s) => ({ ...s, keys: { ...s.keys, defaultRateLimit: rate } }));
          break;
        }
        case 'mcp-by-default': {
          if (value !== 'on' && value !== 'off')
            throw invalid(
              'invalid_setting',
              'mcp-by-default is on (new keys that read may be used by AI assistants) or off.',
            );
          core.settings.update((s) => ({
            ...s,
            keys: { ...s.keys, mcpByDefault: value === 'on' },
          }));
          break;
        }
        case 'listener-host':
          core.settings.update((s) => ({ ...s, listener: { ...s.listener, host: value } }));
          break;
        case 'listener-port': {
          if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
            throw invalid('invalid_setting', 'listener-port is a number from 0 to 65535.');
          core.settings.update((s) => ({ ...s, listener: { ...s.listener, port: Number(value) } }));
          break;
        }
        default:
          throw invalid(
            'unknown_setting',
            `"${name}" is not a setting; choose ${SETTABLE.join(', ')}.`,
          );
      }
      const s = core.settings.get();
      app.print(cmd, s, () => note + settingsText(s));
    });
}
