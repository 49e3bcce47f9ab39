import { Button, Group, Paper, Select, TextInput } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import type { ApiKey } from '../../../../shared/schemas.ts';
import type { ApiPanelSlot } from '../../components/slots.ts';
import { useAccounts } from '../../stores/accounts.ts';
import { keysOf, useKeys } from '../../stores/keys.ts';
import { ReportPreview } from './ReportPreview.tsx';
import { useReports } from './store.ts';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The report as a chosen account receives it, and its API request with one of their keys. */
export function PreviewPanel({ apiPanel }: { apiPanel: ApiPanelSlot }) {
  const draft = useReports((s) => s.draft);
  const runPreview = useReports((s) => s.runPreview);
  const previewing = useReports((s) => s.previewing);
  const accounts = useAccounts((s) => s.accounts);
  const allKeys = useKeys((s) => s.keys);
  const loadKeys = useKeys((s) => s.load);
  const [asAccount, setAsAccount] = useState<string | null>(null);
  const [from, setFrom] = useState(() => iso(Date.now() - 30 * DAY));
  const [to, setTo] = useState(() => iso(Date.now() - DAY));
  const [panelKey, setPanelKey] = useState<ApiKey | null>(null);
  useEffect(() => {
    if (asAccount) loadKeys(Number(asAccount)).catch(() => {});
  }, [asAccount, loadKeys]);
  const accountOptions = accounts.map((a) => ({
    value: String(a.id),
    label: `${a.name} (${a.kind})`,
  }));
  const keys = useMemo(
    () =>
      asAccount ? keysOf(allKeys, Number(asAccount)).filter((k) => k.status === 'active') : [],
    [allKeys, asAccount],
  );
  return (
    <>
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
          <TextInput label="To" value={to} onChange={(e) => setTo(e.currentTarget.value)} w={130} />
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
        <ReportPreview />
      </Paper>
      {panelKey &&
        draft.id !== null &&
        apiPanel({ keyRecord: panelKey, reportId: draft.id, onClose: () => setPanelKey(null) })}
    </>
  );
}
