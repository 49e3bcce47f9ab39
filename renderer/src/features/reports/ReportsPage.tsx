import { Grid, Stack } from '@mantine/core';
import { useEffect } from 'react';
import type { ApiPanelSlot } from '../../components/slots.ts';
import { notify } from '../../lib/notify.ts';
import { useAccounts } from '../../stores/accounts.ts';
import { PreviewPanel } from './PreviewPanel.tsx';
import { ReportEditor } from './ReportEditor.tsx';
import { ReportList } from './ReportList.tsx';
import { useReports } from './store.ts';

/** Report definitions: the list, the editor, and a preview as a partner receives it. */
export function ReportsPage({
  id,
  as,
  apiPanel,
}: {
  id: number | null;
  as: number | null;
  apiPanel: ApiPanelSlot;
}) {
  const load = useReports((s) => s.load);
  const select = useReports((s) => s.select);
  const loaded = useAccounts((s) => s.loaded);
  const loadAccounts = useAccounts((s) => s.load);
  useEffect(() => {
    load().then(
      () => select(id),
      (e: unknown) => notify.error('Could not load reports', e),
    );
  }, [id, load, select]);
  useEffect(() => {
    if (!loaded) loadAccounts().catch((e: unknown) => notify.error('Could not load partners', e));
  }, [loaded, loadAccounts]);
  return (
    <Grid gap="md" data-testid="reports-page">
      <Grid.Col span={{ base: 12, md: 3 }}>
        <ReportList />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 9 }}>
        <Stack gap="sm">
          <ReportEditor />
          <PreviewPanel key={`${id}:${as}`} apiPanel={apiPanel} reportId={id} as={as} />
        </Stack>
      </Grid.Col>
    </Grid>
  );
}
