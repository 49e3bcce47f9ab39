import { useShallow } from 'zustand/react/shallow';
import {
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { VirtualRows } from '../../components/VirtualRows.tsx';
import { notify } from '../../lib/notify.ts';
import { useRouter } from '../../lib/router.ts';
import { useAccounts } from '../../stores/accounts.ts';
import { useKeys } from '../../stores/keys.ts';
import { AccountForm } from './AccountForm.tsx';
import { KIND_LABEL, STATUS_COLOR } from './labels.ts';
import { filterAccounts, usePartnerList } from './store.ts';
import { useCan } from '../../stores/me.ts';

export function PartnersPage() {
  const accounts = useAccounts((s) => s.accounts);
  const loaded = useAccounts((s) => s.loaded);
  const load = useAccounts((s) => s.load);
  const create = useAccounts((s) => s.create);
  const keys = useKeys((s) => s.keys);
  const loadKeys = useKeys((s) => s.loadAll);
  const { filter, setFilter } = usePartnerList(
    useShallow((s) => ({ filter: s.filter, setFilter: s.setFilter })),
  );
  const go = useRouter((s) => s.go);
  const [adding, setAdding] = useState(false);
  useEffect(() => {
    Promise.all([load(), loadKeys()]).catch((e: unknown) =>
      notify.error('Could not load partners', e),
    );
  }, [load, loadKeys]);
  const rows = useMemo(() => filterAccounts(accounts, keys, filter), [accounts, keys, filter]);
  const canAdd = useCan('partners:write');

  return (
    <Stack gap="sm" data-testid="partners-page">
      <Group justify="space-between">
        <Title order={3}>Partners</Title>
        {canAdd && (
          <Button onClick={() => setAdding(true)} data-testid="add-partner">
            Add partner
          </Button>
        )}
      </Group>
      <Group gap="sm" align="flex-end">
        <TextInput
          placeholder="Search name, email, company or id"
          value={filter.search}
          onChange={(e) => setFilter({ search: e.currentTarget.value })}
          w={300}
          aria-label="Search partners"
          data-testid="partner-search"
        />
        <Select
          placeholder="Any kind"
          aria-label="Kind"
          data={Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))}
          value={filter.kind || null}
          onChange={(k) => setFilter({ kind: (k ?? '') as typeof filter.kind })}
          clearable
          w={190}
        />
        <Select
          placeholder="Any status"
          aria-label="Status"
          data={['active', 'onboarding', 'suspended']}
          value={filter.status || null}
          onChange={(s) => setFilter({ status: s ?? '' })}
          clearable
          w={150}
        />
        <Checkbox
          label="Has keys"
          checked={filter.hasKeys}
          onChange={(e) => setFilter({ hasKeys: e.currentTarget.checked })}
        />
        <Checkbox
          label="Keys expiring in 30 days"
          checked={filter.expiringSoon}
          onChange={(e) => setFilter({ expiringSoon: e.currentTarget.checked })}
        />
        <Text size="sm" c="dimmed" ml="auto">
          {loaded ? `${rows.length} of ${accounts.length}` : 'Loading…'}
        </Text>
      </Group>
      <Paper withBorder>
        <Group
          px="sm"
          py={6}
          gap={0}
          style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
          fw={600}
          fz="sm"
        >
          <Text w={60} fw={600} size="sm">
            Id
          </Text>
          <Text style={{ flex: 2 }} fw={600} size="sm">
            Name
          </Text>
          <Text style={{ flex: 1 }} fw={600} size="sm">
            Kind
          </Text>
          <Text w={110} fw={600} size="sm">
            Status
          </Text>
          <Text style={{ flex: 2 }} fw={600} size="sm">
            Email
          </Text>
          <Text w={120} fw={600} size="sm">
            Keys
          </Text>
        </Group>
        <VirtualRows
          label="Partners"
          items={rows}
          rowHeight={36}
          height={Math.min(620, Math.max(72, rows.length * 36))}
          row={({ account: a, activeKeys, expiring }) => (
            <Group
              px="sm"
              gap={0}
              h={36}
              wrap="nowrap"
              role="row"
              tabIndex={0}
              style={{
                cursor: 'pointer',
                borderBottom: '1px solid var(--mantine-color-default-border)',
              }}
              onClick={() => go('partners', a.id)}
              onKeyDown={(e) => e.key === 'Enter' && go('partners', a.id)}
              data-testid={`partner-row-${a.id}`}
            >
              <Text w={60} size="sm" c="dimmed">
                #{a.id}
              </Text>
              <Text style={{ flex: 2 }} size="sm" fw={500} truncate>
                {a.name}
              </Text>
              <Text style={{ flex: 1 }} size="sm">
                {KIND_LABEL[a.kind]}
              </Text>
              <div style={{ width: 110 }}>
                <Badge size="sm" variant="light" color={STATUS_COLOR[a.status]}>
                  {a.status}
                </Badge>
              </div>
              <Text style={{ flex: 2 }} size="sm" c="dimmed" truncate>
                {a.email ?? '—'}
              </Text>
              <Text w={120} size="sm">
                {activeKeys ? `${activeKeys} active` : '—'}{' '}
                {expiring && (
                  <Badge size="xs" color="orange" variant="light">
                    expiring
                  </Badge>
                )}
              </Text>
            </Group>
          )}
        />
        {loaded && rows.length === 0 && (
          <Text p="md" c="dimmed" size="sm">
            No partner matches. Clear the filters, or add one.
          </Text>
        )}
      </Paper>
      <Modal
        opened={adding}
        onClose={() => setAdding(false)}
        title="Add a partner or an employee"
        size="lg"
      >
        <AccountForm
          mode="create"
          submitLabel="Add"
          onSubmit={async (v) => {
            const a = await create(v);
            setAdding(false);
            notify.ok('Added', `${a.name} (#${a.id})`);
            go('partners', a.id);
          }}
        />
      </Modal>
    </Stack>
  );
}
