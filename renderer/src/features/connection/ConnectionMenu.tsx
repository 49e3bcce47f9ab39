/**
 * The desktop's store switch in the header: this computer or a team server, one click back to
 * this computer, and connecting to a new server (its certificate shown to confirm first).
 */
import { useShallow } from 'zustand/react/shallow';
import {
  Alert,
  Button,
  Code,
  Group,
  Menu,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { IconCheck, IconDeviceLaptop, IconServer } from '@tabler/icons-react';
import type { ProbeResult } from '../../../../shared/team-server.ts';
import { notify } from '../../lib/notify.ts';
import { hostOf, useConnection } from './store.ts';

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function ConnectionMenu() {
  const { available, state, load, toLocal, toServer } = useConnection(
    useShallow((s) => ({
      available: s.available,
      state: s.state,
      load: s.load,
      toLocal: s.toLocal,
      toServer: s.toServer,
    })),
  );
  const [connecting, setConnecting] = useState(false);
  useEffect(() => {
    load().catch((e: unknown) => notify.error('The connection could not be read', e));
  }, [load]);
  if (!available || !state) return null;
  const current = state.server?.origin ?? null;
  const switchTo = (run: () => Promise<void>) =>
    void run().catch((e: unknown) => notify.error('Not switched', e));
  return (
    <Group gap={4} wrap="nowrap">
      <Menu position="bottom-end" width={300}>
        <Menu.Target>
          <Button
            size="compact-sm"
            variant="light"
            color={current ? 'grape' : 'gray'}
            leftSection={current ? <IconServer size={14} /> : <IconDeviceLaptop size={14} />}
            data-testid="connection-menu"
          >
            {current ? hostOf(current) : 'This computer'}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>Work on</Menu.Label>
          <Menu.Item
            leftSection={current ? <IconDeviceLaptop size={14} /> : <IconCheck size={14} />}
            onClick={() => current && switchTo(toLocal)}
            data-testid="menu-use-local"
          >
            This computer
          </Menu.Item>
          {state.known.map((k) => (
            <Menu.Item
              key={k.origin}
              leftSection={
                k.origin === current ? <IconCheck size={14} /> : <IconServer size={14} />
              }
              onClick={() => k.origin !== current && switchTo(() => toServer(k.origin))}
              data-testid={`use-server-${hostOf(k.origin)}`}
            >
              <Text size="sm">{hostOf(k.origin)}</Text>
              {k.email && (
                <Text size="xs" c="dimmed">
                  {k.email}
                </Text>
              )}
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item onClick={() => setConnecting(true)} data-testid="connect-server">
            Connect to a team server…
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {current && (
        <Button
          size="compact-sm"
          variant="default"
          onClick={() => switchTo(toLocal)}
          data-testid="use-local"
        >
          Back to this computer
        </Button>
      )}
      <ConnectDialog opened={connecting} onClose={() => setConnecting(false)} />
    </Group>
  );
}

/** The certificate a server presents, for the person to compare with what its operator says. */
export function IdentityTable({ probe }: { probe: ProbeResult }) {
  const id = probe.identity;
  return (
    <Table withRowBorders={false} data-testid="server-identity">
      <Table.Tbody>
        <Table.Tr>
          <Table.Th w={150}>Server</Table.Th>
          <Table.Td>{id.origin}</Table.Td>
        </Table.Tr>
        <Table.Tr>
          <Table.Th>Key pin</Table.Th>
          <Table.Td>
            <Code data-testid="probe-pin" style={{ overflowWrap: 'anywhere' }}>
              {id.pin}
            </Code>
          </Table.Td>
        </Table.Tr>
        <Table.Tr>
          <Table.Th>Certificate SHA-256</Table.Th>
          <Table.Td>
            <Code style={{ overflowWrap: 'anywhere' }} fz="xs">
              {id.fingerprint}
            </Code>
          </Table.Td>
        </Table.Tr>
        <Table.Tr>
          <Table.Th>Issued by</Table.Th>
          <Table.Td>
            {id.issuer}
            <Text size="xs" c="dimmed">
              {id.trustedBySystem
                ? 'An authority this computer trusts vouches for it.'
                : 'No authority this computer trusts vouches for it (a server’s own Partnergate CA): the key pin is what you confirm.'}
            </Text>
          </Table.Td>
        </Table.Tr>
        <Table.Tr>
          <Table.Th>Names</Table.Th>
          <Table.Td>{id.names.join(', ')}</Table.Td>
        </Table.Tr>
        <Table.Tr>
          <Table.Th>Valid until</Table.Th>
          <Table.Td>{new Date(id.validTo).toLocaleDateString()}</Table.Td>
        </Table.Tr>
      </Table.Tbody>
    </Table>
  );
}

function ConnectDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { probe, trust } = useConnection(useShallow((s) => ({ probe: s.probe, trust: s.trust })));
  const [url, setUrl] = useState('');
  const [found, setFound] = useState<ProbeResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    setFound(null);
    setError(null);
    onClose();
  };
  const check = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFound(null);
    probe(url)
      .then(setFound)
      .catch((x: unknown) => setError(messageOf(x)))
      .finally(() => setBusy(false));
  };
  const confirm = () => {
    if (!found) return;
    setBusy(true);
    setError(null);
    trust(found.identity.origin, found.identity.pin)
      .catch((x: unknown) => setError(messageOf(x)))
      .finally(() => setBusy(false));
  };
  return (
    <Modal opened={opened} onClose={close} title="Connect to a team server" size="lg">
      <form onSubmit={check}>
        <Stack gap="sm">
          <Text size="sm">
            Work on a Partnergate your team shares: its partners, keys and reports, with your
            account there. This computer’s own store stays as it is; you can switch back at any
            time.
          </Text>
          <Group align="flex-end" wrap="nowrap">
            <TextInput
              label="Server address"
              description="The admin address its operator gave you (partnergate serve --admin-host prints it)."
              placeholder="https://partnergate.lan:8788"
              value={url}
              onChange={(e) => setUrl(e.currentTarget.value)}
              style={{ flex: 1 }}
              required
              data-testid="server-url"
            />
            <Button
              type="submit"
              variant="default"
              loading={busy && !found}
              data-testid="probe-server"
            >
              Check its certificate
            </Button>
          </Group>
        </Stack>
      </form>
      {error && (
        <Alert color="red" mt="sm" data-testid="connect-error">
          {error}
        </Alert>
      )}
      {found && (
        <Stack gap="sm" mt="md">
          {found.confirmedPin ? (
            <Alert color="red" title="This server’s key changed" data-testid="pin-changed">
              You confirmed this server before with the key <Code>{found.confirmedPin}</Code>. It
              now presents another. Trust the new one only if its operator tells you they replaced
              the certificate; otherwise someone may be intercepting the connection.
            </Alert>
          ) : (
            <Alert color="blue" title="Compare before you trust it">
              Ask the server’s operator for its key pin (partnergate serve prints it; the server’s
              Listener page shows it) and check it matches the one below, character for character.
              Anyone between you and the server could present a certificate of their own.
            </Alert>
          )}
          <IdentityTable probe={found} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              color={found.confirmedPin ? 'red' : undefined}
              loading={busy}
              onClick={confirm}
              data-testid="trust-server"
            >
              {found.confirmedPin ? 'Trust the new key and connect' : 'The key matches: connect'}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
