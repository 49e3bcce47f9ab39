import { useShallow } from 'zustand/react/shallow';
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
import type { ApiProbe } from '../../../../shared/admin-contract.ts';
import {
  CA_FILE,
  SNIPPET_LABELS,
  maskSecret,
  requestUrl,
  snippet,
  type ApiRequest,
  type SnippetTarget,
} from '../../../../shared/snippets.ts';
import { notify } from '../../lib/notify.ts';
import { download } from '../../lib/format.ts';
import type { ApiPanelProps } from '../../components/slots.ts';
import { useAccounts } from '../../stores/accounts.ts';
import { useKeys } from '../../stores/keys.ts';
import { useListener } from '../../stores/listener.ts';
import { sharedWith, useReportList } from '../../stores/reports.ts';
import { useApiPanel } from './store.ts';

const NO_QUERY: Record<string, string> = {};
const TARGETS = Object.keys(SNIPPET_LABELS) as SnippetTarget[];
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The exact request for one report and one key, ready to paste, in the tools partners use.
 * The key stays masked until revealed; copying always copies the real command.
 */
export function ApiPanel({ keyRecord: given, reportId, onClose }: ApiPanelProps) {
  // The key as it is now: allowing it in URLs here changes what the panel offers.
  const keyRecord = useKeys((s) => s.keys.find((k) => k.id === given.id)) ?? given;
  const reveal = useKeys((s) => s.reveal);
  const updateKey = useKeys((s) => s.update);
  const partnerZone = useAccounts(
    (s) => s.accounts.find((a) => a.id === keyRecord.accountId)?.timezone,
  );
  const known = useKeys((s) => s.revealed[keyRecord.id] ?? null);
  const allReports = useReportList((s) => s.reports);
  const loadReports = useReportList((s) => s.load);
  const status = useListener((s) => s.status);
  const loadListener = useListener((s) => s.load);
  const { probe, probing, run, clear } = useApiPanel(
    useShallow((s) => ({ probe: s.probe, probing: s.probing, run: s.run, clear: s.clear })),
  );
  const reports = useMemo(
    () => sharedWith(allReports, keyRecord.accountId),
    [allReports, keyRecord.accountId],
  );
  const addresses = status?.addresses ?? [];
  const listenerRunning = status?.running ?? true;
  const [report, setReport] = useState<string | null>(reportId ? String(reportId) : null);
  const [chosenHost, setHost] = useState<string | null>(null);
  const [from, setFrom] = useState(() => iso(Date.now() - 7 * DAY));
  const [to, setTo] = useState(() => iso(Date.now() - DAY));
  const [revealedHere, setSecret] = useState<string | null>(null);
  const secret = revealedHere ?? known;
  const [shown, setShown] = useState(false);
  const [target, setTarget] = useState<SnippetTarget>('curl');

  useEffect(() => {
    clear();
    Promise.all([loadReports(), loadListener()]).catch((e: unknown) =>
      notify.error('Could not load the API panel', e),
    );
  }, [keyRecord.id, clear, loadReports, loadListener]);
  const shownReport = report ?? (reports[0] ? String(reports[0].id) : null);
  const host =
    chosenHost ?? addresses[0]?.url ?? (status ? `http://127.0.0.1:${status.port}` : null);

  const request = useMemo<ApiRequest>(
    () => ({
      baseUrl: host ?? 'http://127.0.0.1:8787',
      path: shownReport ? `/api/v1/reports/${shownReport}` : '/api/v1/me',
      query: shownReport ? { from, to } : NO_QUERY,
      secret: secret ?? `${keyRecord.displayPrefix}…`,
      allowQueryAuth: keyRecord.allowQueryAuth,
      // HTTPS with Partnergate's own CA: every snippet trusts it (the partner gets the file).
      trust:
        host?.startsWith('https:') && status?.https?.caPem
          ? { caFile: CA_FILE, pin: status.https.pin }
          : null,
    }),
    [host, shownReport, from, to, secret, keyRecord, status],
  );
  // The pinned-key cURL exists only with our own CA; on plain HTTP it falls back to cURL.
  const text = snippet(target === 'curl-pinned' && !request.trust ? 'curl' : target, request);
  const reportZone = allReports.find((r) => String(r.id) === shownReport)?.timezone ?? 'UTC';
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
        <Select
          label="Host partners use"
          description="Where this machine answers; pick the address the partner can reach (LAN or VPN)."
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
        <Group grow align="flex-end">
          <Select
            label="Report"
            data={reports.map((r) => ({ value: String(r.id), label: `${r.name} (#${r.id})` }))}
            value={shownReport}
            onChange={setReport}
            placeholder="No report shared with this partner"
            data-testid="panel-report"
          />
          <TextInput label="From" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
          <TextInput label="To" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </Group>
        {shownReport && (
          <Text size="xs" c="dimmed" data-testid="panel-zone">
            From and To are whole days in {reportZone}, the report’s time zone (add{' '}
            <Code fz="xs">tz=…</Code> for another). The partner’s raw rows (/conversions, /leads)
            are dated in their own zone{partnerZone ? `, ${partnerZone}` : ''}.
          </Text>
        )}
        <Tabs
          value={target}
          onChange={(v) => v && setTarget(v as SnippetTarget)}
          keepMounted={false}
        >
          <Tabs.List>
            {TARGETS.filter((t) => t !== 'curl-pinned' || request.trust).map((t) => (
              <Tabs.Tab key={t} value={t} data-testid={`tab-${t}`}>
                {SNIPPET_LABELS[t]}
              </Tabs.Tab>
            ))}
          </Tabs.List>
        </Tabs>
        {text === null ? (
          <Alert color="orange" variant="light" data-testid="no-url-auth">
            This key may not be sent in a URL, and a spreadsheet can send it no other way. Allow it
            only for a key made for a spreadsheet: a URL can end up in logs and browser history.
            <Group mt="xs">
              <Button
                size="xs"
                variant="light"
                color="orange"
                onClick={() =>
                  updateKey({ id: keyRecord.id, allowQueryAuth: true }).then(
                    () => notify.ok('Key allowed in URLs', `${keyRecord.label} (#${keyRecord.id})`),
                    (e: unknown) => notify.error('Not changed', e),
                  )
                }
                data-testid="allow-url-auth"
              >
                Allow this key in URLs
              </Button>
            </Group>
          </Alert>
        ) : (
          <Code
            block
            data-testid="snippet"
            style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
          >
            {secret && !shown ? maskSecret(text, secret) : text}
          </Code>
        )}
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
            {request.trust && status?.https?.caPem && (
              <Button
                size="xs"
                variant="default"
                onClick={() => download(CA_FILE, status.https!.caPem!, 'application/x-pem-file')}
                data-testid="panel-download-ca"
              >
                CA file for the partner
              </Button>
            )}
            <CopyButton value={text ?? ''}>
              {({ copied, copy }) => (
                <Button
                  size="xs"
                  color={copied ? 'teal' : undefined}
                  disabled={!secret || text === null}
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
              onClick={() =>
                void run({ url: requestUrl(request), keyId: keyRecord.id }).catch((e: unknown) =>
                  notify.error('Run now failed', e),
                )
              }
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
