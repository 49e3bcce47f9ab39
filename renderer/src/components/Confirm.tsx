import { Button, Group, Modal, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** A confirmation that says what will happen before it happens. */
export function Confirm(props: {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  disabled?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={props.title} centered>
      <Text size="sm" component="div">
        {props.children}
      </Text>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={props.onClose}>
          Cancel
        </Button>
        <Button
          color={props.danger ? 'red' : undefined}
          loading={props.busy}
          disabled={props.disabled}
          onClick={props.onConfirm}
          data-testid="confirm"
        >
          {props.confirmLabel}
        </Button>
      </Group>
    </Modal>
  );
}
