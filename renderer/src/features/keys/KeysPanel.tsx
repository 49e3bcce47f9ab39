import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Menu,
  Modal,
  NumberInput,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { Fragment, useEffect, useState } from 'react';
import { IconDots } from '@tabler/icons-react';
import { formatRateLimit, parseDuration } from '../../../../shared/durations.ts';
import { SCOPE_LABELS, SCOPES, type Scope } from '../../../../shared/scopes.ts';
import type { Account, ApiKey } from '../../../../shared/schemas.ts';
import { Confirm } from '../../components/Confirm.tsx';
import { notify } from '../../app/notify.ts';
import { copyText, download, formatDate, formatTime, relative } from '../../lib/format.ts';
import { WhitelistEditor } from '../whitelist/WhitelistEditor.tsx';
import { ApiPanel } from '../api-panel/ApiPanel.tsx';
import { useSettings } from '../settings/store.ts';
import { keyExportRows, keysCsv, useKeys } from './store.ts';

const DAY = 86_400_000;
const STATUS_COLOR = { active: 'teal', revoked: 'red', expired: 'gray' } as const;

function IssueKeyForm({ account, onDone }: { account: Account; onDone: () => void }) {
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

function SecretOnce() {
  const { issued, dismissIssued } = useKeys();
  return (
    <Modal
      opened={issued !== null}
      onClose={dismissIssued}
      title="Copy the key now"
      size="lg"
      closeOnClickOutside={false}
    >
      {issued && (
        <Stack gap="sm">
          <Alert color="orange" variant="light">
            This is the only time the full key is shown here
            {issued.key.secretRetained
              ? ' (it can be re-shown later from an encrypted copy)'
              : ' (no copy is kept: if it is lost, rotate the key; Settings says why)'}
            . Send it to the partner over a private channel. Then whitelist the addresses it will be
            used from: until then every call is refused.
          </Alert>
          <Code block data-testid="issued-secret" fz="md">
            {issued.secret}
          </Code>
          <Group justify="flex-end">
            <CopyButton value={issued.secret}>
              {({ copied, copy }) => (
                <Button
                  color={copied ? 'teal' : undefined}
                  onClick={copy}
                  data-testid="copy-secret"
                >
                  {copied ? 'Copied' : 'Copy key'}
                </Button>
              )}
            </CopyButton>
            <Button variant="default" onClick={dismissIssued} data-testid="secret-done">
              Done
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

type Action = { kind: 'revoke' | 'extend' | 'rotate'; key: ApiKey } | null;

function KeyActionDialog({ action, onClose }: { action: Action; onClose: () => void }) {
  const { revoke, extend, rotate } = useKeys();
  const [reason, setReason] = useState('');
  const [days, setDays] = useState(90);
  const [grace, setGrace] = useState('24h');
  const [busy, setBusy] = useState(false);
  const [now] = useState(() => Date.now());
  if (!action) return null;
  const k = action.key;
  const run = (p: Promise<unknown>, done: string) => {
    setBusy(true);
    p.then(
      () => (notify.ok(done, `${k.label} (#${k.id})`), onClose()),
      (e: unknown) => notify.error('Not done', e),
    ).finally(() => setBusy(false));
  };
  if (action.kind === 'revoke') {
    return (
      <Confirm
        opened
        title={`Revoke “${k.label}”?`}
        confirmLabel="Revoke key"
        danger
        busy={busy}
        disabled={!reason.trim()}
        onClose={onClose}
        onConfirm={() => run(revoke(k.id, reason), 'Key revoked')}
      >
        Calls with this key will fail at once with <Code>401 key_revoked</Code>. This cannot be
        undone: the partner will need a new key.
        <Textarea
          mt="sm"
          label="Reason (for the audit log)"
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          data-testid="revoke-reason"
        />
      </Confirm>
    );
  }
  if (action.kind === 'extend') {
    return (
      <Confirm
        opened
        title={`Extend “${k.label}”`}
        confirmLabel={`Extend to ${formatDate(now + days * DAY)}`}
        busy={busy}
        onClose={onClose}
        onConfirm={() => run(extend(k.id, now + days * DAY), 'Expiry extended')}
      >
        The key now expires {formatDate(k.expiresAt)}. It will expire {days} days from now instead;
        nothing else changes.
        <NumberInput
          mt="sm"
          label="Days from now"
          min={1}
          max={3650}
          value={days}
          onChange={(v) => setDays(Number(v) || 1)}
        />
      </Confirm>
    );
  }
  let graceMs = 0;
  let graceError: string | null = null;
  try {
    graceMs = grace.trim() === '0' ? 0 : parseDuration(grace, 'Grace period');
  } catch (e) {
    graceError = (e as Error).message;
  }
  return (
    <Confirm
      opened
      title={`Rotate “${k.label}”`}
      confirmLabel="Rotate key"
      busy={busy}
      disabled={graceError !== null}
      onClose={onClose}
      onConfirm={() => run(rotate(k.id, graceMs), 'Key rotated')}
    >
      A new key with the same permissions, expiry, rate limit and whitelist is issued and shown
      once. The current key keeps working for the grace period, then stops (0 stops it now).
      <TextInput
        mt="sm"
        label="Grace period"
        description="e.g. 24h, 7d, 0"
        value={grace}
        onChange={(e) => setGrace(e.currentTarget.value)}
        error={graceError}
      />
    </Confirm>
  );
}

export function KeysPanel({ account }: { account: Account }) {
  const { byAccount, load, reveal, revealed } = useKeys();
  const [issuing, setIssuing] = useState(false);
  const [action, setAction] = useState<Action>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [panelFor, setPanelFor] = useState<ApiKey | null>(null);
  useEffect(() => {
    load(account.id).catch((e: unknown) => notify.error('Could not load keys', e));
  }, [account.id, load]);
  const keys = byAccount[account.id] ?? [];

  return (
    <Stack gap="sm" data-testid="keys-panel">
      <Group justify="space-between">
        <Title order={4}>API keys</Title>
        <Group gap="xs">
          <Button
            variant="default"
            size="xs"
            disabled={!keys.length}
            onClick={() =>
              download(
                `keys-${account.id}.json`,
                JSON.stringify(keyExportRows(keys), null, 2),
                'application/json',
              )
            }
          >
            Export JSON
          </Button>
          <Button
            variant="default"
            size="xs"
            disabled={!keys.length}
            onClick={() => download(`keys-${account.id}.csv`, keysCsv(keys))}
          >
            Export CSV
          </Button>
          <Button
            size="xs"
            onClick={() => setIssuing(true)}
            disabled={account.status === 'suspended'}
            data-testid="issue-key"
          >
            Issue key
          </Button>
        </Group>
      </Group>
      {keys.length === 0 && (
        <Text c="dimmed" size="sm">
          No keys yet. Issue one per integration (a BI warehouse, a spreadsheet…).
        </Text>
      )}
      {keys.length > 0 && (
        <Paper withBorder>
          <Table highlightOnHover data-testid="keys-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Label</Table.Th>
                <Table.Th>Key</Table.Th>
                <Table.Th>Permissions</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.map((k) => (
                <Fragment key={k.id}>
                  <Table.Tr data-testid={`key-row-${k.id}`}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {k.label}
                      </Text>
                      <Text size="xs" c="dimmed">
                        #{k.id} · {formatRateLimit(k.rateLimit)}
                        {k.allowQueryAuth ? ' · URL key allowed' : ''}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Code>{k.displayPrefix}…</Code>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {k.scopes.map((s) => (
                          <Badge key={s} size="xs" variant="outline">
                            {s}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">
                        {formatDate(k.createdAt)}
                        <br />
                        {k.createdBy}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">
                        {k.expiresAt
                          ? `${formatDate(k.expiresAt)} (${relative(k.graceUntil ?? k.expiresAt)})`
                          : 'never'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">
                        {k.lastUsedAt
                          ? `${formatTime(k.lastUsedAt)} from ${k.lastUsedIp ?? '?'}`
                          : 'never'}
                      </Text>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Badge
                        size="sm"
                        variant="light"
                        color={STATUS_COLOR[k.status]}
                        style={{ overflow: 'visible' }}
                        data-testid={`key-status-${k.id}`}
                      >
                        {k.replacedByKeyId && k.status === 'active' ? 'rotating' : k.status}
                      </Badge>
                      {k.ipRuleCount === 0 && k.status === 'active' && (
                        <Badge size="xs" color="orange" variant="light" ml={4}>
                          no whitelist
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button
                          size="compact-xs"
                          variant="light"
                          onClick={() => setOpen(open === k.id ? null : k.id)}
                          data-testid={`whitelist-toggle-${k.id}`}
                        >
                          Whitelist ({k.ipRuleCount})
                        </Button>
                        <Button
                          size="compact-xs"
                          variant="light"
                          onClick={() => setPanelFor(k)}
                          disabled={k.status !== 'active'}
                          data-testid={`api-panel-${k.id}`}
                        >
                          API
                        </Button>
                        <Menu position="bottom-end" withinPortal>
                          <Menu.Target>
                            <Button
                              size="compact-xs"
                              variant="default"
                              aria-label={`More actions for ${k.label}`}
                              data-testid={`key-menu-${k.id}`}
                            >
                              <IconDots size={14} />
                            </Button>
                          </Menu.Target>
                          <Menu.Dropdown>
                            <Menu.Item
                              disabled={!k.secretRetained || k.status === 'revoked'}
                              onClick={() =>
                                reveal(k.id)
                                  .then((s) => copyText(s))
                                  .then(
                                    () =>
                                      notify.ok('Key copied', 'The full key is on the clipboard.'),
                                    (e: unknown) => notify.error('Cannot re-show the key', e),
                                  )
                              }
                              data-testid={`copy-key-${k.id}`}
                            >
                              Copy key{!k.secretRetained ? ' (shown once)' : ''}
                            </Menu.Item>
                            <Menu.Item
                              disabled={k.status === 'revoked' || !!k.replacedByKeyId}
                              onClick={() => setAction({ kind: 'extend', key: k })}
                            >
                              Extend expiry…
                            </Menu.Item>
                            <Menu.Item
                              disabled={k.status !== 'active' || !!k.replacedByKeyId}
                              onClick={() => setAction({ kind: 'rotate', key: k })}
                            >
                              Rotate…
                            </Menu.Item>
                            <Menu.Item
                              color="red"
                              disabled={k.status === 'revoked'}
                              onClick={() => setAction({ kind: 'revoke', key: k })}
                              data-testid={`revoke-${k.id}`}
                            >
                              Revoke…
                            </Menu.Item>
                          </Menu.Dropdown>
                        </Menu>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                  {open === k.id && (
                    <Table.Tr>
                      <Table.Td colSpan={8} bg="var(--mantine-color-default-hover)">
                        <WhitelistEditor keyId={k.id} readOnly={k.status === 'revoked'} />
                      </Table.Td>
                    </Table.Tr>
                  )}
                </Fragment>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      <Modal
        opened={issuing}
        onClose={() => setIssuing(false)}
        title={`Issue a key for ${account.name}`}
        size="lg"
      >
        <IssueKeyForm account={account} onDone={() => setIssuing(false)} />
      </Modal>
      <SecretOnce />
      <KeyActionDialog action={action} onClose={() => setAction(null)} />
      {panelFor && (
        <ApiPanel
          keyRecord={panelFor}
          secret={revealed[panelFor.id] ?? null}
          onClose={() => setPanelFor(null)}
        />
      )}
    </Stack>
  );
}
