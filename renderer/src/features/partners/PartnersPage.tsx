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
  Textarea,
  Title,
} from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import type { AccountCreateInput } from '../../../../shared/schemas.ts';
import { VirtualRows } from '../../components/VirtualRows.tsx';
import { notify } from '../../app/notify.ts';
import { useRouter } from '../../app/router.ts';
import { filterAccounts, usePartners } from './store.ts';

const KIND_LABEL = {
  affiliate: 'Affiliate',
  ib: 'Introducing broker',
  employee: 'Employee',
} as const;
const STATUS_COLOR = { active: 'teal', onboarding: 'yellow', suspended: 'red' } as const;

export function AccountForm(props: {
  initial?: Partial<AccountCreateInput>;
  submitLabel: string;
  onSubmit: (v: AccountCreateInput) => Promise<void>;
  kindFixed?: boolean;
}) {
  const [v, setV] = useState<AccountCreateInput>({
    kind: 'affiliate',
    name: '',
    email: '',
    company: '',
    status: 'active',
    notes: '',
    timezone: 'UTC',
    currency: 'USD',
    ...props.initial,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<AccountCreateInput>) => setV({ ...v, ...patch });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        const clean = {
          ...v,
          email: v.email || undefined,
          company: v.company || undefined,
        } as AccountCreateInput;
        props
          .onSubmit(clean)
          .then(() => setErrors({}))
          .catch((err: { details?: { field?: string; message: string }[]; message: string }) => {
            // Keep what was typed; point at each field that was wrong.
            setErrors(
              Object.fromEntries((err.details ?? []).map((d) => [d.field ?? '', d.message])),
            );
            notify.error('Not saved', err);
          })
          .finally(() => setBusy(false));
      }}
    >
      <Stack gap="sm">
        <Group grow>
          <TextInput
            label="Name"
            required
            value={v.name}
            onChange={(e) => set({ name: e.currentTarget.value })}
            error={errors.name}
            data-autofocus
          />
          <Select
            label="Kind"
            disabled={props.kindFixed}
            data={Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))}
            value={v.kind}
            onChange={(k) => k && set({ kind: k as AccountCreateInput['kind'] })}
            allowDeselect={false}
          />
        </Group>
        <Group grow>
          <TextInput
            label="Email"
            value={v.email ?? ''}
            onChange={(e) => set({ email: e.currentTarget.value })}
            error={errors.email}
          />
          <TextInput
            label="Company"
            value={v.company ?? ''}
            onChange={(e) => set({ company: e.currentTarget.value })}
          />
        </Group>
        <Group grow>
          <Select
            label="Status"
            data={['active', 'onboarding', 'suspended']}
            value={v.status ?? 'active'}
            onChange={(s) => s && set({ status: s })}
            allowDeselect={false}
          />
          <TextInput
            label="Time zone"
            value={v.timezone ?? 'UTC'}
            onChange={(e) => set({ timezone: e.currentTarget.value })}
            error={errors.timezone}
          />
          <TextInput
            label="Currency"
            value={v.currency ?? 'USD'}
            onChange={(e) => set({ currency: e.currentTarget.value.toUpperCase() })}
            error={errors.currency}
            maxLength={3}
          />
        </Group>
        <Textarea
          label="Notes"
          value={v.notes ?? ''}
          onChange={(e) => set({ notes: e.currentTarget.value })}
          autosize
          minRows={2}
        />
        <Group justify="flex-end">
          <Button type="submit" loading={busy} data-testid="account-submit">
            {props.submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function PartnersPage() {
  const { accounts, keys, loaded, filter, setFilter, load, create } = usePartners();
  const go = useRouter((s) => s.go);
  const [adding, setAdding] = useState(false);
  useEffect(() => {
    load().catch((e: unknown) => notify.error('Could not load partners', e));
  }, [load]);
  const rows = useMemo(() => filterAccounts(accounts, keys, filter), [accounts, keys, filter]);

  return (
    <Stack gap="sm" data-testid="partners-page">
      <Group justify="space-between">
        <Title order={3}>Partners</Title>
        <Button onClick={() => setAdding(true)} data-testid="add-partner">
          Add partner
        </Button>
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
