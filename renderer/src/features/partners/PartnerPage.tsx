import {
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Tabs,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useMemo } from 'react';
import { DATASET_LABELS } from '../../../../shared/report-catalog.ts';
import type { Account } from '../../../../shared/schemas.ts';
import { plural } from '../../../../shared/words.ts';
import type { KeysSlot } from '../../components/slots.ts';
import { notify } from '../../lib/notify.ts';
import { useRouter } from '../../lib/router.ts';
import { useAccounts } from '../../stores/accounts.ts';
import { sharedWith, useReportList } from '../../stores/reports.ts';
import { AccountForm } from './AccountForm.tsx';
import { KIND_LABEL, STATUS_COLOR } from './labels.ts';

/** What an employee sees, in words. */
function accessWords(a: Account, accounts: readonly Account[]): string {
  if (a.kind !== 'employee') return 'their own data';
  if (a.employeeAccess === 'all') return 'every partner';
  const names = a.assignedPartnerIds.map(
    (id) => accounts.find((x) => x.id === id)?.name ?? `#${id}`,
  );
  return names.length ? names.join(', ') : 'no partner yet';
}

/** The reports this account may run, each one click from a preview as them. */
function SharedReports({ account }: { account: Account }) {
  const reports = useReportList((s) => s.reports);
  const load = useReportList((s) => s.load);
  const go = useRouter((s) => s.go);
  useEffect(() => {
    load().catch((e: unknown) => notify.error('Could not load reports', e));
  }, [load]);
  const mine = useMemo(() => sharedWith(reports, account.id), [reports, account.id]);
  if (mine.length === 0)
    return (
      <Text c="dimmed" size="sm" data-testid="shared-reports-empty">
        No report is shared with {account.name} yet. Share one from the Reports page.
      </Text>
    );
  return (
    <Paper withBorder>
      <Table data-testid="shared-reports">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Report</Table.Th>
            <Table.Th>Dataset</Table.Th>
            <Table.Th>Shared with</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {mine.map((r) => (
            <Table.Tr key={r.id} data-testid={`shared-report-${r.id}`}>
              <Table.Td>
                <Anchor onClick={() => go('reports', r.id)}>{r.name}</Anchor>
              </Table.Td>
              <Table.Td>{DATASET_LABELS[r.dataset]}</Table.Td>
              <Table.Td>
                {r.audience.kind === 'all'
                  ? 'every account'
                  : plural(r.audience.accountIds.length, 'account')}
              </Table.Td>
              <Table.Td style={{ textAlign: 'right' }}>
                <Button
                  size="compact-xs"
                  variant="light"
                  onClick={() => go('reports', r.id, { as: account.id })}
                  data-testid={`preview-as-${r.id}`}
                >
                  Preview as {account.name}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

export function PartnerPage({ id, keys }: { id: number; keys: KeysSlot }) {
  const accounts = useAccounts((s) => s.accounts);
  const loaded = useAccounts((s) => s.loaded);
  const load = useAccounts((s) => s.load);
  const update = useAccounts((s) => s.update);
  const go = useRouter((s) => s.go);
  useEffect(() => {
    if (!loaded) load().catch((e: unknown) => notify.error('Could not load partners', e));
  }, [loaded, load]);
  const account = accounts.find((a) => a.id === id);
  if (!account) return loaded ? <Text>No account #{id}.</Text> : <Loader />;
  return (
    <Stack gap="sm" data-testid="partner-page">
      <Anchor size="sm" onClick={() => go('partners')} href="#/partners">
        ← Partners
      </Anchor>
      <Group gap="sm">
        <Title order={3} data-testid="partner-title">
          {account.name}
        </Title>
        <Badge variant="light">{KIND_LABEL[account.kind]}</Badge>
        <Badge variant="light" color={STATUS_COLOR[account.status]}>
          {account.status}
        </Badge>
        <Text c="dimmed" size="sm">
          #{account.id} · {account.email ?? 'no email'} · {account.timezone} · sees{' '}
          <span data-testid="partner-access">{accessWords(account, accounts)}</span>
        </Text>
      </Group>
      <Tabs defaultValue="api" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="api" data-testid="tab-api">
            API keys
          </Tabs.Tab>
          <Tabs.Tab value="reports" data-testid="tab-reports">
            Reports
          </Tabs.Tab>
          <Tabs.Tab value="details" data-testid="tab-details">
            Details
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="api" pt="sm">
          {keys(account)}
        </Tabs.Panel>
        <Tabs.Panel value="reports" pt="sm">
          <SharedReports account={account} />
        </Tabs.Panel>
        <Tabs.Panel value="details" pt="sm">
          <Paper withBorder p="md" maw={760}>
            <AccountForm
              key={`${account.id}:${account.updatedAt}`}
              mode="edit"
              account={account}
              submitLabel="Save"
              onSubmit={async (changes) => {
                const saved = await update(changes);
                notify.ok('Saved', saved.name);
              }}
            />
          </Paper>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
