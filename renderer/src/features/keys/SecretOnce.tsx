import { useShallow } from 'zustand/react/shallow';
import { Alert, Button, Code, CopyButton, Group, Modal, Stack } from '@mantine/core';
import { useKeys } from '../../stores/keys.ts';

/** The secret of a key just issued or rotated: shown once, with a copy button. */
export function SecretOnce() {
  const { issued, dismissIssued } = useKeys(
    useShallow((s) => ({ issued: s.issued, dismissIssued: s.dismissIssued })),
  );
  return (
    <Modal
      opened={issued !== null}
      onClose={dismissIssued}
      title="Copy the key now"
      size="lg"
      closeOnClickOutside={false}
    >
      {issued && (
        <Stack gap="sm">
          <Alert color="orange" variant="light">
            This is the only time the full key is shown here
            {issued.key.secretRetained
              ? ' (it can be re-shown later from an encrypted copy)'
              : ' (no copy is kept: if it is lost, rotate the key; Settings says why)'}
            . Send it to the partner over a private channel. Then whitelist the addresses it will be
            used from: until then every call is refused.
          </Alert>
          <Code block data-testid="issued-secret" fz="md">
            {issued.secret}
          </Code>
          <Group justify="flex-end">
            <CopyButton value={issued.secret}>
              {({ copied, copy }) => (
                <Button
                  color={copied ? 'teal' : undefined}
                  onClick={copy}
                  data-testid="copy-secret"
                >
                  {copied ? 'Copied' : 'Copy key'}
                </Button>
              )}
            </CopyButton>
            <Button variant="default" onClick={dismissIssued} data-testid="secret-done">
              Done
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
