import { ActionIcon, Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconX } from '@tabler/icons-react';

export type Filter = { field: string; op: 'in' | 'not_in' | 'contains'; values: string[] };

/** Fixed filters: always applied, whoever runs the report (e.g. country in DE, FR). */
export function FilterList({
  filters,
  fields,
  onChange,
}: {
  filters: Filter[];
  fields: { value: string; label: string }[];
  onChange: (f: Filter[]) => void;
}) {
  const set = (i: number, patch: Partial<Filter>) =>
    onChange(filters.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <Stack gap={6} data-testid="report-filters">
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          Fixed filters
        </Text>
        <Button
          size="compact-xs"
          variant="light"
          disabled={!fields.length}
          onClick={() => onChange([...filters, { field: fields[0]!.value, op: 'in', values: [] }])}
          data-testid="add-filter"
        >
          Add filter
        </Button>
      </Group>
      {filters.length === 0 && (
        <Text size="xs" c="dimmed">
          None: the report covers everything the runner may see.
        </Text>
      )}
      {filters.map((f, i) => (
        <Group key={i} gap="xs" align="flex-start">
          <Select
            size="xs"
            aria-label="Filter field"
            data={fields}
            value={f.field}
            onChange={(v) => v && set(i, { field: v })}
            allowDeselect={false}
            w={170}
          />
          <Select
            size="xs"
            aria-label="Filter operator"
            data={[
              { value: 'in', label: 'is one of' },
              { value: 'not_in', label: 'is none of' },
              { value: 'contains', label: 'contains' },
            ]}
            value={f.op}
            onChange={(v) => v && set(i, { op: v })}
            allowDeselect={false}
            w={130}
          />
          <TextInput
            size="xs"
            aria-label="Filter values"
            placeholder="Values, comma-separated (e.g. DE,FR)"
            defaultValue={f.values.join(',')}
            onBlur={(e) =>
              set(i, {
                values: e.currentTarget.value
                  .split(',')
                  .map((v) => v.trim())
                  .filter(Boolean),
              })
            }
            error={f.values.length === 0 ? 'give at least one value' : undefined}
            style={{ flex: 1 }}
          />
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label="Remove filter"
            onClick={() => onChange(filters.filter((_, j) => j !== i))}
          >
            <IconX size={14} />
          </ActionIcon>
        </Group>
      ))}
    </Stack>
  );
}
