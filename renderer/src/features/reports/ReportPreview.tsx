import { Alert, ScrollArea, Stack, Table, Text } from '@mantine/core';
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
import { toMajorUnits } from '../../../../shared/money.ts';
import { cell } from '../../lib/format.ts';
import { useReports } from './store.ts';
import { plural } from '../../../../shared/words.ts';

/** The preview as the chosen account receives it: chart, rows and totals. */
export function ReportPreview() {
  const preview = useReports((s) => s.preview);
  const previewing = useReports((s) => s.previewing);
  const previewError = useReports((s) => s.previewError);
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
  // Without a dimension each row already is a total; with one, the label goes in its column.
  const labelAt = preview.columns.findIndex((c) => c.kind === 'dimension');
  return (
    <Stack gap="sm" data-testid="preview">
      <Text size="xs" c="dimmed">
        {preview.range.from} to {preview.range.to} ({preview.range.timezone}) ·{' '}
        {plural(preview.totalRows, 'row')}
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
            {labelAt >= 0 &&
              preview.totals.map((t, i) => (
                <Table.Tr key={`t${i}`} fw={700} data-testid="preview-total">
                  {preview.columns.map((c, j) => (
                    <Table.Td
                      key={c.id}
                      style={{ textAlign: c.kind === 'metric' ? 'right' : 'left' }}
                    >
                      {j === labelAt
                        ? `Total${t.currency ? ` (${String(t.currency)})` : ''}`
                        : c.kind === 'metric'
                          ? cell(t[c.id], c.format, t.currency as string | undefined)
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
