import { Button, Group, Select, Stack, TextInput, Textarea } from '@mantine/core';
import { useState } from 'react';
import type { AccountCreateInput } from '../../../../shared/schemas.ts';
import { notify } from '../../lib/notify.ts';
import { KIND_LABEL } from './labels.ts';

/** An account's fields; kept as typed when the core refuses them, with each wrong field marked. */
export function AccountForm(props: {
  initial?: Partial<AccountCreateInput>;
  submitLabel: string;
  onSubmit: (v: AccountCreateInput) => Promise<void>;
  kindFixed?: boolean;
}) {
  const [v, setV] = useState<AccountCreateInput>({
    kind: 'affiliate',
    name: '',
    email: '',
    company: '',
    status: 'active',
    notes: '',
    timezone: 'UTC',
    currency: 'USD',
    ...props.initial,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<AccountCreateInput>) => setV({ ...v, ...patch });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        const clean = {
          ...v,
          email: v.email || undefined,
          company: v.company || undefined,
        } as AccountCreateInput;
        props
          .onSubmit(clean)
          .then(() => setErrors({}))
          .catch((err: { details?: { field?: string; message: string }[]; message: string }) => {
            // Keep what was typed; point at each field that was wrong.
            setErrors(
              Object.fromEntries((err.details ?? []).map((d) => [d.field ?? '', d.message])),
            );
            notify.error('Not saved', err);
          })
          .finally(() => setBusy(false));
      }}
    >
      <Stack gap="sm">
        <Group grow>
          <TextInput
            label="Name"
            required
            value={v.name}
            onChange={(e) => set({ name: e.currentTarget.value })}
            error={errors.name}
            data-autofocus
          />
          <Select
            label="Kind"
            disabled={props.kindFixed}
            data={Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))}
            value={v.kind}
            onChange={(k) => k && set({ kind: k as AccountCreateInput['kind'] })}
            allowDeselect={false}
          />
        </Group>
        <Group grow>
          <TextInput
            label="Email"
            value={v.email ?? ''}
            onChange={(e) => set({ email: e.currentTarget.value })}
            error={errors.email}
          />
          <TextInput
            label="Company"
            value={v.company ?? ''}
            onChange={(e) => set({ company: e.currentTarget.value })}
          />
        </Group>
        <Group grow>
          <Select
            label="Status"
            data={['active', 'onboarding', 'suspended']}
            value={v.status ?? 'active'}
            onChange={(s) => s && set({ status: s })}
            allowDeselect={false}
          />
          <TextInput
            label="Time zone"
            value={v.timezone ?? 'UTC'}
            onChange={(e) => set({ timezone: e.currentTarget.value })}
            error={errors.timezone}
          />
          <TextInput
            label="Currency"
            value={v.currency ?? 'USD'}
            onChange={(e) => set({ currency: e.currentTarget.value.toUpperCase() })}
            error={errors.currency}
            maxLength={3}
          />
        </Group>
        <Textarea
          label="Notes"
          value={v.notes ?? ''}
          onChange={(e) => set({ notes: e.currentTarget.value })}
          autosize
          minRows={2}
        />
        <Group justify="flex-end">
          <Button type="submit" loading={busy} data-testid="account-submit">
            {props.submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
