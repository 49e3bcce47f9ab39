/**
 * Your own sign-in on a team server: codes from an authenticator app as a second factor, and
 * personal access tokens for scripts (`partnergate --server URL --token …`), each shown once,
 * acting as you, revocable.
 */
import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Modal,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import qrcode from 'qrcode-generator';
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { CLI } from '../../../../shared/cli-name.ts';
import type { AccessToken } from '../../../../shared/users.ts';
import { serverAddress, useMyAccount } from './store.ts';
import { CodeInput, ShownOnce } from '../../components/ShownOnce.tsx';
import { formatDate, formatTime } from '../../lib/format.ts';
import { notify } from '../../lib/notify.ts';
import { useMe } from '../../stores/me.ts';

/** The otpauth:// link as a QR code for the phone's camera (an SVG data URL). */
function qrOf(uri: string): string {
  const q = qrcode(0, 'M');
  q.addData(uri);
  q.make();
  return q.createDataURL(5, 2);
}

function TwoFactor() {
  const me = useMe((s) => s.me);
  const { beginTwoFactor, confirmTwoFactor, disableTwoFactor } = useMyAccount(
    useShallow((s) => ({
      beginTwoFactor: s.beginTwoFactor,
      confirmTwoFactor: s.confirmTwoFactor,
      disableTwoFactor: s.disableTwoFactor,
    })),
  );
  const [setup, setSetup] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const on = me?.user?.twoFactor ?? false;
  const begin = () =>
    void beginTwoFactor()
      .then(setSetup)
      .catch((e: unknown) => notify.error('Not started', e));
  const confirm = () => {
    setBusy(true);
    confirmTwoFactor(code)
      .then(() => {
        setSetup(null);
        setCode('');
        notify.ok('Authenticator on', 'Sign-in now asks for its code after your password.');
      })
      .catch((e: unknown) => notify.error('Not turned on', e))
      .finally(() => setBusy(false));
  };
  const off = () =>
    void disableTwoFactor()
      .then(() => notify.ok('Authenticator off', 'Sign-in asks for your password only.'))
      .catch((e: unknown) => notify.error('Not turned off', e));
  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Authenticator app</Title>
        <Badge color={on ? 'teal' : 'gray'} data-testid="two-factor-state">
          {on ? 'On' : 'Off'}
        </Badge>
      </Group>
      <Text size="sm" mb="sm">
        A six-digit code from an app on your phone (Google Authenticator, 1Password, Authy…) after
        your password: a stolen password alone no longer signs anyone in as you.
      </Text>
      {on ? (
        <Button variant="default" color="red" onClick={off} data-testid="two-factor-off">
          Turn off
        </Button>
      ) : (
        <Button onClick={begin} data-testid="two-factor-begin">
          Set up
        </Button>
      )}
      <Modal opened={setup !== null} onClose={() => setSetup(null)} title="Set up your app">
        {setup && (
          <Stack gap="sm">
            <Text size="sm">Scan this with the app, or type the key into it by hand:</Text>
            <img src={qrOf(setup.uri)} alt="QR code for the authenticator app" width={200} />
            <Code block data-testid="two-factor-secret">
              {setup.secret}
            </Code>
            <CodeInput
              label="The code the app shows now"
              value={code}
              onChange={setCode}
              testId="two-factor-code"
            />
            <Group justify="flex-end">
              <Button onClick={confirm} loading={busy} data-testid="two-factor-confirm">
                Turn on
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Paper>
  );
}

const EXPIRY = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: 'A year' },
  { value: 'never', label: 'Until revoked' },
];

function Tokens() {
  const { tokens, loadTokens, createToken, revokeToken } = useMyAccount(
    useShallow((s) => ({
      tokens: s.tokens,
      loadTokens: s.loadTokens,
      createToken: s.createToken,
      revokeToken: s.revokeToken,
    })),
  );
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('90');
  const [secret, setSecret] = useState<string | null>(null);
  useEffect(() => {
    loadTokens().catch((e: unknown) => notify.error('Tokens not loaded', e));
  }, [loadTokens]);
  const create = () =>
    void createToken({ name, expiresInDays: expiry === 'never' ? null : Number(expiry) })
      .then((secret) => (setSecret(secret), setName('')))
      .catch((e: unknown) => notify.error('No token created', e));
  const revoke = (t: AccessToken) =>
    void revokeToken(t.id)
      .then(() => notify.ok('Revoked', `“${t.name}” no longer works`))
      .catch((e: unknown) => notify.error('Not revoked', e));
  return (
    <Paper withBorder p="md">
      <Title order={4} mb="xs">
        Access tokens
      </Title>
      <Text size="sm" mb="sm">
        For scripts and the command line against this server: a token acts as you, with your role
        and partners. <Code>{`${CLI} --server ${serverAddress()} --token pgu_… partner list`}</Code>
      </Text>
      <Group align="flex-end" mb="sm">
        <TextInput
          label="What it is for"
          placeholder="nightly key export"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          data-testid="token-name"
        />
        <Select
          label="Works for"
          data={EXPIRY}
          value={expiry}
          onChange={(v) => v && setExpiry(v)}
          allowDeselect={false}
          w={160}
        />
        <Button onClick={create} disabled={!name.trim()} data-testid="token-create">
          Create token
        </Button>
      </Group>
      {tokens.length > 0 && (
        <Table data-testid="tokens">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Token</Table.Th>
              <Table.Th>Expires</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tokens.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Td>{t.name}</Table.Td>
                <Table.Td>
                  <Code>{t.prefix}…</Code>
                </Table.Td>
                <Table.Td>{t.expiresAt ? formatDate(t.expiresAt) : 'Never'}</Table.Td>
                <Table.Td>
                  {t.lastUsedAt
                    ? `${formatTime(t.lastUsedAt)} from ${t.lastUsedAddress ?? '?'}`
                    : 'Never'}
                </Table.Td>
                <Table.Td>
                  {t.status === 'active' ? (
                    <Button
                      size="compact-xs"
                      variant="default"
                      color="red"
                      onClick={() => revoke(t)}
                    >
                      Revoke
                    </Button>
                  ) : (
                    <Badge color="gray">{t.status}</Badge>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ShownOnce
        value={secret}
        title="Copy the token now"
        copyLabel="Copy token"
        testId="token-secret"
        onClose={() => setSecret(null)}
      >
        It is shown only now; only its hash is kept. Keep it as you keep your password.
      </ShownOnce>
    </Paper>
  );
}

export function AccountPage() {
  const me = useMe((s) => s.me);
  return (
    <Stack maw={900}>
      <Title order={2}>Your sign-in</Title>
      {me && !me.user ? (
        <Alert color="gray" data-testid="no-people">
          On this computer used alone nobody signs in: you are its owner. Authenticator codes and
          access tokens belong to people signing in to a team server (`{CLI} serve`).
        </Alert>
      ) : (
        <>
          <Text size="sm" c="dimmed">
            {me?.user?.name} &lt;{me?.user?.email}&gt;
          </Text>
          <TwoFactor />
          <Tokens />
        </>
      )}
    </Stack>
  );
}
