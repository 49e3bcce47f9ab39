import {
  Button,
  Group,
  MultiSelect,
  Radio,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import {
  accountCreateInput,
  accountUpdateInput,
  type Account,
  type AccountCreateInput,
  type AccountUpdateInput,
} from '../../../../shared/schemas.ts';
import { useForm } from '../../lib/form-check.ts';
import { notify } from '../../lib/notify.ts';
import { useAccounts } from '../../stores/accounts.ts';
import { KIND_LABEL } from './labels.ts';

type Access = 'all' | 'assigned';

interface Values {
  kind: Account['kind'];
  name: string;
  email: string;
  company: string;
  status: Account['status'];
  notes: string;
  timezone: string;
  currency: string;
  /** Employees only; null until chosen: nobody is given every partner by default. */
  access: Access | null;
  partners: string[];
}

const blank: Values = {
  kind: 'affiliate',
  name: '',
  email: '',
  company: '',
  status: 'active',
  notes: '',
  timezone: 'UTC',
  currency: 'USD',
  access: null,
  partners: [],
};

function valuesOf(a: Account): Values {
  return {
    kind: a.kind,
    name: a.name,
    email: a.email ?? '',
    company: a.company ?? '',
    status: a.status,
    notes: a.notes,
    timezone: a.timezone,
    currency: a.currency,
    access: a.employeeAccess,
    partners: a.assignedPartnerIds.map(String),
  };
}

/** What the create call sends. */
function createInput(v: Values): AccountCreateInput {
  return {
    kind: v.kind,
    name: v.name,
    ...(v.email.trim() && { email: v.email.trim() }),
    ...(v.company.trim() && { company: v.company.trim() }),
    status: v.status,
    notes: v.notes,
    timezone: v.timezone,
    currency: v.currency,
    ...(v.kind === 'employee' &&
      v.access !== null &&
      (v.access === 'all'
        ? { employeeAccess: 'all' as const }
        : { employeeAccess: 'assigned' as const, assignedPartnerIds: v.partners.map(Number) })),
  };
}

/** Only what differs from the account shown: Save never writes a field the user did not touch. */
function changesOf(before: Values, v: Values, id: number): AccountUpdateInput {
  const out: AccountUpdateInput = { id };
  if (v.name !== before.name) out.name = v.name;
  if (v.email !== before.email) out.email = v.email.trim() || null;
  if (v.company !== before.company) out.company = v.company.trim() || null;
  if (v.status !== before.status) out.status = v.status;
  if (v.notes !== before.notes) out.notes = v.notes;
  if (v.timezone !== before.timezone) out.timezone = v.timezone;
  if (v.currency !== before.currency) out.currency = v.currency;
  if (v.kind === 'employee') {
    if (v.access !== before.access && v.access) out.employeeAccess = v.access;
    if (v.access === 'assigned' && v.partners.join() !== before.partners.join())
      out.assignedPartnerIds = v.partners.map(Number);
  }
  return out;
}

/**
 * An account's fields. Editing, it is keyed by the account (the caller gives `key`), starts
 * from it and saves only what changed; creating, it starts blank. Both check with the schema
 * the core parses with before sending, and keep what was typed when the core refuses it.
 */
export function AccountForm(
  props:
    | {
        mode: 'create';
        submitLabel: string;
        onSubmit: (input: AccountCreateInput) => Promise<void>;
      }
    | {
        mode: 'edit';
        account: Account;
        submitLabel: string;
        onSubmit: (changes: AccountUpdateInput) => Promise<void>;
      },
) {
  const initial = useMemo(
    () => (props.mode === 'edit' ? valuesOf(props.account) : blank),
    // The caller keys the form by the account: a new account is a new form.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [],
  );
  const [v, setV] = useState<Values>(initial);
  const accounts = useAccounts((s) => s.accounts);
  const partnerOptions = accounts
    .filter((a) => a.kind !== 'employee')
    .map((a) => ({ value: String(a.id), label: `${a.name} (#${a.id})` }));
  const set = (patch: Partial<Values>) => setV({ ...v, ...patch });
  const isEmployee = v.kind === 'employee';
  const form = useForm(
    props.mode === 'create' ? accountCreateInput : accountUpdateInput,
    props.mode === 'create' ? createInput(v) : changesOf(initial, v, props.account.id),
    {
      extra:
        isEmployee && v.access === null
          ? { employeeAccess: 'choose every partner or only the ones listed' }
          : {},
      failTitle: 'Not saved',
      send() {
        if (props.mode === 'create') return props.onSubmit(createInput(v));
        const changes = changesOf(initial, v, props.account.id);
        if (Object.keys(changes).length > 1) return props.onSubmit(changes);
        notify.info('Nothing to save', 'No field was changed.');
        return null;
      },
    },
  );
  const { errors, busy } = form;

  return (
    <form {...form.props} data-testid="account-form">
      <Stack gap="sm">
        <Group grow align="flex-start">
          <TextInput
            label="Name"
            required
            value={v.name}
            onChange={(e) => set({ name: e.currentTarget.value })}
            error={errors.name}
            data-autofocus
            data-testid="account-name"
          />
          <Select
            label="Kind"
            disabled={props.mode === 'edit'}
            data={Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))}
            value={v.kind}
            onChange={(k) => k && set({ kind: k as Values['kind'] })}
            allowDeselect={false}
            data-testid="account-kind"
          />
        </Group>
        {isEmployee && (
          <Stack gap={6} data-testid="employee-access">
            <Radio.Group
              label="This employee sees"
              value={v.access ?? ''}
              onChange={(a) => set({ access: a as Access })}
              error={errors.employeeAccess}
              required
            >
              <Group mt={6}>
                <Radio value="all" label="Every partner" data-testid="access-all" />
                <Radio value="assigned" label="Only these partners" data-testid="access-assigned" />
              </Group>
            </Radio.Group>
            {v.access === 'assigned' && (
              <MultiSelect
                aria-label="Partners this employee sees"
                placeholder={v.partners.length ? '' : 'None yet: choose partners'}
                searchable
                data={partnerOptions}
                value={v.partners}
                onChange={(partners) => set({ partners })}
                error={errors.assignedPartnerIds}
                data-testid="access-partners"
              />
            )}
            {v.access === 'assigned' && v.partners.length === 0 && (
              <Text size="xs" c="dimmed">
                With no partner chosen, this employee sees no partner’s data.
              </Text>
            )}
          </Stack>
        )}
        <Group grow align="flex-start">
          <TextInput
            label="Email"
            value={v.email}
            onChange={(e) => set({ email: e.currentTarget.value })}
            error={errors.email}
            data-testid="account-email"
          />
          <TextInput
            label="Company"
            value={v.company}
            onChange={(e) => set({ company: e.currentTarget.value })}
            error={errors.company}
          />
        </Group>
        <Group grow align="flex-start">
          <Select
            label="Status"
            data={['active', 'onboarding', 'suspended']}
            value={v.status}
            onChange={(s) => s && set({ status: s })}
            allowDeselect={false}
          />
          <TextInput
            label="Time zone"
            description="IANA name, e.g. Europe/Berlin"
            value={v.timezone}
            onChange={(e) => set({ timezone: e.currentTarget.value })}
            error={errors.timezone}
          />
          <TextInput
            label="Currency"
            description="ISO code, e.g. EUR"
            value={v.currency}
            onChange={(e) => set({ currency: e.currentTarget.value.toUpperCase() })}
            error={errors.currency}
            maxLength={3}
          />
        </Group>
        <Textarea
          label="Notes"
          value={v.notes}
          onChange={(e) => set({ notes: e.currentTarget.value })}
          error={errors.notes}
          autosize
          minRows={2}
          data-testid="account-notes"
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
