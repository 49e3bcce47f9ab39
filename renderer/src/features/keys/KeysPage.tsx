import {
  Button,
  Chip,
  Group,
  Menu,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { IconSearch } from '@tabler/icons-react';
import type { ApiKey } from '../../../../shared/schemas.ts';
import { plural } from '../../../../shared/words.ts';
import type { ApiPanelSlot } from '../../components/slots.ts';
import { notify } from '../../lib/notify.ts';
import { useKeys } from '../../stores/keys.ts';
import { ExpiryDialog, KeyActionDialog, RevokeDialog, type Action } from './KeyActionDialog.tsx';
import { exportKeys } from './KeysPanel.tsx';
import { KeysTable } from './KeysTable.tsx';
import { SecretOnce } from './SecretOnce.tsx';
import { filterKeys, NO_FILTER, type KeyFilter, type StatusFilter } from './filters.ts';

const STATUSES: { value: StatusFilter; label: string }[] = [
  { value: 'any', label: 'All' },
  { value: 'active', label: 'Active' },
  { value: 'rotating', label: 'Rotating' },
  { value: 'expired', label: 'Expired' },
  { value: 'revoked', label: 'Revoked' },
];

const TOGGLES = [
  { field: 'expiringSoon', label: 'Expiring within 30 days', testId: 'filter-expiring' },
  { field: 'noWhitelist', label: 'No whitelist', testId: 'filter-no-whitelist' },
  { field: 'unused', label: 'Unused for 30 days', testId: 'filter-unused' },
] as const;

/** Every partner's keys in one list: find the ones that need care, and act on several at once. */
export function KeysPage({ apiPanel }: { apiPanel: ApiPanelSlot }) {
  const all = useKeys((s) => s.keys);
  const loadAll = useKeys((s) => s.loadAll);
  const [filter, setFilter] = useState<KeyFilter>(NO_FILTER);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [action, setAction] = useState<Action>(null);
  const [bulk, setBulk] = useState<'revoke' | 'extend' | null>(null);
  const [panelFor, setPanelFor] = useState<ApiKey | null>(null);
  const [now] = useState(() => Date.now());
  useEffect(() => {
    loadAll().catch((e: unknown) => notify.error('Could not load keys', e));
  }, [loadAll]);

  const shown = useMemo(() => filterKeys(all, filter, now), [all, filter, now]);
  // A bulk action acts on the selected keys still shown, never on ones a filter hides.
  const chosen = shown.filter((k) => selected.has(k.id));
  const set = (patch: Partial<KeyFilter>) => setFilter({ ...filter, ...patch });
  const select = (ids: readonly number[], on: boolean) => {
    const next = new Set(selected);
    for (const id of ids) {
      if (on) next.add(id);
      else next.delete(id);
    }
    setSelected(next);
  };
  const toExport = chosen.length ? chosen : shown;

  return (
    <Stack gap="sm" data-testid="keys-page">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={3}>API keys</Title>
          <Text size="sm" c="dimmed" data-testid="keys-count">
            {shown.length === all.length
              ? `${plural(all.length, 'key')} across every partner`
              : `${plural(shown.length, 'key')} shown of ${all.length}`}
          </Text>
        </div>
        <Menu position="bottom-end">
          <Menu.Target>
            <Button variant="default" disabled={!toExport.length} data-testid="export-keys">
              Export {chosen.length ? `${chosen.length} selected` : 'shown'}
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            {(['csv', 'json'] as const).map((format) => (
              <Menu.Item
                key={format}
                onClick={() => exportKeys(toExport, 'keys', format)}
                data-testid={`export-keys-${format}`}
              >
                {format.toUpperCase()} (partner names, permissions, whitelist rules)
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
      </Group>
      <Paper withBorder p="xs">
        <Group gap="sm" wrap="wrap">
          <SegmentedControl
            size="xs"
            data={STATUSES}
            value={filter.status}
            onChange={(v) => set({ status: v })}
            aria-label="Status"
            data-testid="filter-status"
          />
          {TOGGLES.map((t) => (
            <Chip
              key={t.field}
              size="xs"
              checked={filter[t.field]}
              onChange={(v) => set({ [t.field]: v })}
              wrapperProps={{ 'data-testid': t.testId }}
            >
              {t.label}
            </Chip>
          ))}
          <TextInput
            size="xs"
            placeholder="Label, key prefix or partner"
            aria-label="Search keys"
            leftSection={<IconSearch size={14} />}
            value={filter.text}
            onChange={(e) => set({ text: e.currentTarget.value })}
            maxLength={100}
            w={230}
            data-testid="filter-text"
          />
          {filter !== NO_FILTER && (
            <Button size="compact-xs" variant="subtle" onClick={() => setFilter(NO_FILTER)}>
              Clear filters
            </Button>
          )}
        </Group>
      </Paper>
      {chosen.length > 0 && (
        <Paper withBorder p="xs" bg="var(--mantine-primary-color-light)" data-testid="bulk-bar">
          <Group gap="sm">
            <Text size="sm" fw={500}>
              {plural(chosen.length, 'key')} selected
            </Text>
            <Button
              size="compact-sm"
              variant="default"
              onClick={() => setBulk('extend')}
              disabled={chosen.some((k) => k.status === 'revoked' || k.replacedByKeyId !== null)}
              title="Revoked and rotated keys keep their expiry"
              data-testid="bulk-extend"
            >
              Change expiry…
            </Button>
            <Button
              size="compact-sm"
              color="red"
              variant="light"
              onClick={() => setBulk('revoke')}
              disabled={chosen.some((k) => k.status === 'revoked')}
              data-testid="bulk-revoke"
            >
              Revoke…
            </Button>
            <Button size="compact-sm" variant="subtle" onClick={() => setSelected(new Set())}>
              Clear selection
            </Button>
          </Group>
        </Paper>
      )}
      {shown.length === 0 ? (
        <Text c="dimmed" size="sm" data-testid="no-keys">
          {all.length === 0
            ? 'No keys yet. Issue one from a partner’s page.'
            : 'No key matches these filters.'}
        </Text>
      ) : (
        <KeysTable
          keys={shown}
          showPartner
          selection={{ selected, set: select }}
          onAction={setAction}
          onApi={setPanelFor}
        />
      )}
      {bulk === 'revoke' && <RevokeDialog keys={chosen} onClose={() => setBulk(null)} />}
      {bulk === 'extend' && <ExpiryDialog keys={chosen} onClose={() => setBulk(null)} />}
      <SecretOnce />
      <KeyActionDialog action={action} onClose={() => setAction(null)} />
      {panelFor && apiPanel({ keyRecord: panelFor, onClose: () => setPanelFor(null) })}
    </Stack>
  );
}
