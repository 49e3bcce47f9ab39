import { useShallow } from 'zustand/react/shallow';
import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  NumberInput,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ListenerStatus } from '../../../../shared/admin-contract.ts';
import { notify } from '../../lib/notify.ts';
import { useListener } from '../../stores/listener.ts';
import { useCan } from '../../stores/me.ts';
import { download, formatDate } from '../../lib/format.ts';
import { HTTPS_MODES, type HttpsMode } from '../../../../shared/settings.ts';

function report(s: ListenerStatus) {
  if (s.running) notify.ok('Listener running', `Port ${s.port}`);
  else if (s.error) notify.error('Listener not started', new Error(s.error.message));
}

/** Host and port as typed, seeded from the saved address; remounted when that changes. */
function AddressForm({
  initialHost,
  initialPort,
  running,
}: {
  initialHost: string;
  initialPort: number;
  running: boolean;
}) {
  const { busy, start, stop, configure } = useListener(
    useShallow((s) => ({ busy: s.busy, start: s.start, stop: s.stop, configure: s.configure })),
  );
  const [host, setHost] = useState(initialHost);
  const [port, setPort] = useState<number>(initialPort);
  const canManage = useCan('listener:manage');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        configure(host, port).then(report, (err: unknown) => notify.error('Not changed', err));
      }}
    >
      <Group align="flex-end" gap="sm">
        <TextInput
          label="Host"
          value={host}
          onChange={(e) => setHost(e.currentTarget.value)}
          w={200}
          data-testid="listener-host"
        />
        <NumberInput
          label="Port"
          value={port}
          onChange={(v) => setPort(Number(v))}
          min={0}
          max={65535}
          w={120}
          data-testid="listener-port"
        />
        {canManage && (
          <Button type="submit" variant="default" loading={busy}>
            Save address
          </Button>
        )}
        {!canManage ? null : running ? (
          <Button
            color="red"
            variant="light"
            loading={busy}
            onClick={() =>
              void stop().then(
                () => notify.ok('Listener stopped'),
                (e: unknown) => notify.error('Not stopped', e),
              )
            }
            data-testid="listener-stop"
          >
            Stop
          </Button>
        ) : (
          <Button
            loading={busy}
            onClick={() =>
              void start().then(report, (e: unknown) => notify.error('Not started', e))
            }
            data-testid="listener-start"
          >
            Start
          </Button>
        )}
      </Group>
    </form>
  );
}

const HTTPS_WORDS: Record<HttpsMode, string> = {
  'beyond-loopback': 'HTTPS beyond this machine (recommended)',
  always: 'HTTPS everywhere, this machine too',
  never: 'Plain HTTP everywhere (keys travel in clear on the network)',
};

/**
 * How partners reach the API securely: the certificate served, the CA they trust (download it,
 * compare its fingerprint by phone), or the standing warning when plain HTTP was chosen.
 */
function HttpsPanel({ status }: { status: ListenerStatus }) {
  const configure = useListener((s) => s.configure);
  const canManage = useCan('listener:manage');
  const tls = status.https;
  return (
    <Paper withBorder p="md" data-testid="listener-https">
      <Stack gap="sm">
        <Title order={5}>HTTPS</Title>
        {status.clearBeyondLoopback && (
          <Alert
            color="red"
            variant="light"
            title="Keys travel in clear"
            data-testid="clear-http-warning"
          >
            The API answers beyond this machine over plain HTTP: anyone on the network path can read
            partners’ keys and data. Choose HTTPS below unless a TLS proxy stands in front.
          </Alert>
        )}
        <Select
          label="When to serve HTTPS"
          data={HTTPS_MODES.map((m) => ({ value: m, label: HTTPS_WORDS[m] }))}
          value={status.httpsMode}
          disabled={!canManage}
          allowDeselect={false}
          onChange={(v) =>
            v &&
            void configure(status.host, status.port, v).then(report, (e: unknown) =>
              notify.error('Not changed', e),
            )
          }
          w={420}
          data-testid="listener-https-mode"
        />
        {tls?.caPem && (
          <>
            <Text size="sm">
              Partnergate’s own certificate authority signs this listener’s certificate. Partners
              trust it once: send them the CA file (their cURL uses <Code>--cacert</Code>), and have
              them compare its fingerprint with you by phone.
            </Text>
            <Text size="sm">
              CA fingerprint (SHA-256):{' '}
              <Code data-testid="ca-fingerprint">{tls.caFingerprint}</Code>
            </Text>
            <Text size="sm">
              Server key pin: <Code data-testid="tls-pin">{tls.pin}</Code>
            </Text>
            <Group>
              <Button
                variant="default"
                onClick={() => download('partnergate-ca.pem', tls.caPem!, 'application/x-pem-file')}
                data-testid="download-ca"
              >
                Download CA certificate
              </Button>
              <Text size="xs" c="dimmed">
                Covers {tls.names.join(', ')}; valid until {formatDate(tls.notAfter)}, renewed a
                month before.
              </Text>
            </Group>
          </>
        )}
        {tls && !tls.caPem && (
          <Text size="sm">
            Serving your own certificate (key pin <Code>{tls.pin}</Code>), valid until{' '}
            {formatDate(tls.notAfter)}.
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

export function ListenerPage() {
  const { status, load } = useListener(useShallow((s) => ({ status: s.status, load: s.load })));
  useEffect(() => {
    load().catch((e: unknown) => notify.error('Could not read the listener', e));
  }, [load]);
  if (!status) return null;
  return (
    <Stack gap="sm" maw={900} data-testid="listener-page">
      <Group gap="sm">
        <Title order={3}>Partner API listener</Title>
        <Badge color={status.running ? 'teal' : 'gray'} data-testid="listener-state">
          {status.running ? 'running' : 'stopped'}
        </Badge>
      </Group>
      {status.error && (
        <Alert
          color="red"
          variant="light"
          title="The listener could not start"
          data-testid="listener-error"
        >
          {status.error.message}
        </Alert>
      )}
      <Paper withBorder p="md">
        <Stack gap="sm">
          <Text size="sm">
            Partners reach the API at these addresses. <Code>127.0.0.1</Code> is this machine only;{' '}
            <Code>0.0.0.0</Code> (or <Code>::</Code>) shares it on every network this machine is on
            — the LAN and any VPN.
          </Text>
          {status.running ? (
            <Table withTableBorder data-testid="listener-addresses">
              <Table.Tbody>
                {status.addresses.map((a) => (
                  <Table.Tr key={a.url}>
                    <Table.Td>
                      <Code>{a.url}/api/v1</Code>
                    </Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="light">
                        {a.kind}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {a.interface}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : (
            <Text c="dimmed" size="sm">
              Stopped: partner calls are refused at the connection.
            </Text>
          )}
          <AddressForm
            key={`${status.host}:${status.port}`}
            initialHost={status.host}
            initialPort={status.port}
            running={status.running}
          />
        </Stack>
      </Paper>
      <HttpsPanel status={status} />
    </Stack>
  );
}
