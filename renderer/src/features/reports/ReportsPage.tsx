import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Grid,
  Group,
  MultiSelect,
  NavLink,
  Paper,
  ScrollArea,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { IconArrowDown, IconArrowUp, IconGripVertical, IconX } from '@tabler/icons-react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import {
  DATASET_LABELS,
  DATASETS,
  columnDef,
  columnsOf,
  isHiddenFromPartners,
} from '../../../../shared/report-catalog.ts';
import { RANGE_PRESETS, type ApiKey } from '../../../../shared/schemas.ts';
import { Confirm } from '../../components/Confirm.tsx';
import { notify } from '../../app/notify.ts';
import { useRouter } from '../../app/router.ts';
import { cell } from '../../lib/format.ts';
import { toMajorUnits } from '../../../../shared/money.ts';
import { usePartners } from '../partners/store.ts';
import { ApiPanel } from '../api-panel/ApiPanel.tsx';
import { useKeys } from '../keys/store.ts';
import { useReports } from './store.ts';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The chosen columns in order: drag to reorder, or use the arrow buttons from the keyboard. */
function ColumnOrder({
  columns,
  onChange,
}: {
  columns: string[];
  onChange: (c: string[]) => void;
}) {
  const [dragging, setDragging] = useState<number | null>(null);
  const move = (from: number, to: number) => {
    if (to < 0 || to >= columns.length) return;
    const next = [...columns];
    const [c] = next.splice(from, 1);
    next.splice(to, 0, c!);
    onChange(next);
  };
  return (
    <Stack gap={4} data-testid="column-order">
      {columns.map((c, i) => {
        const def = columnDef(c);
        return (
          <Group
            key={c}
            gap={6}
            px={6}
            py={2}
            draggable
            onDragStart={() => setDragging(i)}
            onDragOver={(e) => e.preventDefault()}
            onDrop={() => (dragging !== null && move(dragging, i), setDragging(null))}
            style={{
              border: '1px solid var(--mantine-color-default-border)',
              borderRadius: 4,
              cursor: 'grab',
            }}
            data-testid={`chosen-${c}`}
          >
            <IconGripVertical size={14} aria-hidden />
            <Text size="sm" style={{ flex: 1 }}>
              {def?.label ?? c}
            </Text>
            <Badge size="xs" variant="light" color={def?.kind === 'metric' ? 'indigo' : 'gray'}>
              {def?.kind}
            </Badge>
            <ActionIcon
              size="xs"
              variant="subtle"
              aria-label={`Move ${c} up`}
              onClick={() => move(i, i - 1)}
            >
              <IconArrowUp size={12} />
            </ActionIcon>
            <ActionIcon
              size="xs"
              variant="subtle"
              aria-label={`Move ${c} down`}
              onClick={() => move(i, i + 1)}
            >
              <IconArrowDown size={12} />
            </ActionIcon>
            <ActionIcon
              size="xs"
              variant="subtle"
              color="red"
              aria-label={`Remove ${c}`}
              onClick={() => onChange(columns.filter((x) => x !== c))}
            >
              <IconX size={12} />
            </ActionIcon>
          </Group>
        );
      })}
    </Stack>
  );
}

type Filter = { field: string; op: 'in' | 'not_in' | 'contains'; values: string[] };

/** Fixed filters: always applied, whoever runs the report (e.g. country in DE, FR). */
function FilterList({
  filters,
  fields,
  onChange,
}: {
  filters: Filter[];
  fields: { value: string; label: string }[];
  onChange: (f: Filter[]) => void;
}) {
  const set = (i: number, patch: Partial<Filter>) =>
    onChange(filters.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <Stack gap={6} data-testid="report-filters">
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          Fixed filters
        </Text>
        <Button
          size="compact-xs"
          variant="light"
          disabled={!fields.length}
          onClick={() => onChange([...filters, { field: fields[0]!.value, op: 'in', values: [] }])}
          data-testid="add-filter"
        >
          Add filter
        </Button>
      </Group>
      {filters.length === 0 && (
        <Text size="xs" c="dimmed">
          None: the report covers everything the runner may see.
        </Text>
      )}
      {filters.map((f, i) => (
        <Group key={i} gap="xs" align="flex-start">
          <Select
            size="xs"
            aria-label="Filter field"
            data={fields}
            value={f.field}
            onChange={(v) => v && set(i, { field: v })}
            allowDeselect={false}
            w={170}
          />
          <Select
            size="xs"
            aria-label="Filter operator"
            data={[
              { value: 'in', label: 'is one of' },
              { value: 'not_in', label: 'is none of' },
              { value: 'contains', label: 'contains' },
            ]}
            value={f.op}
            onChange={(v) => v && set(i, { op: v })}
            allowDeselect={false}
            w={130}
          />
          <TextInput
            size="xs"
            aria-label="Filter values"
            placeholder="Values, comma-separated (e.g. DE,FR)"
            defaultValue={f.values.join(',')}
            onBlur={(e) =>
              set(i, {
                values: e.currentTarget.value
                  .split(',')
                  .map((v) => v.trim())
                  .filter(Boolean),
              })
            }
            error={f.values.length === 0 ? 'give at least one value' : undefined}
            style={{ flex: 1 }}
          />
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label="Remove filter"
            onClick={() => onChange(filters.filter((_, j) => j !== i))}
          >
            <IconX size={14} />
          </ActionIcon>
        </Group>
      ))}
    </Stack>
  );
}

function Preview() {
  const { preview, previewing, previewError } = useReports();
  if (previewError)
    return (
      <Alert color="red" variant="light" data-testid="preview-error">
        {previewError}
      </Alert>
    );
  if (!preview)
    return (
      <Text c="dimmed" size="sm">
        {previewing ? 'Running…' : 'Run the preview to see exactly what the partner receives.'}
      </Text>
    );
  const time = preview.columns.find((c) => c.format === 'date');
  const metrics = preview.columns.filter((c) => c.kind === 'metric').slice(0, 3);
  const series = time
    ? Object.values(
        preview.rows.reduce<Record<string, Record<string, number | string>>>((acc, r) => {
          const k = String(r[time.id]);
          const point = (acc[k] ??= { [time.id]: k });
          for (const m of metrics) {
            const v = r[m.id];
            // Money is charted in major units, like the table shows it.
            const n =
              typeof v !== 'number'
                ? 0
                : m.format === 'money'
                  ? toMajorUnits(v, typeof r.currency === 'string' ? r.currency : 'USD')
                  : v;
            point[m.id] = ((point[m.id] as number | undefined) ?? 0) + n;
          }
          return acc;
        }, {}),
      ).sort((a, b) => String(a[time.id]).localeCompare(String(b[time.id])))
    : [];
  const colors = ['#4c6ef5', '#12b886', '#fd7e14'];
  return (
    <Stack gap="sm" data-testid="preview">
      <Text size="xs" c="dimmed">
        {preview.range.from} to {preview.range.to} ({preview.range.timezone}) · {preview.totalRows}{' '}
        rows
        {preview.hiddenColumns.length > 0 &&
          ` · hidden for this account: ${preview.hiddenColumns.join(', ')}`}
      </Text>
      {series.length > 1 && (
        <div style={{ height: 220 }}>
          <ResponsiveContainer>
            <LineChart data={series}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey={time!.id} fontSize={11} />
              <YAxis fontSize={11} />
              <Tooltip />
              <Legend />
              {metrics.map((m, i) => (
                <Line
                  key={m.id}
                  type="monotone"
                  dataKey={m.id}
                  name={m.label}
                  stroke={colors[i]}
                  dot={false}
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      <ScrollArea h={320}>
        <Table striped withTableBorder stickyHeader data-testid="preview-table">
          <Table.Thead>
            <Table.Tr>
              {preview.columns.map((c) => (
                <Table.Th key={c.id}>{c.label}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {preview.rows.map((r, i) => (
              <Table.Tr key={i}>
                {preview.columns.map((c) => (
                  <Table.Td
                    key={c.id}
                    style={{ textAlign: c.kind === 'metric' ? 'right' : 'left' }}
                  >
                    {cell(r[c.id], c.format, r.currency as string | undefined)}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
            {preview.totals.map((t, i) => (
              <Table.Tr key={`t${i}`} fw={700}>
                {preview.columns.map((c, j) => (
                  <Table.Td
                    key={c.id}
                    style={{ textAlign: c.kind === 'metric' ? 'right' : 'left' }}
                  >
                    {c.kind === 'metric'
                      ? cell(t[c.id], c.format, t.currency as string | undefined)
                      : j === 0
                        ? `Total${t.currency ? ` (${String(t.currency)})` : ''}`
                        : ''}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    </Stack>
  );
}

export function ReportsPage({ id }: { id: number | null }) {
  const { reports, draft, dirty, load, select, edit, save, remove, runPreview, previewing } =
    useReports();
  const { accounts, loaded, load: loadAccounts } = usePartners();
  const { byAccount, load: loadKeys, revealed } = useKeys();
  const go = useRouter((s) => s.go);
  const [asAccount, setAsAccount] = useState<string | null>(null);
  const [from, setFrom] = useState(() => iso(Date.now() - 30 * DAY));
  const [to, setTo] = useState(() => iso(Date.now() - DAY));
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [panelKey, setPanelKey] = useState<ApiKey | null>(null);

  useEffect(() => {
    load().then(
      () => select(id),
      (e: unknown) => notify.error('Could not load reports', e),
    );
    if (!loaded) loadAccounts().catch((e: unknown) => notify.error('Could not load partners', e));
  }, [id, load, select, loaded, loadAccounts]);

  useEffect(() => {
    if (asAccount) loadKeys(Number(asAccount)).catch(() => {});
  }, [asAccount, loadKeys]);

  const available = useMemo(() => columnsOf(draft.dataset), [draft.dataset]);
  const partnerAudience =
    draft.audience.kind === 'all' ||
    draft.audience.accountIds.some((a) => accounts.find((x) => x.id === a)?.kind !== 'employee');
  const accountOptions = accounts.map((a) => ({
    value: String(a.id),
    label: `${a.name} (${a.kind})`,
  }));
  const keys = asAccount
    ? (byAccount[Number(asAccount)] ?? []).filter((k) => k.status === 'active')
    : [];

  return (
    <Grid gap="md" data-testid="reports-page">
      <Grid.Col span={{ base: 12, md: 3 }}>
        <Stack gap="xs">
          <Group justify="space-between">
            <Title order={3}>Reports</Title>
            <Button
              size="xs"
              variant="light"
              onClick={() => go('reports')}
              data-testid="new-report"
            >
              New
            </Button>
          </Group>
          <Paper withBorder>
            {reports.map((r) => (
              <NavLink
                key={r.id}
                label={r.name}
                description={`${DATASET_LABELS[r.dataset]} · ${r.audience.kind === 'all' ? 'everyone' : `${r.audience.accountIds.length} accounts`}`}
                active={draft.id === r.id}
                onClick={() => go('reports', r.id)}
                data-testid={`report-${r.id}`}
              />
            ))}
            {reports.length === 0 && (
              <Text p="sm" size="sm" c="dimmed">
                No reports yet.
              </Text>
            )}
          </Paper>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 9 }}>
        <Stack gap="sm">
          <Paper withBorder p="md">
            <Stack gap="sm">
              <Group grow align="flex-start">
                <TextInput
                  label="Name"
                  required
                  value={draft.name}
                  onChange={(e) => edit({ name: e.currentTarget.value })}
                  data-testid="report-name"
                />
                <Select
                  label="Dataset"
                  data={DATASETS.map((d) => ({ value: d, label: DATASET_LABELS[d] }))}
                  value={draft.dataset}
                  onChange={(d) =>
                    d &&
                    edit({
                      dataset: d,
                      columns: [],
                      filters: [],
                      parameters: [],
                      sort: [],
                    })
                  }
                  allowDeselect={false}
                  data-testid="report-dataset"
                />
              </Group>
              <TextInput
                label="Description"
                value={draft.description ?? ''}
                onChange={(e) => edit({ description: e.currentTarget.value })}
              />
              <Grid>
                <Grid.Col span={6}>
                  <Text size="sm" fw={500} mb={4}>
                    Columns available
                  </Text>
                  <ScrollArea h={260} type="auto">
                    <Stack gap={4}>
                      {available.map((c) => (
                        <Checkbox
                          key={c.id}
                          label={
                            <Group gap={4}>
                              <span>{c.label}</span>
                              <Badge
                                size="xs"
                                variant="light"
                                color={c.kind === 'metric' ? 'indigo' : 'gray'}
                              >
                                {c.kind}
                              </Badge>
                              {isHiddenFromPartners(c.id) && (
                                <Badge size="xs" color="red" variant="light">
                                  employees only
                                </Badge>
                              )}
                            </Group>
                          }
                          checked={draft.columns.includes(c.id)}
                          onChange={(e) =>
                            edit({
                              columns: e.currentTarget.checked
                                ? [...draft.columns, c.id]
                                : draft.columns.filter((x) => x !== c.id),
                            })
                          }
                          data-testid={`col-${c.id}`}
                        />
                      ))}
                    </Stack>
                  </ScrollArea>
                </Grid.Col>
                <Grid.Col span={6}>
                  <Text size="sm" fw={500} mb={4}>
                    In the report, in this order (dimensions group the rows)
                  </Text>
                  <ColumnOrder columns={draft.columns} onChange={(columns) => edit({ columns })} />
                </Grid.Col>
              </Grid>
              <Group grow align="flex-start">
                <MultiSelect
                  label="Partner may filter by"
                  description="Query parameters, e.g. ?country=DE,FR"
                  data={available
                    .filter((c) => c.kind === 'dimension' && c.filterable)
                    .map((c) => ({ value: c.id, label: c.label }))}
                  value={draft.parameters}
                  onChange={(parameters) => edit({ parameters })}
                />
                <Select
                  label="Sort by"
                  data={draft.columns.map((c) => ({ value: c, label: columnDef(c)?.label ?? c }))}
                  value={draft.sort[0]?.column ?? null}
                  onChange={(c) =>
                    edit({
                      sort: c ? [{ column: c, direction: draft.sort[0]?.direction ?? 'desc' }] : [],
                    })
                  }
                  clearable
                  placeholder="The grouping"
                />
                <SegmentedControl
                  mt={24}
                  data={['asc', 'desc']}
                  value={draft.sort[0]?.direction ?? 'asc'}
                  onChange={(d) =>
                    draft.sort[0] &&
                    edit({
                      sort: [{ column: draft.sort[0].column, direction: d }],
                    })
                  }
                />
              </Group>
              <FilterList
                filters={draft.filters}
                fields={available
                  .filter((c) => c.kind === 'dimension' && c.filterable)
                  .map((c) => ({ value: c.id, label: c.label }))}
                onChange={(filters) => edit({ filters })}
              />
              <Group grow align="flex-start">
                <Select
                  label="Default range"
                  data={RANGE_PRESETS.map((r) => ({ value: r, label: r.replace(/_/g, ' ') }))}
                  value={draft.defaultRange ?? 'last_7_days'}
                  onChange={(r) => r && edit({ defaultRange: r })}
                  allowDeselect={false}
                />
                <TextInput
                  label="Time zone (IANA)"
                  value={draft.timezone ?? 'UTC'}
                  onChange={(e) => edit({ timezone: e.currentTarget.value })}
                />
              </Group>
              <Group grow align="flex-start">
                <Select
                  label="Who may run it"
                  data={[
                    { value: 'all', label: 'Every account' },
                    { value: 'accounts', label: 'Chosen accounts' },
                  ]}
                  value={draft.audience.kind}
                  onChange={(k) =>
                    edit({
                      audience:
                        k === 'accounts' ? { kind: 'accounts', accountIds: [] } : { kind: 'all' },
                    })
                  }
                  allowDeselect={false}
                />
                {draft.audience.kind === 'accounts' && (
                  <MultiSelect
                    label="Accounts"
                    searchable
                    data={accountOptions}
                    value={draft.audience.accountIds.map(String)}
                    onChange={(v) =>
                      edit({ audience: { kind: 'accounts', accountIds: v.map(Number) } })
                    }
                  />
                )}
              </Group>
              {partnerAudience && draft.columns.some(isHiddenFromPartners) && (
                <Alert color="red" variant="light">
                  Partners may run this report, so revenue, profit and the partner column cannot be
                  in it.
                </Alert>
              )}
              <Group justify="flex-end">
                {draft.id !== null && (
                  <Button variant="subtle" color="red" onClick={() => setDeleting(true)}>
                    Delete
                  </Button>
                )}
                <Button
                  loading={saving}
                  disabled={!draft.name.trim() || draft.columns.length === 0}
                  onClick={() => {
                    setSaving(true);
                    save()
                      .then(
                        (r) => (notify.ok('Report saved', r.name), go('reports', r.id)),
                        (e: unknown) => notify.error('Report not saved', e),
                      )
                      .finally(() => setSaving(false));
                  }}
                  data-testid="save-report"
                >
                  {draft.id === null ? 'Create report' : dirty ? 'Save changes' : 'Saved'}
                </Button>
              </Group>
            </Stack>
          </Paper>
          <Paper withBorder p="md">
            <Group align="flex-end" gap="sm" mb="sm">
              <Select
                label="View as"
                placeholder="Choose a partner"
                searchable
                data={accountOptions}
                value={asAccount}
                onChange={setAsAccount}
                w={280}
                data-testid="view-as"
              />
              <TextInput
                label="From"
                value={from}
                onChange={(e) => setFrom(e.currentTarget.value)}
                w={130}
              />
              <TextInput
                label="To"
                value={to}
                onChange={(e) => setTo(e.currentTarget.value)}
                w={130}
              />
              <Button
                loading={previewing}
                disabled={!asAccount || draft.columns.length === 0}
                onClick={() => void runPreview(Number(asAccount), from, to)}
                data-testid="run-preview"
              >
                Preview
              </Button>
              <Select
                label="API request with key"
                placeholder={
                  asAccount
                    ? keys.length
                      ? 'Choose a key'
                      : 'No active key'
                    : 'Choose a partner first'
                }
                data={keys.map((k) => ({
                  value: String(k.id),
                  label: `${k.label} (${k.displayPrefix}…)`,
                }))}
                value={null}
                onChange={(v) => setPanelKey(keys.find((k) => String(k.id) === v) ?? null)}
                disabled={draft.id === null || !keys.length}
                w={240}
                data-testid="report-api-key"
              />
            </Group>
            <Preview />
          </Paper>
        </Stack>
      </Grid.Col>
      <Confirm
        opened={deleting}
        title={`Delete “${draft.name}”?`}
        confirmLabel="Delete report"
        danger
        onClose={() => setDeleting(false)}
        onConfirm={() =>
          remove().then(
            () => (setDeleting(false), notify.ok('Report deleted'), go('reports')),
            (e: unknown) => notify.error('Not deleted', e),
          )
        }
      >
        Partners calling this report will get 404 report_not_found. Their keys keep working for
        their other reports.
      </Confirm>
      {panelKey && draft.id !== null && (
        <ApiPanel
          keyRecord={panelKey}
          reportId={draft.id}
          secret={revealed[panelKey.id] ?? null}
          onClose={() => setPanelKey(null)}
        />
      )}
    </Grid>
  );
}
