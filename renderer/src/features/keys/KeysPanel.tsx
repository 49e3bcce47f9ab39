import { Button, Group, Modal, Stack, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import type { Account, ApiKey } from '../../../../shared/schemas.ts';
import type { ApiPanelSlot } from '../../components/slots.ts';
import { download } from '../../lib/format.ts';
import { notify } from '../../lib/notify.ts';
import { keysOf, useKeys } from '../../stores/keys.ts';
import { KeyActionDialog, type Action } from './KeyActionDialog.tsx';
import { IssueKeyForm } from './KeyForm.tsx';
import { KeysTable } from './KeysTable.tsx';
import { SecretOnce } from './SecretOnce.tsx';
import { useCan } from '../../stores/me.ts';

/** Downloads keys as a file, named for what they are. */
export function exportKeys(keys: readonly ApiKey[], name: string, format: 'csv' | 'json') {
  useKeys
    .getState()
    .exportFile(
      keys.map((k) => k.id),
      format,
    )
    .then(
      (text) =>
        download(`${name}.${format}`, text, format === 'csv' ? 'text/csv' : 'application/json'),
      (e: unknown) => notify.error('Not exported', e),
    );
}

/** One account's keys: issue, edit, whitelist, rotate, extend, revoke, export. */
export function KeysPanel({ account, apiPanel }: { account: Account; apiPanel: ApiPanelSlot }) {
  const all = useKeys((s) => s.keys);
  const load = useKeys((s) => s.load);
  const [issuing, setIssuing] = useState(false);
  const canIssue = useCan('keys:write');
  const [action, setAction] = useState<Action>(null);
  const [panelFor, setPanelFor] = useState<ApiKey | null>(null);
  useEffect(() => {
    load(account.id).catch((e: unknown) => notify.error('Could not load keys', e));
  }, [account.id, load]);
  const keys = useMemo(() => keysOf(all, account.id), [all, account.id]);

  return (
    <Stack gap="sm" data-testid="keys-panel">
      <Group justify="space-between">
        <Title order={4}>API keys</Title>
        <Group gap="xs">
          <Button
            variant="default"
            size="xs"
            disabled={!keys.length}
            onClick={() => exportKeys(keys, `keys-${account.id}`, 'json')}
          >
            Export JSON
          </Button>
          <Button
            variant="default"
            size="xs"
            disabled={!keys.length}
            onClick={() => exportKeys(keys, `keys-${account.id}`, 'csv')}
          >
            Export CSV
          </Button>
          {canIssue && (
            <Button
              size="xs"
              onClick={() => setIssuing(true)}
              disabled={account.status === 'suspended'}
              data-testid="issue-key"
            >
              Issue key
            </Button>
          )}
        </Group>
      </Group>
      {keys.length === 0 ? (
        <Text c="dimmed" size="sm">
          No keys yet. Issue one per integration (a BI warehouse, a spreadsheet…).
        </Text>
      ) : (
        <KeysTable keys={keys} onAction={setAction} onApi={setPanelFor} />
      )}
      <Modal
        opened={issuing}
        onClose={() => setIssuing(false)}
        title={`Issue a key for ${account.name}`}
        size="lg"
      >
        <IssueKeyForm account={account} onDone={() => setIssuing(false)} />
      </Modal>
      <SecretOnce />
      <KeyActionDialog action={action} onClose={() => setAction(null)} />
      {panelFor && apiPanel({ keyRecord: panelFor, onClose: () => setPanelFor(null) })}
    </Stack>
  );
}
