import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  ScrollArea,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
} from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import type { ApiProbe, ListenerAddressView } from '../../../../shared/admin-contract.ts';
import type { ApiKey, ReportDefinition } from '../../../../shared/schemas.ts';
import {
  SNIPPET_LABELS,
  maskSecret,
  requestUrl,
  snippet,
  type ApiRequest,
  type SnippetTarget,
} from '../../../../shared/snippets.ts';
import { api } from '../../lib/api.ts';
import { notify } from '../../app/notify.ts';
import { useKeys } from '../keys/store.ts';

const NO_QUERY: Record<string, string> = {};
const TARGETS = Object.keys(SNIPPET_LABELS) as SnippetTarget[];
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The exact request for one report and one key, ready to paste, in the tools partners use.
 * The key stays masked until revealed; copying always copies the real command.
 */
export function ApiPanel({
  keyRecord,
  reportId,
  secret: known,
  onClose,
}: {
  keyRecord: ApiKey;
  reportId?: number;
  secret: string | null;
  onClose: () => void;
}) {
  const reveal = useKeys((s) => s.reveal);
  const [reports, setReports] = useState<ReportDefinition[]>([]);
  const [addresses, setAddresses] = useState<ListenerAddressView[]>([]);
  const [listenerRunning, setListenerRunning] = useState(true);
  const [report, setReport] = useState<string | null>(reportId ? String(reportId) : null);
  const [host, setHost] = useState<string | null>(null);
  const [from, setFrom] = useState(() => iso(Date.now() - 7 * DAY));
  const [to, setTo] = useState(() => iso(Date.now() - DAY));
  const [secret, setSecret] = useState<string | null>(known);
  const [shown, setShown] = useState(false);
  const [target, setTarget] = useState<SnippetTarget>('curl');
  const [probe, setProbe] = useState<ApiProbe | null>(null);
  const [probing, setProbing] = useState(false);

  useEffect(() => {
    Promise.all([api.listReports({ accountId: keyRecord.accountId }), api.listenerStatus({})]).then(
      ([r, s]) => {
        setReports(r);
        setReport((cur) => cur ?? (r[0] ? String(r[0].id) : null));
        setAddresses(s.addresses);
        setListenerRunning(s.running);
        setHost((cur) => cur ?? s.addresses[0]?.url ?? `http://127.0.0.1:${s.port}`);
      },
      (e: unknown) => notify.error('Could not load the API panel', e),
    );
  }, [keyRecord.accountId]);

  const request = useMemo<ApiRequest>(
    () => ({
      baseUrl: host ?? 'http://127.0.0.1:8787',
      path: report ? `/api/v1/reports/${report}` : '/api/v1/me',
      query: report ? { from, to } : NO_QUERY,
      secret: secret ?? `${keyRecord.displayPrefix}…`,
      allowQueryAuth: keyRecord.allowQueryAuth,
    }),
    [host, report, from, to, secret, keyRecord],
  );
  const text = snippet(target, request);
  const hasReports = keyRecord.scopes.includes('reports:read');

  const doReveal = () =>
    reveal(keyRecord.id).then(
      (s) => (setSecret(s), setShown(true)),
      (e: unknown) => notify.error('The key cannot be shown again', e),
    );

  return (
    <Modal
      opened
      onClose={onClose}
      title={`API request — ${keyRecord.label} (${keyRecord.accountName})`}
      size="xl"
      data-testid="api-panel"
    >
      <Stack gap="sm">
        {!listenerRunning && (
          <Alert color="orange" variant="light">
            The partner API listener is stopped: start it on the Listener page before partners call.
          </Alert>
        )}
        {!hasReports && (
          <Alert color="orange" variant="light">
            This key lacks “reports:read”; it cannot run reports.
          </Alert>
        )}
        <Group grow align="flex-end">
          <Select
            label="Report"
            data={reports.map((r) => ({ value: String(r.id), label: `${r.name} (#${r.id})` }))}
            value={report}
            onChange={setReport}
            placeholder="No report shared with this partner"
            data-testid="panel-report"
          />
          <Select
            label="Host partners use"
            data={(addresses.length
              ? addresses
              : [{ url: request.baseUrl, kind: 'loopback', interface: '' }]
            ).map((a) => ({
              value: a.url,
              label: `${a.url} (${a.kind}${a.interface ? `, ${a.interface}` : ''})`,
            }))}
            value={host}
            onChange={setHost}
            allowDeselect={false}
            data-testid="panel-host"
          />
          <TextInput label="From" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
          <TextInput label="To" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </Group>
        <Tabs
          value={target}
          onChange={(v) => v && setTarget(v as SnippetTarget)}
          keepMounted={false}
        >
          <Tabs.List>
            {TARGETS.map((t) => (
              <Tabs.Tab key={t} value={t} data-testid={`tab-${t}`}>
                {SNIPPET_LABELS[t]}
              </Tabs.Tab>
            ))}
          </Tabs.List>
        </Tabs>
        <Code
          block
          data-testid="snippet"
          style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
        >
          {secret && !shown ? maskSecret(text, secret) : text}
        </Code>
        <Group justify="space-between">
          <Group gap="xs">
            {secret ? (
              <Button
                size="xs"
                variant="default"
                onClick={() => setShown(!shown)}
                data-testid="toggle-secret"
              >
                {shown ? 'Mask key' : 'Show key'}
              </Button>
            ) : (
              <Button
                size="xs"
                variant="default"
                onClick={() => void doReveal()}
                disabled={!keyRecord.secretRetained}
                data-testid="reveal-secret"
              >
                {keyRecord.secretRetained
                  ? 'Reveal key'
                  : 'Key was shown once: rotate to get a new one'}
              </Button>
            )}
          </Group>
          <Group gap="xs">
            <CopyButton value={text}>
              {({ copied, copy }) => (
                <Button
                  size="xs"
                  color={copied ? 'teal' : undefined}
                  disabled={!secret}
                  onClick={copy}
                  data-testid="copy-snippet"
                >
                  {copied ? 'Copied' : secret ? 'Copy' : 'Reveal the key to copy'}
                </Button>
              )}
            </CopyButton>
            <Button
              size="xs"
              variant="light"
              loading={probing}
              disabled={!listenerRunning}
              onClick={() => {
                setProbing(true);
                api
                  .probeApi({ url: requestUrl(request), keyId: keyRecord.id })
                  .then(setProbe, (e: unknown) => notify.error('Run now failed', e))
                  .finally(() => setProbing(false));
              }}
              data-testid="run-now"
            >
              Run now
            </Button>
          </Group>
        </Group>
        {probe && <ProbeResult probe={probe} />}
      </Stack>
    </Modal>
  );
}

function ProbeResult({ probe }: { probe: ApiProbe }) {
  let rows: Record<string, unknown>[] = [];
  let columns: string[] = [];
  try {
    const body = JSON.parse(probe.body) as { rows?: Record<string, unknown>[] };
    rows = (body.rows ?? []).slice(0, 10);
    columns = rows[0] ? Object.keys(rows[0]) : [];
  } catch {
    /* not JSON: shown as text below */
  }
  return (
    <Stack gap={6} data-testid="probe-result">
      <Group gap="xs">
        <Badge
          color={probe.status >= 200 && probe.status < 300 ? 'teal' : 'red'}
          data-testid="probe-status"
        >
          {probe.error ? 'failed' : `HTTP ${probe.status}`}
        </Badge>
        <Text size="xs" c="dimmed">
          {probe.durationMs} ms
        </Text>
        {Object.entries(probe.headers).map(([k, v]) => (
          <Text key={k} size="xs" ff="monospace">
            {k}: {v}
          </Text>
        ))}
      </Group>
      {probe.error && (
        <Text c="red" size="sm">
          {probe.error}
        </Text>
      )}
      {rows.length > 0 ? (
        <ScrollArea>
          <Table withTableBorder fz="xs">
            <Table.Thead>
              <Table.Tr>
                {columns.map((c) => (
                  <Table.Th key={c}>{c}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r, i) => (
                <Table.Tr key={i}>
                  {columns.map((c) => (
                    <Table.Td key={c}>{String(r[c] as string)}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      ) : (
        <Code block style={{ maxHeight: 200, overflow: 'auto' }}>
          {probe.body.slice(0, 3000)}
        </Code>
      )}
    </Stack>
  );
}
