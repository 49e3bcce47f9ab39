import { Button, Group, NavLink, Paper, Stack, Text, Title } from '@mantine/core';
import { DATASET_LABELS } from '../../../../shared/report-catalog.ts';
import { useRouter } from '../../lib/router.ts';
import { useReportList } from '../../stores/reports.ts';
import { useReports } from './store.ts';
import { plural } from '../../../../shared/words.ts';

/** The saved reports; the one being edited is marked. */
export function ReportList() {
  const reports = useReportList((s) => s.reports);
  const editing = useReports((s) => s.draft.id);
  const go = useRouter((s) => s.go);
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Title order={3}>Reports</Title>
        <Button size="xs" variant="light" onClick={() => go('reports')} data-testid="new-report">
          New
        </Button>
      </Group>
      <Paper withBorder>
        {reports.map((r) => (
          <NavLink
            key={r.id}
            label={r.name}
            description={`${DATASET_LABELS[r.dataset]} · ${r.audience.kind === 'all' ? 'everyone' : plural(r.audience.accountIds.length, 'account')}`}
            active={editing === r.id}
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
  );
}
