import { Alert, Button, Code, CopyButton, Group, Modal, Stack, TextInput } from '@mantine/core';
import type { ReactNode } from 'react';

/** A secret (a link, a token) shown once, with a copy button: only its hash is kept. */
export function ShownOnce(p: {
  value: string | null;
  title: string;
  copyLabel: string;
  testId: string;
  children: ReactNode;
  onClose: () => void;
}) {
  return (
    <Modal opened={p.value !== null} onClose={p.onClose} title={p.title} size="lg">
      <Stack gap="sm">
        <Alert color="orange" variant="light">
          {p.children}
        </Alert>
        <Code block data-testid={p.testId}>
          {p.value}
        </Code>
        <Group justify="flex-end">
          <CopyButton value={p.value ?? ''}>
            {({ copied, copy }) => (
              <Button color={copied ? 'teal' : undefined} onClick={copy}>
                {copied ? 'Copied' : p.copyLabel}
              </Button>
            )}
          </CopyButton>
          <Button variant="default" onClick={p.onClose}>
            Done
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The six digits an authenticator app shows (RFC 6238), typed or filled in by the phone. */
export function CodeInput(p: {
  label: string;
  description?: string;
  value: string;
  onChange: (code: string) => void;
  testId: string;
  autoFocus?: boolean;
}) {
  return (
    <TextInput
      label={p.label}
      description={p.description}
      inputMode="numeric"
      autoComplete="one-time-code"
      maxLength={6}
      value={p.value}
      onChange={(e) => p.onChange(e.currentTarget.value.replace(/\D/g, ''))}
      required
      autoFocus={p.autoFocus}
      data-testid={p.testId}
    />
  );
}
