import {
  Button,
  Checkbox,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import { DAY, HOUR, MINUTE, SECOND } from '../../../../shared/durations.ts';
import { SCOPE_LABELS, SCOPES, type Scope } from '../../../../shared/scopes.ts';
import {
  keyIssueInput,
  keyUpdateInput,
  type Account,
  type ApiKey,
  type KeyIssueInput,
  type KeyUpdateInput,
} from '../../../../shared/schemas.ts';
import { useForm } from '../../lib/form-check.ts';
import { notify } from '../../lib/notify.ts';
import { useAccounts } from '../../stores/accounts.ts';
import { useKeys } from '../../stores/keys.ts';
import { useSettings } from '../../stores/settings.ts';
import { plural } from '../../../../shared/words.ts';

const WINDOWS = [
  { value: String(SECOND), label: 'per second' },
  { value: String(MINUTE), label: 'per minute' },
  { value: String(HOUR), label: 'per hour' },
  { value: String(DAY), label: 'per day' },
];

interface Fields {
  label: string;
  scopes: Scope[];
  rate: number | string;
  windowMs: number;
  queryAuth: boolean;
  mcp: boolean;
}

/** What a key may be used for, shared by the issue and edit forms. */
function KeyFields({
  account,
  f,
  set,
  errors,
}: {
  account: Account | undefined;
  f: Fields;
  set: (patch: Partial<Fields>) => void;
  errors: Record<string, string>;
}) {
  const leadsWithout = account?.kind === 'affiliate' && f.scopes.includes('leads:read');
  return (
    <>
      <TextInput
        label="Label"
        description="What the key is for: one key per integration"
        placeholder="BI warehouse"
        required
        value={f.label}
        maxLength={120}
        onChange={(e) => set({ label: e.currentTarget.value })}
        error={errors.label}
        data-testid="key-label"
        data-autofocus
      />
      <Checkbox.Group
        label="Permissions"
        value={f.scopes}
        onChange={(v) => set({ scopes: v })}
        error={errors.scopes}
        required
      >
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
      {leadsWithout && (
        <Text size="xs" c="orange" data-testid="leads-hint">
          Leads are recorded for introducing brokers. {account.name} is an affiliate, so{' '}
          <code>/leads</code> will answer with no rows for this key.
        </Text>
      )}
      <Group grow align="flex-start">
        <NumberInput
          label="Rate limit"
          min={1}
          max={1_000_000}
          allowDecimal={false}
          value={f.rate}
          onChange={(v) => set({ rate: v })}
          error={errors['rateLimit.count'] ?? errors.rateLimit}
          data-testid="key-rate"
          aria-label={`Requests ${WINDOWS.find((w) => w.value === String(f.windowMs))?.label ?? ''}`}
        />
        <Select
          label="Requests"
          data={WINDOWS}
          value={String(f.windowMs)}
          onChange={(v) => v && set({ windowMs: Number(v) })}
          allowDeselect={false}
          data-testid="key-rate-window"
        />
      </Group>
      <Checkbox
        label="Allow the key in the URL (?api_key=), for spreadsheets that cannot send headers"
        description="A key in a URL can end up in logs and browser history; allow it only where headers are impossible."
        checked={f.queryAuth}
        onChange={(e) => set({ queryAuth: e.currentTarget.checked })}
        data-testid="key-query-auth"
      />
      <Checkbox
        label="Allow AI assistants (MCP) to use the key"
        description="The partner's assistant (Claude, Cursor, VS Code…) reads the same data with the same rules through the listener's /mcp."
        checked={f.mcp}
        onChange={(e) => set({ mcp: e.currentTarget.checked })}
        data-testid="key-mcp"
      />
    </>
  );
}

const rateCount = (r: number | string) => (typeof r === 'number' ? r : Number.NaN);

/** A new key for an account, starting from the defaults in Settings. */
export function IssueKeyForm({ account, onDone }: { account: Account; onDone: () => void }) {
  const issue = useKeys((s) => s.issue);
  const defaults = useSettings((s) => s.settings?.keys);
  const [f, setF] = useState<Fields>(() => ({
    label: '',
    scopes: ['reports:read'],
    rate: defaults?.defaultRateLimit.count ?? 100,
    windowMs: defaults?.defaultRateLimit.windowMs ?? MINUTE,
    queryAuth: false,
    mcp: defaults?.mcpByDefault ?? true,
  }));
  const [expiry, setExpiry] = useState(String(defaults?.defaultExpiryDays ?? 90));
  const expiryChoices = [
    { value: '30', label: 'In 30 days' },
    { value: '90', label: 'In 90 days' },
    { value: '180', label: 'In 180 days' },
    { value: '365', label: 'In a year' },
  ];
  if (!expiryChoices.some((c) => c.value === expiry) && expiry !== 'never')
    expiryChoices.unshift({ value: expiry, label: `In ${plural(Number(expiry), 'day')}` });
  const input: KeyIssueInput = {
    accountId: account.id,
    label: f.label,
    scopes: f.scopes,
    rateLimit: { count: rateCount(f.rate), windowMs: f.windowMs },
    allowQueryAuth: f.queryAuth,
    allowMcp: f.mcp && f.scopes.some((s) => s.endsWith(':read')),
  };
  // The expiry is a choice from a list: it is counted from the moment of sending.
  const form = useForm(keyIssueInput, input, {
    failTitle: 'Key not issued',
    send: () =>
      issue({
        ...input,
        expiresAt: expiry === 'never' ? 'never' : Date.now() + Number(expiry) * DAY,
      }).then(onDone),
  });
  const { errors } = form;
  return (
    <form {...form.props}>
      <Stack gap="sm">
        <KeyFields account={account} f={f} set={(p) => setF({ ...f, ...p })} errors={errors} />
        <Select
          label="Expires"
          value={expiry}
          onChange={(v) => v && setExpiry(v)}
          allowDeselect={false}
          data={[...expiryChoices, { value: 'never', label: 'Never (not recommended)' }]}
        />
        <Group justify="flex-end">
          <Button type="submit" loading={form.busy} data-testid="issue-submit">
            Issue key
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Only what the user changed on the key shown. */
function changesOf(k: ApiKey, f: Fields): KeyUpdateInput {
  const out: KeyUpdateInput = { id: k.id };
  if (f.label !== k.label) out.label = f.label;
  if ([...f.scopes].sort().join() !== [...k.scopes].sort().join()) out.scopes = f.scopes;
  if (rateCount(f.rate) !== k.rateLimit.count || f.windowMs !== k.rateLimit.windowMs)
    out.rateLimit = { count: rateCount(f.rate), windowMs: f.windowMs };
  if (f.queryAuth !== k.allowQueryAuth) out.allowQueryAuth = f.queryAuth;
  if (f.mcp !== k.allowMcp) out.allowMcp = f.mcp;
  return out;
}

/** A key's label, permissions, rate limit and URL permission, changed after issue. */
export function EditKeyDialog({ k, onClose }: { k: ApiKey; onClose: () => void }) {
  const update = useKeys((s) => s.update);
  const account = useAccounts((s) => s.accounts.find((a) => a.id === k.accountId));
  const initial = useMemo<Fields>(
    () => ({
      label: k.label,
      scopes: k.scopes,
      rate: k.rateLimit.count,
      windowMs: k.rateLimit.windowMs,
      queryAuth: k.allowQueryAuth,
      mcp: k.allowMcp,
    }),
    [k],
  );
  const [f, setF] = useState<Fields>(initial);
  const changes = changesOf(k, f);
  const changed = Object.keys(changes).length > 1;
  const form = useForm(keyUpdateInput, changes, {
    failTitle: 'Key not updated',
    send: () =>
      changed
        ? update(changes).then(
            () => (notify.ok('Key updated', `${f.label} (#${k.id}): in effect at once`), onClose()),
          )
        : null,
  });
  const { errors } = form;
  return (
    <Modal opened onClose={onClose} title={`Edit “${k.label}”`} size="lg">
      <form {...form.props} data-testid="edit-key-form">
        <Stack gap="sm">
          <KeyFields account={account} f={f} set={(p) => setF({ ...f, ...p })} errors={errors} />
          <Text size="xs" c="dimmed">
            The key itself, its expiry and its whitelist stay as they are. Changes apply to the next
            call.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              loading={form.busy}
              disabled={!changed}
              data-testid="edit-key-save"
            >
              Save changes
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
