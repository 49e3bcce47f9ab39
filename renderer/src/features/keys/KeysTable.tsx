import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  Menu,
  Paper,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { Fragment, useState } from 'react';
import { IconDots } from '@tabler/icons-react';
import { DAY, formatRateLimit } from '../../../../shared/durations.ts';
import type { ApiKey } from '../../../../shared/schemas.ts';
import { copyText, formatDate, formatTime, relative } from '../../lib/format.ts';
import { notify } from '../../lib/notify.ts';
import { useRouter } from '../../lib/router.ts';
import { useKeys } from '../../stores/keys.ts';
import type { Action } from './KeyActionDialog.tsx';
import { WhitelistEditor } from './WhitelistEditor.tsx';
import { plural } from '../../../../shared/words.ts';
import {
  effectiveExpiry,
  shownStatus,
  type ShownKeyStatus,
} from '../../../../shared/key-expiry.ts';
import { useCan } from '../../stores/me.ts';

const STATUS_COLOR: Record<ShownKeyStatus, string> = {
  active: 'teal',
  revoked: 'red',
  expired: 'gray',
  rotating: 'yellow',
};

/** Brings another key's row into view (the old or new side of a rotation). */
function showRow(id: number) {
  const row = document.querySelector(`[data-testid="key-row-${id}"]`);
  row?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  row?.animate?.([{ background: 'var(--mantine-color-yellow-light)' }, { background: '' }], 1500);
}

/** The other side of a rotation, as a link that brings its row into view. */
function RotationLink({ words, to, testId }: { words: string; to: number | null; testId: string }) {
  if (to === null) return null;
  return (
    <Text size="xs" data-testid={testId}>
      {words}{' '}
      <Anchor component="button" size="xs" onClick={() => showRow(to)}>
        key #{to}
      </Anchor>
    </Text>
  );
}

/** When the key stops working, in words that hold for rotated and revoked keys too. */
function ExpiresCell({ k, now }: { k: ApiKey; now: number }) {
  if (k.status === 'revoked') return <Text size="xs">revoked {formatDate(k.revokedAt)}</Text>;
  if (k.graceUntil !== null) {
    const until = effectiveExpiry(k)!;
    return (
      <Text size="xs" c={k.status === 'active' ? 'yellow.8' : undefined} data-testid="expires">
        {k.status === 'active' ? 'old secret stops' : 'stopped'} {formatTime(until)}
        {k.status === 'active' && ` (${relative(until, now)})`}
      </Text>
    );
  }
  if (k.expiresAt === null) return <Text size="xs">never</Text>;
  const soon = k.status === 'active' && k.expiresAt - now < 14 * DAY;
  return (
    <Text size="xs" c={soon ? 'orange' : undefined} data-testid="expires">
      {formatDate(k.expiresAt)}
      <br />({relative(k.expiresAt, now)})
    </Text>
  );
}

export interface Selection {
  selected: ReadonlySet<number>;
  set: (ids: readonly number[], on: boolean) => void;
}

/**
 * Keys as rows: label with status, rotation and revocation in words, permissions as a list,
 * expiry, last use, and the actions. On the Keys page it adds the partner and row selection.
 */
export function KeysTable({
  keys,
  showPartner = false,
  selection,
  onAction,
  onApi,
}: {
  keys: readonly ApiKey[];
  showPartner?: boolean;
  selection?: Selection;
  onAction: (a: NonNullable<Action>) => void;
  onApi: (k: ApiKey) => void;
}) {
  const reveal = useKeys((s) => s.reveal);
  const go = useRouter((s) => s.go);
  const [open, setOpen] = useState<number | null>(null);
  const [now] = useState(() => Date.now());
  const columns = 6 + (showPartner ? 1 : 0) + (selection ? 1 : 0);
  // What the caller's role cannot do is shown, but not offered.
  const canWrite = useCan('keys:write');
  const canReveal = useCan('keys:reveal');
  const allSelected =
    !!selection && keys.length > 0 && keys.every((k) => selection.selected.has(k.id));
  return (
    <Paper withBorder>
      <Table.ScrollContainer minWidth={760}>
        <Table highlightOnHover data-testid="keys-table">
          <Table.Thead>
            <Table.Tr>
              {selection && (
                <Table.Th w={32}>
                  <Checkbox
                    aria-label="Select every key shown"
                    checked={allSelected}
                    indeterminate={!allSelected && keys.some((k) => selection.selected.has(k.id))}
                    onChange={() =>
                      selection.set(
                        keys.map((k) => k.id),
                        !allSelected,
                      )
                    }
                    data-testid="select-all-keys"
                  />
                </Table.Th>
              )}
              <Table.Th>Key</Table.Th>
              {showPartner && <Table.Th>Partner</Table.Th>}
              <Table.Th>Permissions</Table.Th>
              <Table.Th>Expires</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th>Whitelist</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {keys.map((k) => {
              const status = shownStatus(k);
              return (
                <Fragment key={k.id}>
                  <Table.Tr data-testid={`key-row-${k.id}`}>
                    {selection && (
                      <Table.Td>
                        <Checkbox
                          aria-label={`Select ${k.label}`}
                          checked={selection.selected.has(k.id)}
                          onChange={(e) => selection.set([k.id], e.currentTarget.checked)}
                          data-testid={`select-key-${k.id}`}
                        />
                      </Table.Td>
                    )}
                    <Table.Td>
                      <Group gap={6} wrap="wrap">
                        <Text size="sm" fw={500}>
                          {k.label}
                        </Text>
                        <Badge
                          size="sm"
                          variant="light"
                          color={STATUS_COLOR[status]}
                          styles={{ root: { flexShrink: 0 }, label: { overflow: 'visible' } }}
                          data-testid={`key-status-${k.id}`}
                        >
                          {status}
                        </Badge>
                      </Group>
                      <Text size="xs" c="dimmed">
                        #{k.id} · <Code fz="xs">{k.displayPrefix}…</Code> · created{' '}
                        {formatDate(k.createdAt)} by{' '}
                        <span data-testid={`key-created-by-${k.id}`}>{k.createdBy}</span>
                      </Text>
                      <RotationLink
                        words="Replaced by"
                        to={k.replacedByKeyId}
                        testId={`replaced-by-${k.id}`}
                      />
                      <RotationLink
                        words="Replaces"
                        to={k.rotatedFromKeyId}
                        testId={`replaces-${k.id}`}
                      />
                      {k.status === 'revoked' && (
                        <Text size="xs" c="red" data-testid={`revoked-reason-${k.id}`}>
                          Revoked: {k.revokedReason ?? 'no reason given'}
                        </Text>
                      )}
                    </Table.Td>
                    {showPartner && (
                      <Table.Td>
                        <Anchor
                          size="sm"
                          href={`#/partners/${k.accountId}`}
                          onClick={(e) => (e.preventDefault(), go('partners', k.accountId))}
                        >
                          {k.accountName}
                        </Anchor>
                      </Table.Td>
                    )}
                    <Table.Td>
                      <Stack gap={0}>
                        {k.scopes.map((s) => (
                          <Text key={s} size="xs" ff="monospace">
                            {s}
                          </Text>
                        ))}
                        <Text size="xs" c="dimmed">
                          {formatRateLimit(k.rateLimit)}
                          {k.allowQueryAuth ? ' · key in URL allowed' : ''}
                          {k.allowMcp ? '' : ' · no AI assistants'}
                        </Text>
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <ExpiresCell k={k} now={now} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">
                        {k.lastUsedAt
                          ? `${formatTime(k.lastUsedAt)} from ${k.lastUsedIp ?? '?'}`
                          : 'never'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Stack gap={4} align="flex-start">
                        <Button
                          size="compact-xs"
                          variant="light"
                          onClick={() => setOpen(open === k.id ? null : k.id)}
                          aria-expanded={open === k.id}
                          data-testid={`whitelist-toggle-${k.id}`}
                        >
                          {plural(k.ipRuleCount, 'rule')}
                        </Button>
                        {k.ipRuleCount === 0 && k.status === 'active' && (
                          <Badge
                            size="xs"
                            color="orange"
                            variant="light"
                            styles={{ label: { overflow: 'visible' } }}
                            data-testid={`no-whitelist-${k.id}`}
                          >
                            no whitelist
                          </Badge>
                        )}
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap" justify="flex-end">
                        <Button
                          size="compact-xs"
                          variant="light"
                          onClick={() => onApi(k)}
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
                              disabled={k.status === 'revoked' || !canWrite}
                              onClick={() => onAction({ kind: 'edit', key: k })}
                              data-testid={`edit-key-${k.id}`}
                            >
                              Edit…
                            </Menu.Item>
                            <Menu.Item
                              disabled={!k.secretRetained || k.status === 'revoked' || !canReveal}
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
                              disabled={k.status === 'revoked' || k.status === 'expired'}
                              onClick={() => onAction({ kind: 'handout', key: k })}
                              data-testid={`handout-${k.id}`}
                            >
                              Handout for the partner…
                            </Menu.Item>
                            <Menu.Item
                              disabled={k.status === 'revoked' || !!k.replacedByKeyId || !canWrite}
                              onClick={() => onAction({ kind: 'extend', key: k })}
                              data-testid={`extend-key-${k.id}`}
                            >
                              Change expiry…
                            </Menu.Item>
                            <Menu.Item
                              disabled={k.status !== 'active' || !!k.replacedByKeyId || !canWrite}
                              onClick={() => onAction({ kind: 'rotate', key: k })}
                              data-testid={`rotate-key-${k.id}`}
                            >
                              Rotate…
                            </Menu.Item>
                            <Menu.Item
                              color="red"
                              disabled={k.status === 'revoked' || !canWrite}
                              onClick={() => onAction({ kind: 'revoke', key: k })}
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
                      <Table.Td colSpan={columns} bg="var(--mantine-color-default-hover)">
                        <WhitelistEditor keyId={k.id} readOnly={k.status === 'revoked'} />
                      </Table.Td>
                    </Table.Tr>
                  )}
                </Fragment>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}
