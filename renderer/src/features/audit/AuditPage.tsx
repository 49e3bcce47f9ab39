import { useShallow } from 'zustand/react/shallow';
import { Button, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { Fragment, useEffect, useState } from 'react';
import { notify } from '../../lib/notify.ts';
import { download, formatTime } from '../../lib/format.ts';
import { auditCsv, fieldChanges, useAudit } from './store.ts';

/** The fields an entry changed, before and after. */
function Changes({ before, after }: { before: unknown; after: unknown }) {
  const changes = fieldChanges(before, after);
  if (!changes.length)
    return (
      <Text size="xs" c="dimmed">
        No field values recorded.
      </Text>
    );
  return (
    <Table fz="xs" withTableBorder data-testid="audit-changes">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Field</Table.Th>
          <Table.Th>Before</Table.Th>
          <Table.Th>After</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {changes.map((c) => (
          <Table.Tr key={c.field}>
            <Table.Td ff="monospace">{c.field}</Table.Td>
            <Table.Td ff="monospace" style={{ overflowWrap: 'anywhere' }}>
              {c.before || '—'}
            </Table.Td>
            <Table.Td ff="monospace" style={{ overflowWrap: 'anywhere' }}>
              {c.after || '—'}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function AuditPage() {
  const { entries, load, more } = useAudit(
    useShallow((s) => ({ entries: s.entries, load: s.load, more: s.more })),
  );
  const [search, setSearch] = useState('');
  const [open, setOpen] = useState<number | null>(null);
  useEffect(() => {
    load('').catch((e: unknown) => notify.error('Could not load the audit log', e));
  }, [load]);
  const exportCsv = () => download('partnergate-audit.csv', auditCsv(entries));
  return (
    <Stack gap="sm" data-testid="audit-page">
      <Group justify="space-between">
        <Title order={3}>Audit log</Title>
        <Group gap="xs">
          <form onSubmit={(e) => (e.preventDefault(), void load(search))}>
            <TextInput
              placeholder="Search actor, action or values"
              value={search}
              onChange={(e) => setSearch(e.currentTarget.value)}
              w={300}
              aria-label="Search the audit log"
            />
          </form>
          <Button variant="default" onClick={exportCsv} disabled={!entries.length}>
            Export CSV
          </Button>
        </Group>
      </Group>
      <Paper withBorder>
        <Table.ScrollContainer minWidth={700}>
          <Table highlightOnHover data-testid="audit-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={190}>When</Table.Th>
                <Table.Th w={120}>Who</Table.Th>
                <Table.Th>What happened</Table.Th>
                <Table.Th w={110} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.map((e) => (
                <Fragment key={e.id}>
                  <Table.Tr data-testid={`audit-${e.id}`}>
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                        {formatTime(e.at)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{e.actor}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" data-testid="audit-summary">
                        {e.summary}
                      </Text>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {e.action}
                        {e.entityId ? ` · ${e.entityType} #${e.entityId}` : ''}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        onClick={() => setOpen(open === e.id ? null : e.id)}
                        aria-expanded={open === e.id}
                        data-testid={`audit-details-${e.id}`}
                      >
                        {open === e.id ? 'Hide' : 'Before / after'}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                  {open === e.id && (
                    <Table.Tr>
                      <Table.Td colSpan={4} bg="var(--mantine-color-default-hover)">
                        <Changes before={e.before} after={e.after} />
                      </Table.Td>
                    </Table.Tr>
                  )}
                </Fragment>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {entries.length === 0 && (
          <Text c="dimmed" size="sm" p="sm">
            {search ? 'Nothing matches.' : 'Nothing recorded yet.'}
          </Text>
        )}
      </Paper>
      {entries.length >= 200 && (
        <Button variant="subtle" onClick={() => void more()}>
          Older entries
        </Button>
      )}
    </Stack>
  );
}
