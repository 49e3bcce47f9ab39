import {
  Badge,
  Button,
  Code,
  Group,
  Menu,
  Modal,
  Paper,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { Fragment, useEffect, useMemo, useState } from 'react';
import { IconDots } from '@tabler/icons-react';
import { formatRateLimit } from '../../../../shared/durations.ts';
import type { Account, ApiKey } from '../../../../shared/schemas.ts';
import type { ApiPanelSlot } from '../../components/slots.ts';
import { copyText, download, formatDate, formatTime, relative } from '../../lib/format.ts';
import { notify } from '../../lib/notify.ts';
import { keysOf, useKeys } from '../../stores/keys.ts';
import { keyExportRows, keysCsv } from './export.ts';
import { IssueKeyForm } from './IssueKeyForm.tsx';
import { KeyActionDialog, type Action } from './KeyActionDialog.tsx';
import { SecretOnce } from './SecretOnce.tsx';
import { WhitelistEditor } from './WhitelistEditor.tsx';

const STATUS_COLOR = { active: 'teal', revoked: 'red', expired: 'gray' } as const;

export function KeysPanel({ account, apiPanel }: { account: Account; apiPanel: ApiPanelSlot }) {
  const all = useKeys((s) => s.keys);
  const load = useKeys((s) => s.load);
  const reveal = useKeys((s) => s.reveal);
  const [issuing, setIssuing] = useState(false);
  const [action, setAction] = useState<Action>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [panelFor, setPanelFor] = useState<ApiKey | null>(null);
  useEffect(() => {
    load(account.id).catch((e: unknown) => notify.error('Could not load keys', e));
  }, [account.id, load]);
  const keys = useMemo(() => keysOf(all, account.id), [all, account.id]);

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
      {panelFor && apiPanel({ keyRecord: panelFor, onClose: () => setPanelFor(null) })}
    </Stack>
  );
}
