import { Button, Checkbox, Group, NumberInput, Select, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { formatRateLimit } from '../../../../shared/durations.ts';
import { SCOPE_LABELS, SCOPES, type Scope } from '../../../../shared/scopes.ts';
import type { Account } from '../../../../shared/schemas.ts';
import { notify } from '../../lib/notify.ts';
import { useKeys } from '../../stores/keys.ts';
import { useSettings } from '../../stores/settings.ts';

const DAY = 86_400_000;

/** A new key for an account, starting from the defaults in Settings. */
export function IssueKeyForm({ account, onDone }: { account: Account; onDone: () => void }) {
  const issue = useKeys((s) => s.issue);
  const [label, setLabel] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['reports:read']);
  // The form starts from the defaults in Settings.
  const defaults = useSettings((s) => s.settings?.keys);
  const [expiry, setExpiry] = useState(String(defaults?.defaultExpiryDays ?? 90));
  const [rate, setRate] = useState(defaults?.defaultRateLimit.count ?? 100);
  const windowMs = defaults?.defaultRateLimit.windowMs ?? 60_000;
  const expiryChoices = [
    { value: '30', label: 'In 30 days' },
    { value: '90', label: 'In 90 days' },
    { value: '180', label: 'In 180 days' },
    { value: '365', label: 'In a year' },
  ];
  if (!expiryChoices.some((c) => c.value === expiry) && expiry !== 'never')
    expiryChoices.unshift({ value: expiry, label: `In ${expiry} days` });
  const [queryAuth, setQueryAuth] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        issue({
          accountId: account.id,
          label,
          scopes,
          expiresAt: expiry === 'never' ? 'never' : Date.now() + Number(expiry) * DAY,
          rateLimit: { count: rate, windowMs },
          allowQueryAuth: queryAuth,
        })
          .then(onDone, (err: unknown) => notify.error('Key not issued', err))
          .finally(() => setBusy(false));
      }}
    >
      <Stack gap="sm">
        <TextInput
          label="Label"
          description="What the key is for: one key per integration"
          placeholder="BI warehouse"
          required
          value={label}
          onChange={(e) => setLabel(e.currentTarget.value)}
          data-testid="key-label"
          data-autofocus
        />
        <Checkbox.Group label="Permissions" value={scopes} onChange={(v) => setScopes(v)} required>
          <Stack gap={6} mt={6}>
            {SCOPES.map((s) => (
              <Checkbox
                key={s}
                value={s}
                label={SCOPE_LABELS[s]}
                description={s}
                data-testid={`scope-${s}`}
              />
            ))}
          </Stack>
        </Checkbox.Group>
        <Group grow>
          <Select
            label="Expires"
            value={expiry}
            onChange={(v) => v && setExpiry(v)}
            allowDeselect={false}
            data={[...expiryChoices, { value: 'never', label: 'Never (not recommended)' }]}
          />
          <NumberInput
            label={`Requests per ${formatRateLimit({ count: rate, windowMs }).split('/')[1]}`}
            min={1}
            max={100000}
            value={rate}
            onChange={(v) => setRate(Number(v) || 1)}
          />
        </Group>
        <Checkbox
          label="Allow the key in the URL (?api_key=) for spreadsheets"
          checked={queryAuth}
          onChange={(e) => setQueryAuth(e.currentTarget.checked)}
        />
        <Group justify="flex-end">
          <Button
            type="submit"
            loading={busy}
            disabled={!label.trim() || scopes.length === 0}
            data-testid="issue-submit"
          >
            Issue key
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
