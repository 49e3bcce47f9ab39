/**
 * The desktop's team server cannot be used: it is out of reach, or it presents a certificate
 * key other than the one confirmed (refused, with the key it presents). The way out is always
 * one click: this computer's store.
 */
import { useShallow } from 'zustand/react/shallow';
import {
  Alert,
  Button,
  Center,
  Code,
  Group,
  Loader,
  Paper,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useEffect } from 'react';
import { notify } from '../../lib/notify.ts';
import { hostOf, useConnection } from './store.ts';

const TITLES: Record<string, string> = {
  server_certificate_changed: 'The team server’s certificate changed',
  server_unreachable: 'The team server cannot be reached',
  not_partnergate: 'That address is not a Partnergate admin listener',
  no_people: 'The team server has no people yet',
};

export function ServerProblem({ retry }: { retry: () => void }) {
  const { state, load, toLocal, forget } = useConnection(
    useShallow((s) => ({ state: s.state, load: s.load, toLocal: s.toLocal, forget: s.forget })),
  );
  useEffect(() => {
    load().catch((e: unknown) => notify.error('The connection could not be read', e));
  }, [load]);
  const server = state?.server;
  if (!server?.problem)
    return (
      <Center h="100vh">
        <Loader />
      </Center>
    );
  const changed = server.problem.code === 'server_certificate_changed';
  const run = (what: () => Promise<void>) =>
    void what().catch((e: unknown) => notify.error('Not done', e));
  return (
    <Center h="100vh">
      <Paper withBorder p="xl" maw={620} data-testid="server-problem">
        <Title order={3} mb="sm">
          {TITLES[server.problem.code] ?? 'The team server cannot be used'}
        </Title>
        <Stack gap="sm">
          <Alert color={changed ? 'red' : 'yellow'} data-testid="server-problem-message">
            {server.problem.message}
          </Alert>
          {changed && server.problem.presented && (
            <Text size="sm">
              Confirmed key: <Code>{server.pin}</Code>
              <br />
              Presented now: <Code data-testid="presented-pin">{server.problem.presented.pin}</Code>
            </Text>
          )}
          <Group>
            <Button onClick={() => run(toLocal)} data-testid="use-local">
              Use this computer
            </Button>
            {changed ? (
              <Button
                variant="default"
                color="red"
                onClick={() => run(() => forget(server.origin))}
                data-testid="forget-server"
              >
                Forget {hostOf(server.origin)}
              </Button>
            ) : (
              <Button variant="default" onClick={retry} data-testid="retry-server">
                Try again
              </Button>
            )}
          </Group>
          {changed && (
            <Text size="xs" c="dimmed">
              After forgetting it, connect again from the header to see and confirm the key it
              presents now.
            </Text>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}

/** On the desktop signing in to a team server: which one, and the way back to this computer. */
export function SignInServerNote() {
  const { state, load, toLocal } = useConnection(
    useShallow((s) => ({ state: s.state, load: s.load, toLocal: s.toLocal })),
  );
  useEffect(() => {
    void load().catch(() => undefined);
  }, [load]);
  const server = state?.server;
  if (!server) return null;
  return (
    <Group justify="space-between" wrap="nowrap">
      <Text size="sm" data-testid="sign-in-server">
        Team server {hostOf(server.origin)}
      </Text>
      <Button
        size="compact-xs"
        variant="subtle"
        onClick={() => void toLocal().catch((e: unknown) => notify.error('Not switched', e))}
        data-testid="use-local"
      >
        Use this computer
      </Button>
    </Group>
  );
}
