import { useShallow } from 'zustand/react/shallow';
import {
  Alert,
  Button,
  Checkbox,
  FileInput,
  Group,
  Paper,
  Progress,
  ScrollArea,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { notify } from '../../lib/notify.ts';
import { download } from '../../lib/format.ts';
import { useImport } from './store.ts';
import { plural } from '../../../../shared/words.ts';

export function ImportPage() {
  const {
    dataset,
    file,
    preview,
    mapping,
    mode,
    upsert,
    job,
    setDataset,
    choose,
    map,
    setMode,
    setUpsert,
    start,
    reset,
  } = useImport(
    useShallow((s) => ({
      dataset: s.dataset,
      file: s.file,
      preview: s.preview,
      mapping: s.mapping,
      mode: s.mode,
      upsert: s.upsert,
      job: s.job,
      setDataset: s.setDataset,
      choose: s.choose,
      map: s.map,
      setMode: s.setMode,
      setUpsert: s.setUpsert,
      start: s.start,
      reset: s.reset,
    })),
  );
  const missing =
    preview?.fields.filter((f) => f.required && !mapping[f.id]).map((f) => f.id) ?? [];
  const running = job?.state === 'running';
  return (
    <Stack gap="sm" maw={1100} data-testid="import-page">
      <Title order={3}>Import CSV</Title>
      <Paper withBorder p="md">
        <Stack gap="sm">
          <Group align="flex-end">
            <SegmentedControl
              value={dataset}
              onChange={(d) =>
                void setDataset(d).catch((e: unknown) => notify.error('Cannot read the file', e))
              }
              data={[
                { value: 'clicks', label: 'Clicks' },
                { value: 'conversions', label: 'Conversions' },
                { value: 'leads', label: 'Leads' },
              ]}
              disabled={running}
            />
            <FileInput
              label="CSV file with a header line"
              placeholder="Choose a file"
              accept=".csv,text/csv"
              value={file}
              onChange={(f) =>
                void choose(f).catch((e: unknown) => notify.error('Cannot read the file', e))
              }
              w={360}
              clearable
              disabled={running}
              data-testid="import-file"
            />
          </Group>
          {preview && (
            <>
              <Text size="sm" fw={600}>
                Columns: which header feeds which field
              </Text>
              <Group gap="xs">
                {preview.fields.map((f) => (
                  <Select
                    key={f.id}
                    label={`${f.id}${f.required ? ' *' : ''}`}
                    data={preview.headers}
                    value={mapping[f.id] ?? null}
                    onChange={(h) => map(f.id, h)}
                    clearable={!f.required}
                    w={170}
                    size="xs"
                    error={f.required && !mapping[f.id] ? 'required' : undefined}
                  />
                ))}
              </Group>
              <Text size="sm" fw={600}>
                First rows
              </Text>
              <ScrollArea>
                <Table withTableBorder fz="xs">
                  <Table.Thead>
                    <Table.Tr>
                      {preview.headers.map((h) => (
                        <Table.Th key={h}>{h}</Table.Th>
                      ))}
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {preview.sample.map((r, i) => (
                      <Table.Tr key={i}>
                        {preview.headers.map((h) => (
                          <Table.Td key={h}>{r[h]}</Table.Td>
                        ))}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollArea>
              <Group>
                <SegmentedControl
                  value={mode}
                  onChange={(m) => setMode(m)}
                  data={[
                    { value: 'all-or-nothing', label: 'All or nothing' },
                    { value: 'skip-invalid', label: 'Import the valid rows' },
                  ]}
                />
                {dataset !== 'clicks' && (
                  <Checkbox
                    label={`Update ${dataset} already stored`}
                    description="A later export: statuses, amounts and deposits change; partner, offer and currency never"
                    checked={upsert}
                    onChange={(e) => setUpsert(e.currentTarget.checked)}
                    data-testid="import-upsert"
                  />
                )}
                <Text size="xs" c="dimmed">
                  {mode === 'all-or-nothing'
                    ? 'One bad row and nothing is imported.'
                    : 'Bad rows are left out and listed in the rejects file.'}
                </Text>
                <Button
                  ml="auto"
                  disabled={missing.length > 0 || running}
                  loading={running}
                  onClick={() =>
                    void start().catch((e: unknown) => notify.error('Import failed', e))
                  }
                  data-testid="import-start"
                >
                  Import
                </Button>
              </Group>
            </>
          )}
        </Stack>
      </Paper>
      {job && (
        <Paper withBorder p="md" data-testid="import-job">
          <Stack gap="xs">
            <Progress
              value={job.bytesTotal ? (100 * job.bytesRead) / job.bytesTotal : 0}
              animated={running}
            />
            <Text size="sm">
              {plural(job.rowsRead, 'row')} read
              {running && job.phase === 'committing' ? ' — saving them to the store…' : ''}
            </Text>
            {job.error && (
              <Alert color="red" variant="light">
                {job.error.message}
              </Alert>
            )}
            {job.result && (
              <Alert
                color={job.result.rejected ? (job.result.committed ? 'orange' : 'red') : 'teal'}
                variant="light"
                data-testid="import-summary"
              >
                {job.result.committed
                  ? `Imported ${job.result.imported.toLocaleString()} of ${plural(job.result.rowsRead, 'row')}${job.result.writes === 'upsert' ? ` (${job.result.created.toLocaleString()} new, ${job.result.updated.toLocaleString()} updated, ${job.result.unchanged.toLocaleString()} unchanged)` : ''}${job.result.rejected ? `; ${job.result.rejected} rejected` : ''}.`
                  : `Nothing imported: ${job.result.rejected.toLocaleString()} of ${plural(job.result.rowsRead, 'row')} ${job.result.rejected === 1 ? 'was' : 'were'} rejected. Fix them, or import the valid rows only.`}
                {job.result.ignoredColumns.length > 0 &&
                  ` Columns not used: ${job.result.ignoredColumns.join(', ')}.`}
              </Alert>
            )}
            <Group>
              {job.result?.rejectsCsv && (
                <Button
                  variant="default"
                  onClick={() =>
                    download(`${file?.name ?? 'import'}.rejects.csv`, job.result!.rejectsCsv!)
                  }
                >
                  Download rejects file
                </Button>
              )}
              {!running && (
                <Button variant="subtle" onClick={reset}>
                  Import another file
                </Button>
              )}
            </Group>
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}
