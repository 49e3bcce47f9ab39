import { useShallow } from 'zustand/react/shallow';
import {
  Alert,
  Button,
  Group,
  NumberInput,
  Paper,
  Radio,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import type { Settings } from '../../../../shared/settings.ts';
import { notify } from '../../lib/notify.ts';
import { Confirm } from '../../components/Confirm.tsx';
import { useListener } from '../../stores/listener.ts';
import { useSettings } from '../../stores/settings.ts';

const WINDOWS = [
  { value: '1000', label: 'per second' },
  { value: '60000', label: 'per minute' },
  { value: '3600000', label: 'per hour' },
  { value: '86400000', label: 'per day' },
];

/** Says what was saved, or why it was not. */
function report(what: string, change: Promise<unknown>): void {
  change.then(
    () => notify.ok('Saved', what),
    (err: unknown) => notify.error('Not saved', err),
  );
}

/** Default expiry and rate limit for new keys, saved together. */
function KeyDefaults({ settings }: { settings: Settings }) {
  const update = useSettings((s) => s.update);
  const [days, setDays] = useState(settings.keys.defaultExpiryDays);
  const [count, setCount] = useState(settings.keys.defaultRateLimit.count);
  const [windowMs, setWindowMs] = useState(String(settings.keys.defaultRateLimit.windowMs));
  const known = WINDOWS.some((w) => w.value === windowMs);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        report(
          'Defaults for new keys',
          update({
            defaultExpiryDays: days,
            defaultRateLimit: { count, windowMs: Number(windowMs) },
          }),
        );
      }}
    >
      <Group align="flex-end" gap="sm">
        <NumberInput
          label="Expires after (days)"
          min={1}
          max={3650}
          value={days}
          onChange={(v) => setDays(Number(v) || 1)}
          w={170}
          data-testid="settings-expiry-days"
        />
        <NumberInput
          label="Rate limit (requests)"
          min={1}
          max={1_000_000}
          value={count}
          onChange={(v) => setCount(Number(v) || 1)}
          w={170}
          data-testid="settings-rate-count"
        />
        <Select
          label="Window"
          value={windowMs}
          onChange={(v) => v && setWindowMs(v)}
          allowDeselect={false}
          data={
            known
              ? WINDOWS
              : [...WINDOWS, { value: windowMs, label: `per ${Number(windowMs) / 1000} s` }]
          }
          w={150}
          data-testid="settings-rate-window"
        />
        <Button type="submit" variant="default" data-testid="settings-save-defaults">
          Save defaults
        </Button>
      </Group>
    </form>
  );
}

function SecretSettings({ settings }: { settings: Settings }) {
  const { storage, update } = useSettings(
    useShallow((s) => ({ storage: s.storage, update: s.update })),
  );
  const [confirmShowOnce, setConfirmShowOnce] = useState(false);
  const policy = settings.keys.secretPolicy;
  return (
    <Stack gap="sm">
      {storage && policy === 'show-once' && (
        <Alert color="gray" variant="light" title="No copies are kept" data-testid="secret-storage">
          Each key is shown once, when it is issued. Choose to keep copies below to re-show keys
          later.
        </Alert>
      )}
      {storage && policy === 'reshow' && (
        <Alert
          color={!storage.retains ? 'orange' : storage.weak ? 'yellow' : 'teal'}
          variant="light"
          title={
            !storage.retains
              ? 'Keys are shown once on this computer'
              : storage.weak
                ? 'Copies are weakly protected'
                : 'Copies are protected'
          }
          data-testid="secret-storage"
        >
          {storage.description}
        </Alert>
      )}
      <Radio.Group
        label="After a key is issued"
        value={policy}
        onChange={(v) => {
          if (v === 'show-once') setConfirmShowOnce(true);
          else report('Secret policy', update({ secretPolicy: 'reshow' }));
        }}
      >
        <Stack gap={6} mt={6}>
          <Radio
            value="reshow"
            label="Keep an encrypted copy, so the key can be shown again"
            data-testid="policy-reshow"
          />
          <Radio
            value="show-once"
            label="Show each key once; a lost key is rotated"
            data-testid="policy-show-once"
          />
        </Stack>
      </Radio.Group>
      <Switch
        label="New keys may be used by AI assistants (MCP)"
        description="The default for keys that read; the issuer can change it per key."
        checked={settings.keys.mcpByDefault}
        onChange={(e) => report('AI assistants', update({ mcpByDefault: e.currentTarget.checked }))}
        data-testid="mcp-by-default"
      />
      {storage?.canOptIn && (
        <Switch
          label="Keep copies even without a keyring (protected by a fixed password only)"
          description="Anyone who can read this computer's files could then read the kept keys."
          checked={settings.keys.allowWeakKeychain}
          onChange={(e) =>
            report('Keyring fallback', update({ allowWeakKeychain: e.currentTarget.checked }))
          }
          data-testid="allow-weak-keychain"
        />
      )}
      <Confirm
        opened={confirmShowOnce}
        title="Show keys once from now on?"
        confirmLabel="Drop kept copies"
        danger
        onClose={() => setConfirmShowOnce(false)}
        onConfirm={() => {
          setConfirmShowOnce(false);
          report('Secret policy', update({ secretPolicy: 'show-once' }));
        }}
      >
        Every kept copy of an issued key is deleted now; keys already handed out keep working, but
        cannot be shown again.
      </Confirm>
    </Stack>
  );
}

export function SettingsPage() {
  const { settings, load, update, setStartOnLaunch } = useSettings(
    useShallow((s) => ({
      settings: s.settings,
      load: s.load,
      update: s.update,
      setStartOnLaunch: s.setStartOnLaunch,
    })),
  );
  const listener = useListener((s) => s.status);
  const loadListener = useListener((s) => s.load);
  useEffect(() => {
    load().catch((e: unknown) => notify.error('Settings not loaded', e));
    loadListener().catch((e: unknown) => notify.error('Listener status not loaded', e));
  }, [load, loadListener]);
  if (!settings) return null;
  // What runs now, not only what was saved (a port given to `serve`, or 0 for any free one).
  const saved = `${settings.listener.host}:${settings.listener.port || 'any free port'}`;
  const where = !listener
    ? `Saved address ${saved}`
    : listener.running
      ? `Listening now on ${listener.host}:${listener.port}`
      : `Stopped now; it starts on ${listener.host}:${listener.port || 'any free port'}`;
  return (
    <Stack gap="md" maw={860} data-testid="settings-page">
      <Title order={2}>Settings</Title>
      <Paper withBorder p="md">
        <Title order={4} mb="sm">
          Appearance
        </Title>
        <SegmentedControl
          value={settings.theme}
          onChange={(v) =>
            void update({ theme: v }).catch((err: unknown) => notify.error('Not saved', err))
          }
          data={[
            { value: 'system', label: 'As the system' },
            { value: 'light', label: 'Light' },
            { value: 'dark', label: 'Dark' },
          ]}
          data-testid="settings-theme"
        />
      </Paper>
      <Paper withBorder p="md">
        <Title order={4}>New keys</Title>
        <Text size="sm" c="dimmed" mb="sm">
          What the issue form starts with; each key can still be given its own.
        </Text>
        <KeyDefaults
          key={`${settings.keys.defaultExpiryDays}/${settings.keys.defaultRateLimit.count}/${settings.keys.defaultRateLimit.windowMs}`}
          settings={settings}
        />
      </Paper>
      <Paper withBorder p="md">
        <Title order={4} mb="sm">
          Key secrets
        </Title>
        <SecretSettings settings={settings} />
      </Paper>
      <Paper withBorder p="md">
        <Title order={4} mb="sm">
          Partner API listener
        </Title>
        <Switch
          label="Start the partner API when Partnergate starts"
          description={`${where}. The address is changed on the Listener page.`}
          checked={settings.listener.startOnLaunch}
          onChange={(e) => report('Listener start', setStartOnLaunch(e.currentTarget.checked))}
          data-testid="settings-start-on-launch"
        />
      </Paper>
    </Stack>
  );
}
