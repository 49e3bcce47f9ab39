import { Anchor, Badge, Group, Loader, Paper, Stack, Tabs, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import { notify } from '../../lib/notify.ts';
import { useRouter } from '../../lib/router.ts';
import type { KeysSlot } from '../../components/slots.ts';
import { useAccounts } from '../../stores/accounts.ts';
import { AccountForm } from './AccountForm.tsx';

export function PartnerPage({ id, keys }: { id: number; keys: KeysSlot }) {
  const accounts = useAccounts((s) => s.accounts);
  const loaded = useAccounts((s) => s.loaded);
  const load = useAccounts((s) => s.load);
  const update = useAccounts((s) => s.update);
  const go = useRouter((s) => s.go);
  useEffect(() => {
    if (!loaded) load().catch((e: unknown) => notify.error('Could not load partners', e));
  }, [loaded, load]);
  const account = accounts.find((a) => a.id === id);
  if (!account) return loaded ? <Text>No account #{id}.</Text> : <Loader />;
  return (
    <Stack gap="sm" data-testid="partner-page">
      <Anchor size="sm" onClick={() => go('partners')} href="#/partners">
        ← Partners
      </Anchor>
      <Group gap="sm">
        <Title order={3}>{account.name}</Title>
        <Badge variant="light">{account.kind}</Badge>
        <Badge
          variant="light"
          color={
            account.status === 'active' ? 'teal' : account.status === 'suspended' ? 'red' : 'yellow'
          }
        >
          {account.status}
        </Badge>
        <Text c="dimmed" size="sm">
          #{account.id} · {account.email ?? 'no email'} · {account.timezone}
        </Text>
      </Group>
      <Tabs defaultValue="api" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="api" data-testid="tab-api">
            API
          </Tabs.Tab>
          <Tabs.Tab value="details" data-testid="tab-details">
            Details
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="api" pt="sm">
          {keys(account)}
        </Tabs.Panel>
        <Tabs.Panel value="details" pt="sm">
          <Paper withBorder p="md" maw={760}>
            <AccountForm
              kindFixed
              initial={{
                kind: account.kind,
                name: account.name,
                email: account.email ?? '',
                company: account.company ?? '',
                status: account.status,
                notes: account.notes,
                timezone: account.timezone,
                currency: account.currency,
              }}
              submitLabel="Save"
              onSubmit={async (v) => {
                await update({
                  id: account.id,
                  name: v.name,
                  email: v.email ?? null,
                  company: v.company ?? null,
                  status: v.status,
                  notes: v.notes ?? '',
                  timezone: v.timezone,
                  currency: v.currency,
                });
                notify.ok('Saved', account.name);
              }}
            />
          </Paper>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
