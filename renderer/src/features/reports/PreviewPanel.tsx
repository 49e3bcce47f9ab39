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

/**
 * The report as a chosen account receives it, and its API request with one of their keys.
 * Opened from a partner's page (`#/reports/5?as=14`), it previews as that account at once
 * (the page keys it by the address, so another address is a fresh panel).
 */
export function PreviewPanel({
  apiPanel,
  reportId,
  as,
}: {
  apiPanel: ApiPanelSlot;
  reportId: number | null;
  as: number | null;
}) {
  const draft = useReports((s) => s.draft);
  const runPreview = useReports((s) => s.runPreview);
  const selection = useReports((s) => s.selection);
  const previewing = useReports((s) => s.previewing);
  const accounts = useAccounts((s) => s.accounts);
  const allKeys = useKeys((s) => s.keys);
  const loadKeys = useKeys((s) => s.load);
  const [asAccount, setAsAccount] = useState<string | null>(as === null ? null : String(as));
  const [from, setFrom] = useState(() => iso(Date.now() - 30 * DAY));
  const [to, setTo] = useState(() => iso(Date.now() - DAY));
  const [panelKey, setPanelKey] = useState<ApiKey | null>(null);
  const shownId = draft.id;
  useEffect(() => {
    // Once the report in the address is the one shown, preview it as the account named there
    // (again after each selection: selecting clears the preview, even of the same report).
    if (as === null || reportId === null || shownId !== reportId) return;
    void runPreview(as, from, to);
    // The dates are the panel's defaults when it opens; later edits need the Preview button.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [as, reportId, shownId, selection, runPreview]);
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
