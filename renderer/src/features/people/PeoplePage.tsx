/**
 * The people who administer Partnergate (owners and admins see this page): invite someone with
 * a role (and, for an account manager, the partners they work on), change it, send a new
 * set-up link, end their sessions, turn off a lost authenticator, disable or remove them.
 */
import {
  Badge,
  Button,
  Group,
  Menu,
  Modal,
  MultiSelect,
  Paper,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ROLE_NAMES, ROLES, type Role } from '../../../../shared/permissions.ts';
import type { AdminUser, UserSession } from '../../../../shared/users.ts';
import { Confirm } from '../../components/Confirm.tsx';
import { ShownOnce } from '../../components/ShownOnce.tsx';
import { formatTime } from '../../lib/format.ts';
import { notify } from '../../lib/notify.ts';
import { useAccounts } from '../../stores/accounts.ts';
import { useMe } from '../../stores/me.ts';
import { usePeople } from './store.ts';

const ROLE_WORDS: Record<Role, string> = {
  owner: 'Owner: everything, including who is owner',
  admin: 'Admin: everything but making owners',
  manager: 'Account manager: partners, keys, reports and imports, for their partners',
  viewer: 'Viewer: reads everything, changes nothing',
};

/** The partners an account manager works on: every one, or the ones chosen. */
function PartnerChoice(p: {
  all: boolean;
  ids: number[];
  onChange: (all: boolean, ids: number[]) => void;
}) {
  const { accounts, load } = useAccounts(
    useShallow((s) => ({ accounts: s.accounts, load: s.load })),
  );
  useEffect(() => {
    void load().catch(() => undefined);
  }, [load]);
  const partners = accounts.filter((a) => a.kind !== 'employee');
  return (
    <Stack gap="xs">
      <Switch
        label="Works on every partner"
        checked={p.all}
        onChange={(e) => p.onChange(e.currentTarget.checked, p.ids)}
        data-testid="person-all-partners"
      />
      {!p.all && (
        <MultiSelect
          label="Partners they work on"
          placeholder="Choose partners"
          searchable
          data={partners.map((a) => ({ value: String(a.id), label: a.name }))}
          value={p.ids.map(String)}
          onChange={(v) => p.onChange(false, v.map(Number))}
          data-testid="person-partners"
        />
      )}
    </Stack>
  );
}

function InviteForm({ onInvited }: { onInvited: (url: string) => void }) {
  const invite = usePeople((s) => s.invite);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('manager');
  const [all, setAll] = useState(false);
  const [ids, setIds] = useState<number[]>([]);
  const [busy, setBusy] = useState(false);
  const submit = () => {
    setBusy(true);
    invite({ email, name, role, allPartners: all, partnerIds: ids })
      .then(onInvited)
      .catch((e: unknown) => notify.error('Not invited', e))
      .finally(() => setBusy(false));
  };
  return (
    <Stack gap="sm">
      <TextInput
        label="Email"
        value={email}
        onChange={(e) => setEmail(e.currentTarget.value)}
        data-testid="invite-email"
      />
      <TextInput
        label="Name"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        data-testid="invite-name"
      />
      <Select
        label="Role"
        data={ROLES.filter((r) => r !== 'owner').map((r) => ({ value: r, label: ROLE_WORDS[r] }))}
        value={role}
        onChange={(v) => v && setRole(v)}
        allowDeselect={false}
        data-testid="invite-role"
      />
      {role === 'manager' && (
        <PartnerChoice all={all} ids={ids} onChange={(a, i) => (setAll(a), setIds(i))} />
      )}
      <Group justify="flex-end">
        <Button onClick={submit} loading={busy} data-testid="invite-submit">
          Invite
        </Button>
      </Group>
    </Stack>
  );
}

function EditPerson({ person, onDone }: { person: AdminUser; onDone: () => void }) {
  const update = usePeople((s) => s.update);
  const [role, setRole] = useState<Role>(person.role);
  const [all, setAll] = useState(person.allPartners);
  const [ids, setIds] = useState(person.partnerIds);
  const [busy, setBusy] = useState(false);
  const save = () => {
    setBusy(true);
    update({
      id: person.id,
      ...(role !== person.role && { role }),
      ...(role === 'manager' && { allPartners: all, partnerIds: all ? [] : ids }),
    })
      .then(() => (notify.ok('Saved', `${person.name} is ${ROLE_NAMES[role]}`), onDone()))
      .catch((e: unknown) => notify.error('Not saved', e))
      .finally(() => setBusy(false));
  };
  return (
    <Stack gap="sm">
      <Select
        label="Role"
        data={ROLES.map((r) => ({ value: r, label: ROLE_WORDS[r] }))}
        value={role}
        onChange={(v) => v && setRole(v)}
        allowDeselect={false}
        data-testid="edit-role"
      />
      {role === 'manager' && (
        <PartnerChoice all={all} ids={ids} onChange={(a, i) => (setAll(a), setIds(i))} />
      )}
      <Group justify="flex-end">
        <Button onClick={save} loading={busy} data-testid="edit-person-save">
          Save
        </Button>
      </Group>
    </Stack>
  );
}

function Sessions({ person, onClose }: { person: AdminUser; onClose: () => void }) {
  const { sessions, endSessions } = usePeople(
    useShallow((s) => ({ sessions: s.sessions, endSessions: s.endSessions })),
  );
  const [list, setList] = useState<UserSession[] | null>(null);
  useEffect(() => {
    sessions(person.id)
      .then(setList)
      .catch((e: unknown) => notify.error('Sessions not loaded', e));
  }, [person.id, sessions]);
  return (
    <Stack gap="sm">
      {list?.length === 0 && <Text size="sm">Not signed in anywhere.</Text>}
      {list && list.length > 0 && (
        <Table data-testid="sessions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>From</Table.Th>
              <Table.Th>Signed in</Table.Th>
              <Table.Th>Last seen</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td>{s.address ?? '—'}</Table.Td>
                <Table.Td>{formatTime(s.createdAt)}</Table.Td>
                <Table.Td>{formatTime(s.lastSeenAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group justify="flex-end">
        <Button
          color="red"
          disabled={!list?.length}
          onClick={() =>
            void endSessions(person.id)
              .then(
                (n) => (
                  notify.ok('Signed out', `${n} session(s) of ${person.name} ended`),
                  onClose()
                ),
              )
              .catch((e: unknown) => notify.error('Sessions not ended', e))
          }
          data-testid="end-sessions"
        >
          End every session
        </Button>
      </Group>
    </Stack>
  );
}

type Dialog =
  { kind: 'invite' } | { kind: 'edit' | 'sessions' | 'remove'; person: AdminUser } | null;

export function PeoplePage() {
  const people = usePeople((s) => s.people);
  const { load, update, setupLink, resetTwoFactor, remove } = usePeople(
    useShallow((s) => ({
      load: s.load,
      update: s.update,
      setupLink: s.setupLink,
      resetTwoFactor: s.resetTwoFactor,
      remove: s.remove,
    })),
  );
  const me = useMe((s) => s.me?.user);
  const accounts = useAccounts((s) => s.accounts);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [link, setLink] = useState<string | null>(null);
  useEffect(() => {
    load().catch((e: unknown) => notify.error('People not loaded', e));
  }, [load]);
  const nameOf = (id: number) => accounts.find((a) => a.id === id)?.name ?? `#${id}`;
  const close = () => setDialog(null);
  const act = (what: string, p: Promise<unknown>) =>
    void p.catch((e: unknown) => notify.error(what, e));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>People</Title>
        <Button onClick={() => setDialog({ kind: 'invite' })} data-testid="invite-person">
          Invite someone
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        Who administers this Partnergate, and what each may do. Account managers see and change only
        the partners they work on.
      </Text>
      <Paper withBorder>
        <Table data-testid="people">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Partners</Table.Th>
              <Table.Th>Last sign-in</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {people.map((p) => (
              <Table.Tr key={p.id} data-testid={`person-${p.email}`}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {p.name}
                    {p.id === me?.id && ' (you)'}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {p.email}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    <Badge variant="light">{ROLE_NAMES[p.role]}</Badge>
                    {p.pending && <Badge color="yellow">invited</Badge>}
                    {p.disabled && <Badge color="gray">disabled</Badge>}
                    {p.twoFactor && <Badge color="teal">authenticator</Badge>}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {p.role !== 'manager' || p.allPartners
                      ? 'All'
                      : p.partnerIds.map(nameOf).join(', ') || 'None yet'}
                  </Text>
                </Table.Td>
                <Table.Td>{p.lastSignInAt ? formatTime(p.lastSignInAt) : 'Never'}</Table.Td>
                <Table.Td>
                  <Menu position="bottom-end">
                    <Menu.Target>
                      <Button size="compact-sm" variant="default" data-testid="person-actions">
                        Actions
                      </Button>
                    </Menu.Target>
                    <Menu.Dropdown>
                      <Menu.Item onClick={() => setDialog({ kind: 'edit', person: p })}>
                        Change role or partners…
                      </Menu.Item>
                      <Menu.Item
                        onClick={() => act('No new link', setupLink(p.id).then(setLink))}
                        data-testid="person-new-link"
                      >
                        New set-up link (resets the password)
                      </Menu.Item>
                      <Menu.Item onClick={() => setDialog({ kind: 'sessions', person: p })}>
                        Sessions…
                      </Menu.Item>
                      {p.twoFactor && (
                        <Menu.Item
                          onClick={() =>
                            act(
                              'Not turned off',
                              resetTwoFactor(p.id).then(() =>
                                notify.ok(
                                  'Authenticator turned off',
                                  `${p.name} signs in with the password alone`,
                                ),
                              ),
                            )
                          }
                        >
                          Turn off their authenticator codes
                        </Menu.Item>
                      )}
                      <Menu.Item
                        onClick={() =>
                          act('Not changed', update({ id: p.id, disabled: !p.disabled }))
                        }
                        data-testid="person-disable"
                      >
                        {p.disabled ? 'Enable' : 'Disable (signs them out)'}
                      </Menu.Item>
                      <Menu.Item
                        color="red"
                        onClick={() => setDialog({ kind: 'remove', person: p })}
                      >
                        Remove…
                      </Menu.Item>
                    </Menu.Dropdown>
                  </Menu>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>

      <Modal opened={dialog?.kind === 'invite'} onClose={close} title="Invite someone">
        <InviteForm onInvited={(url) => (close(), setLink(url))} />
      </Modal>
      <Modal
        opened={dialog?.kind === 'edit'}
        onClose={close}
        title={dialog?.kind === 'edit' ? `${dialog.person.name}: role and partners` : ''}
      >
        {dialog?.kind === 'edit' && <EditPerson person={dialog.person} onDone={close} />}
      </Modal>
      <Modal
        opened={dialog?.kind === 'sessions'}
        onClose={close}
        title={dialog?.kind === 'sessions' ? `${dialog.person.name}: sessions` : ''}
        size="lg"
      >
        {dialog?.kind === 'sessions' && <Sessions person={dialog.person} onClose={close} />}
      </Modal>
      <Confirm
        opened={dialog?.kind === 'remove'}
        title="Remove this person?"
        confirmLabel="Remove"
        danger
        onClose={close}
        onConfirm={() => {
          if (dialog?.kind !== 'remove') return;
          act('Not removed', remove(dialog.person.id).then(close));
        }}
      >
        {dialog?.kind === 'remove' &&
          `${dialog.person.name} <${dialog.person.email}> can no longer sign in. What they did stays in the audit log under their name.`}
      </Confirm>
      <ShownOnce
        value={link}
        title="Send this set-up link"
        copyLabel="Copy link"
        testId="setup-link"
        onClose={() => setLink(null)}
      >
        It works once, for 72 hours, and is shown only now. Send it privately; the person opens it
        to choose their password.
      </ShownOnce>
    </Stack>
  );
}
