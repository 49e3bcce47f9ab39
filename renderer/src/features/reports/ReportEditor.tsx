import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Grid,
  Group,
  MultiSelect,
  Paper,
  ScrollArea,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import {
  DATASET_LABELS,
  DATASETS,
  columnDef,
  columnsOf,
  isHiddenFromPartners,
} from '../../../../shared/report-catalog.ts';
import { RANGE_PRESETS, type Account, type ReportDefinition } from '../../../../shared/schemas.ts';
import { plural } from '../../../../shared/words.ts';
import { Confirm } from '../../components/Confirm.tsx';
import { notify } from '../../lib/notify.ts';
import { useRouter } from '../../lib/router.ts';
import { useAccounts } from '../../stores/accounts.ts';
import { useReportList } from '../../stores/reports.ts';
import { ColumnOrder } from './ColumnOrder.tsx';
import { FilterList } from './FilterList.tsx';
import { useReports } from './store.ts';

/** The accounts an audience reaches, partners first. */
function audienceOf(audience: ReportDefinition['audience'], accounts: readonly Account[]) {
  const reached =
    audience.kind === 'all' ? accounts : accounts.filter((a) => audience.accountIds.includes(a.id));
  return [...reached].sort((a, b) => Number(a.kind === 'employee') - Number(b.kind === 'employee'));
}

function AccountNames({ accounts, what }: { accounts: readonly Account[]; what: string }) {
  const shown = accounts.slice(0, 6);
  const partners = accounts.filter((a) => a.kind !== 'employee').length;
  return (
    <Text size="sm" mb="xs" data-testid="report-audience-warning">
      {plural(accounts.length, 'account')} ({plural(partners, 'partner')}) {what}:{' '}
      {shown.map((a) => a.name).join(', ')}
      {accounts.length > shown.length && ` and ${accounts.length - shown.length} more`}.
    </Text>
  );
}

/** The definition being edited: columns, filters, parameters, sort, range, audience. */
export function ReportEditor() {
  const draft = useReports((s) => s.draft);
  const dirty = useReports((s) => s.dirty);
  const edit = useReports((s) => s.edit);
  const save = useReports((s) => s.save);
  const remove = useReports((s) => s.remove);
  const accounts = useAccounts((s) => s.accounts);
  const go = useRouter((s) => s.go);
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [confirming, setConfirming] = useState(false);
  // Who runs the report as saved: they see an edit on their next call.
  const saved = useReportList((s) => s.reports.find((r) => r.id === draft.id));
  const runners = saved ? audienceOf(saved.audience, accounts) : [];
  const doSave = () => {
    setSaving(true);
    save()
      .then(
        (r) => (setConfirming(false), notify.ok('Report saved', r.name), go('reports', r.id)),
        (e: unknown) => notify.error('Report not saved', e),
      )
      .finally(() => setSaving(false));
  };
  const available = useMemo(() => columnsOf(draft.dataset), [draft.dataset]);
  const partnerAudience =
    draft.audience.kind === 'all' ||
    draft.audience.accountIds.some((a) => accounts.find((x) => x.id === a)?.kind !== 'employee');
  const accountOptions = accounts.map((a) => ({
    value: String(a.id),
    label: `${a.name} (${a.kind})`,
  }));
  return (
    <>
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
              Partners may run this report, so revenue, profit and the partner column cannot be in
              it.
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
              onClick={() => (runners.length > 1 ? setConfirming(true) : doSave())}
              data-testid="save-report"
            >
              {draft.id === null ? 'Create report' : dirty ? 'Save changes' : 'Saved'}
            </Button>
          </Group>
        </Stack>
      </Paper>
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
        {runners.length > 0 && <AccountNames accounts={runners} what="run it today" />}
        Partners calling this report will get 404 report_not_found. Their keys keep working for
        their other reports.
      </Confirm>
      <Confirm
        opened={confirming}
        title={`Change the report ${plural(runners.length, 'account')} run${runners.length === 1 ? 's' : ''}?`}
        confirmLabel="Save for everyone"
        busy={saving}
        onClose={() => setConfirming(false)}
        onConfirm={doSave}
      >
        <AccountNames accounts={runners} what="run this report" />
        Each of them gets the changed report on their next call, from their scripts and spreadsheets
        alike. To change it for one partner only, save a copy shared with them.
      </Confirm>
    </>
  );
}
