import { useShallow } from 'zustand/react/shallow';
import { Button, Code, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { Fragment, useEffect, useState } from 'react';
import { notify } from '../../lib/notify.ts';
import { download, formatTime } from '../../lib/format.ts';
import { auditCsv, useAudit } from './store.ts';

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
              placeholder="Search action, actor or values"
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
        <Table highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Who</Table.Th>
              <Table.Th>What</Table.Th>
              <Table.Th>On</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {entries.map((e) => (
              <Fragment key={e.id}>
                <Table.Tr
                  onClick={() => setOpen(open === e.id ? null : e.id)}
                  style={{ cursor: 'pointer' }}
                >
                  <Table.Td>{formatTime(e.at)}</Table.Td>
                  <Table.Td>{e.actor}</Table.Td>
                  <Table.Td>
                    <Code>{e.action}</Code>
                  </Table.Td>
                  <Table.Td>
                    {e.entityType}
                    {e.entityId ? ` #${e.entityId}` : ''}
                  </Table.Td>
                </Table.Tr>
                {open === e.id && (
                  <Table.Tr>
                    <Table.Td colSpan={4}>
                      <Group align="flex-start" grow>
                        <div>
                          <Text size="xs" fw={600}>
                            Before
                          </Text>
                          <Code block>{JSON.stringify(e.before, null, 2)}</Code>
                        </div>
                        <div>
                          <Text size="xs" fw={600}>
                            After
                          </Text>
                          <Code block>{JSON.stringify(e.after, null, 2)}</Code>
                        </div>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                )}
              </Fragment>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      {entries.length >= 200 && (
        <Button variant="subtle" onClick={() => void more()}>
          Older entries
        </Button>
      )}
    </Stack>
  );
}
