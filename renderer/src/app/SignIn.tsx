/**
 * The team server's doors: sign in with email and password, or set up an account from a
 * one-time link (the owner gives their email and name too). Errors are the server's words.
 */
import {
  Alert,
  Button,
  Center,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { needsSecondFactor, useSession } from '../stores/session.ts';
import { CodeInput } from '../components/ShownOnce.tsx';
import { SignInServerNote } from '../features/connection/ServerProblem.tsx';

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

function Door({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Center h="100vh">
      <Paper withBorder p="xl" w={420}>
        <Title order={3} mb="sm">
          {title}
        </Title>
        {children}
      </Paper>
    </Center>
  );
}

export function SignInForm() {
  const signIn = useSession((s) => s.signIn);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // Asked for once the password is right, for people who turned on an authenticator app.
  const [code, setCode] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    signIn(email, password, code ?? undefined)
      .catch((x: unknown) => {
        if (needsSecondFactor(x)) setCode('');
        else setError(messageOf(x));
      })
      .finally(() => setBusy(false));
  };
  return (
    <Door title="Sign in to Partnergate">
      <form onSubmit={submit} data-testid="sign-in-form">
        <Stack gap="sm">
          <SignInServerNote />
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            required
            data-testid="sign-in-email"
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            required
            data-testid="sign-in-password"
          />
          {code !== null && (
            <CodeInput
              label="Code from your authenticator app"
              description="Six digits; a new one every 30 seconds."
              value={code}
              onChange={setCode}
              autoFocus
              testId="sign-in-code"
            />
          )}
          {error && (
            <Alert color="red" data-testid="sign-in-error">
              {error}
            </Alert>
          )}
          <Button type="submit" loading={busy} data-testid="sign-in-submit">
            Sign in
          </Button>
          <Text size="xs" c="dimmed">
            Forgot it? An owner or admin can send you a new set-up link.
          </Text>
        </Stack>
      </form>
    </Door>
  );
}

export function SetupForm() {
  const setup = useSession((s) => s.setup);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [owner, setOwner] = useState(useSession.getState().setupForOwner);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (password !== again) return setError('The two passwords differ.');
    setBusy(true);
    setError(null);
    setup({ password, ...(owner && { email, name }) })
      .catch((x: unknown) => {
        const message = messageOf(x);
        // The owner's link asks for their email and name too.
        if (/email and name/.test(message)) setOwner(true);
        setError(message);
      })
      .finally(() => setBusy(false));
  };
  return (
    <Door title="Set up your Partnergate account">
      <form onSubmit={submit} data-testid="setup-form">
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            Choose a password of at least 12 characters; a few words make a good one. This link
            works once.
          </Text>
          {owner && (
            <>
              <TextInput
                label="Your email"
                type="email"
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                required
                data-testid="setup-email"
              />
              <TextInput
                label="Your name"
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                required
                data-testid="setup-name"
              />
            </>
          )}
          <PasswordInput
            label="Password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            required
            data-testid="setup-password"
          />
          <PasswordInput
            label="The same password again"
            autoComplete="new-password"
            value={again}
            onChange={(e) => setAgain(e.currentTarget.value)}
            required
            data-testid="setup-password-again"
          />
          {error && (
            <Alert color="red" data-testid="setup-error">
              {error}
            </Alert>
          )}
          <Button type="submit" loading={busy} data-testid="setup-submit">
            Set my password and sign in
          </Button>
        </Stack>
      </form>
    </Door>
  );
}
