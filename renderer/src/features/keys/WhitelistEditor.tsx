import { useShallow } from 'zustand/react/shallow';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { IconTrash } from '@tabler/icons-react';
import {
  cidrRange,
  fromToRange,
  isOpenToEveryAddress,
  singleRange,
  type IpRange,
} from '../../../../shared/ip-range.ts';
import type { AddressCheck, IpRuleInput, WhitelistReport } from '../../../../shared/schemas.ts';
import { Confirm } from '../../components/Confirm.tsx';
import { notify } from '../../lib/notify.ts';
import { relative } from '../../lib/format.ts';
import { ruleInput, useWhitelist } from './whitelist-store.ts';

type Form = 'single' | 'range' | 'cidr';

/** Checks as the user types, with the same IP maths the core uses. */
function parse(form: Form, a: string, b: string): { range: IpRange | null; error: string | null } {
  if (!a.trim() || (form === 'range' && !b.trim())) return { range: null, error: null };
  try {
    const range =
      form === 'single' ? singleRange(a) : form === 'range' ? fromToRange(a, b) : cidrRange(a);
    return { range, error: null };
  } catch (e) {
    return { range: null, error: (e as Error).message };
  }
}

const RELATION = { duplicate: 'same as', contains: 'covered by', overlaps: 'overlaps' } as const;

/** What a rule shares with the others, in words on the rule it concerns: "covered by 10.0.0.0/24". */
function overlapWords(report: WhitelistReport, ruleId: number): string[] {
  return report.overlaps
    .filter((o) => o.ruleId === ruleId)
    .map((o) => {
      const other = report.rules.find((r) => r.id === o.otherRuleId);
      return `${RELATION[o.relation]} ${other?.text ?? 'another rule'}`;
    });
}

export function WhitelistEditor({ keyId, readOnly }: { keyId: number; readOnly?: boolean }) {
  const { byKey, refused, load, add, remove, undo, check } = useWhitelist(
    useShallow((s) => ({
      byKey: s.byKey,
      refused: s.refused,
      load: s.load,
      add: s.add,
      remove: s.remove,
      undo: s.undo,
      check: s.check,
    })),
  );
  const [form, setForm] = useState<Form>('single');
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [probe, setProbe] = useState('');
  const [probed, setProbed] = useState<AddressCheck | null>(null);
  useEffect(() => {
    load(keyId).catch((e: unknown) => notify.error('Could not load the whitelist', e));
  }, [keyId, load]);
  // What the server said about the typed rule (a duplicate, say), until it is edited.
  const [refusal, setRefusal] = useState<string | null>(null);
  // A rule that opens the key to every address, waiting for a yes.
  const [everyAddress, setEveryAddress] = useState<IpRuleInput | null>(null);
  const report = byKey[keyId];
  const parsed = parse(form, a, b);
  const error = parsed.error ?? refusal;

  const send = async (input: IpRuleInput) => {
    setBusy(true);
    try {
      const warnings = await add(input);
      setA('');
      setB('');
      setNote('');
      setEveryAddress(null);
      if (warnings.length) notify.info('Rule added, but note', warnings.join(' '));
      else notify.ok('Rule added');
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'every_address_needs_confirmation') setEveryAddress(input);
      // The typed text stays in the form, with what was wrong under it.
      else setRefusal(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const submit = () => {
    const input: IpRuleInput =
      form === 'range'
        ? { keyId, kind: 'range', from: a.trim(), to: b.trim(), ...(note && { note }) }
        : ruleInput(keyId, a.trim(), note);
    if (parsed.range && isOpenToEveryAddress(parsed.range)) setEveryAddress(input);
    else void send(input);
  };
  const edit = (f: (v: string) => void) => (v: string) => (f(v), setRefusal(null));

  return (
    <Stack gap="xs" data-testid={`whitelist-${keyId}`}>
      {report?.empty && (
        <Alert color="orange" variant="light" p="xs">
          No rules yet: this key refuses every address until one is added.
        </Alert>
      )}
      {report?.openToEveryAddress && (
        <Alert color="red" variant="light" p="xs" data-testid="open-warning">
          Open to every address: anyone holding the key can call from anywhere.
        </Alert>
      )}
      {report && report.rules.length > 0 && (
        <Table withTableBorder striped data-testid="rules-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Rule</Table.Th>
              <Table.Th>From</Table.Th>
              <Table.Th>To</Table.Th>
              <Table.Th>Note</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.rules.map((r) => {
              const shared = overlapWords(report, r.id);
              return (
                <Table.Tr key={r.id} data-testid={`rule-${r.text}`}>
                  <Table.Td>
                    <Group gap={6}>
                      <Text size="sm" ff="monospace">
                        {r.text}
                      </Text>
                      <Badge size="xs" variant="light">
                        IPv{r.family}
                      </Badge>
                      {shared.map((w) => (
                        <Text key={w} size="xs" c="orange" data-testid="rule-overlap">
                          {w}
                        </Text>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {r.start}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {r.end}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed">
                      {r.note ?? ''}
                    </Text>
                  </Table.Td>
                  <Table.Td w={40}>
                    {!readOnly && (
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Delete rule ${r.text}`}
                        data-testid={`delete-rule-${r.text}`}
                        onClick={() =>
                          remove(r).then(
                            () =>
                              notify.ok('Rule deleted', r.text, {
                                label: 'Undo',
                                run: () =>
                                  void undo().catch((e: unknown) => notify.error('Undo failed', e)),
                              }),
                            (e: unknown) => notify.error('Not deleted', e),
                          )
                        }
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {!readOnly && (
        <Paper withBorder p="xs">
          <form onSubmit={(e) => (e.preventDefault(), submit())}>
            <Group align="flex-start" gap="xs">
              <SegmentedControl
                size="xs"
                value={form}
                onChange={(v) => (setForm(v), setRefusal(null))}
                data={[
                  { value: 'single', label: 'Single IP' },
                  { value: 'range', label: 'From–To' },
                  { value: 'cidr', label: 'CIDR' },
                ]}
                aria-label="Rule type"
              />
              <TextInput
                size="xs"
                placeholder={
                  form === 'single'
                    ? '203.0.113.7 or 2001:db8::7'
                    : form === 'range'
                      ? 'From'
                      : '10.0.0.0/24 or 2001:db8::/32'
                }
                aria-label={
                  form === 'range' ? 'From address' : form === 'cidr' ? 'CIDR block' : 'IP address'
                }
                value={a}
                onChange={(e) => edit(setA)(e.currentTarget.value)}
                maxLength={100}
                error={form !== 'range' ? error : undefined}
                w={230}
                data-testid="rule-a"
              />
              {form === 'range' && (
                <TextInput
                  size="xs"
                  placeholder="To"
                  aria-label="To address"
                  value={b}
                  onChange={(e) => edit(setB)(e.currentTarget.value)}
                  maxLength={100}
                  error={error}
                  w={200}
                  data-testid="rule-b"
                />
              )}
              <TextInput
                size="xs"
                placeholder="Note (e.g. office VPN)"
                aria-label="Note"
                value={note}
                onChange={(e) => setNote(e.currentTarget.value)}
                w={170}
              />
              <Button
                size="xs"
                type="submit"
                loading={busy}
                disabled={!a.trim() || !!parsed.error}
                data-testid="add-rule"
              >
                Add rule
              </Button>
            </Group>
          </form>
        </Paper>
      )}
      <Group gap="xs" align="flex-end">
        <TextInput
          size="xs"
          label="Test an address"
          placeholder="e.g. ::ffff:10.0.0.7"
          value={probe}
          maxLength={100}
          onChange={(e) => setProbe(e.currentTarget.value)}
          w={230}
          data-testid="probe-ip"
        />
        <Button
          size="xs"
          variant="default"
          disabled={!probe.trim()}
          onClick={() =>
            check(keyId, probe).then(setProbed, (e: unknown) => notify.error('Cannot test', e))
          }
          data-testid="probe-button"
        >
          Test
        </Button>
        {probed && (
          <Text size="sm" c={probed.allowed ? 'teal' : 'red'} data-testid="probe-result">
            {probed.allowed ? 'Allowed' : 'Refused'}: {probed.reason}
          </Text>
        )}
      </Group>
      <Confirm
        opened={everyAddress !== null}
        title="Open this key to every address?"
        confirmLabel="Allow every address"
        danger
        busy={busy}
        onClose={() => setEveryAddress(null)}
        onConfirm={() => everyAddress && void send({ ...everyAddress, allowEveryAddress: true })}
      >
        <span data-testid="every-address-warning">
          This rule covers every {parsed.range?.family === 6 ? 'IPv6' : 'IPv4'} address: anyone
          holding the key could call from anywhere, and the whitelist would no longer protect it.
          Prefer the partner’s office or VPN addresses.
        </span>
      </Confirm>
      {(refused[keyId]?.length ?? 0) > 0 && (
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            Recently refused for this key
          </Text>
          {refused[keyId]!.map((r) => (
            <Group key={r.ip} gap="xs" data-testid={`refused-${r.ip}`}>
              <Text size="sm" ff="monospace">
                {r.ip}
              </Text>
              <Text size="xs" c="dimmed">
                {r.count}× · last {relative(r.lastAt)}
              </Text>
              {!readOnly && (
                <Button
                  size="compact-xs"
                  variant="light"
                  onClick={() =>
                    add(ruleInput(keyId, r.ip, 'allowed after a refused call')).then(
                      () => notify.ok('Allowed', r.ip),
                      (e: unknown) => notify.error('Not allowed', e),
                    )
                  }
                >
                  Allow
                </Button>
              )}
            </Group>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
