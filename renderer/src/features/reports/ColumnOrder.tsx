import { ActionIcon, Badge, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { IconArrowDown, IconArrowUp, IconGripVertical, IconX } from '@tabler/icons-react';
import { columnDef } from '../../../../shared/report-catalog.ts';

/** The chosen columns in order: drag to reorder, or use the arrow buttons from the keyboard. */
export function ColumnOrder({
  columns,
  onChange,
}: {
  columns: string[];
  onChange: (c: string[]) => void;
}) {
  const [dragging, setDragging] = useState<number | null>(null);
  const move = (from: number, to: number) => {
    if (to < 0 || to >= columns.length) return;
    const next = [...columns];
    const [c] = next.splice(from, 1);
    next.splice(to, 0, c!);
    onChange(next);
  };
  return (
    <Stack gap={4} data-testid="column-order">
      {columns.map((c, i) => {
        const def = columnDef(c);
        return (
          <Group
            key={c}
            gap={6}
            px={6}
            py={2}
            draggable
            onDragStart={() => setDragging(i)}
            onDragOver={(e) => e.preventDefault()}
            onDrop={() => (dragging !== null && move(dragging, i), setDragging(null))}
            style={{
              border: '1px solid var(--mantine-color-default-border)',
              borderRadius: 4,
              cursor: 'grab',
            }}
            data-testid={`chosen-${c}`}
          >
            <IconGripVertical size={14} aria-hidden />
            <Text size="sm" style={{ flex: 1 }}>
              {def?.label ?? c}
            </Text>
            <Badge size="xs" variant="light" color={def?.kind === 'metric' ? 'indigo' : 'gray'}>
              {def?.kind}
            </Badge>
            <ActionIcon
              size="xs"
              variant="subtle"
              aria-label={`Move ${c} up`}
              onClick={() => move(i, i - 1)}
            >
              <IconArrowUp size={12} />
            </ActionIcon>
            <ActionIcon
              size="xs"
              variant="subtle"
              aria-label={`Move ${c} down`}
              onClick={() => move(i, i + 1)}
            >
              <IconArrowDown size={12} />
            </ActionIcon>
            <ActionIcon
              size="xs"
              variant="subtle"
              color="red"
              aria-label={`Remove ${c}`}
              onClick={() => onChange(columns.filter((x) => x !== c))}
            >
              <IconX size={12} />
            </ActionIcon>
          </Group>
        );
      })}
    </Stack>
  );
}
