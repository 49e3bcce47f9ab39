import { useShallow } from 'zustand/react/shallow';
import {
  Group,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useEffect } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ApiKey } from '../../../../shared/schemas.ts';
import { notify } from '../../lib/notify.ts';
import { useRouter } from '../../lib/router.ts';
import { formatDate, relative } from '../../lib/format.ts';
import { useDashboard } from './store.ts';
import { useSources } from '../../stores/sources.ts';
import { effectiveExpiry } from '../../../../shared/key-expiry.ts';

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed" tt="uppercase">
        {label}
      </Text>
      <Text fw={700} size="xl">
        {value.toLocaleString()}
      </Text>
    </Paper>
  );
}

function KeyList({
  title,
  keys,
  empty,
  when,
}: {
  title: string;
  keys: ApiKey[];
  empty: string;
  when: (k: ApiKey) => string;
}) {
  const go = useRouter((s) => s.go);
  return (
    <Paper withBorder p="sm">
      <Text fw={600} mb={6}>
        {title}
      </Text>
      {keys.length === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <Table fz="sm">
          <Table.Tbody>
            {keys.map((k) => (
              <Table.Tr
                key={k.id}
                style={{ cursor: 'pointer' }}
                onClick={() => go('partners', k.accountId)}
              >
                <Table.Td>{k.accountName}</Table.Td>
                <Table.Td>{k.label}</Table.Td>
                <Table.Td>{when(k)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

/** When each source last brought its data: what partners see as `data_fresh_until`. */
function SourceFreshness() {
  const { sources, load } = useSources(useShallow((s) => ({ sources: s.sources, load: s.load })));
  const go = useRouter((s) => s.go);
  useEffect(() => {
    load().catch(() => {
      /* the card stays empty; the Sources page says why */
    });
  }, [load]);
  if (sources.length === 0) return null;
  return (
    <Paper withBorder p="sm" data-testid="dashboard-sources">
      <Text fw={600} mb={6}>
        Sources: last successful sync
      </Text>
      <Table>
        <Table.Tbody>
          {sources.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td>
                <Text
                  component="a"
                  href={`#/sources/${s.id}`}
                  size="sm"
                  c={s.alerting ? 'red' : undefined}
                  fw={s.alerting ? 600 : undefined}
                  onClick={(e) => (e.preventDefault(), go('sources', s.id))}
                >
                  {s.name}
                </Text>
              </Table.Td>
              <Table.Td data-testid={`dashboard-source-${s.id}`}>
                {s.lastSuccessAt ? relative(s.lastSuccessAt) : 'never'}
                {s.alerting ? ' · failing' : s.paused ? ' · paused' : ''}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

export function DashboardPage() {
  const { days, data, load } = useDashboard(
    useShallow((s) => ({ days: s.days, data: s.data, load: s.load })),
  );
  useEffect(() => {
    load().catch((e: unknown) => notify.error('Could not load the dashboard', e));
  }, [load]);
  const series = (data?.series ?? []).map((p) => ({
    ...p,
    label:
      data && data.range.bucketMs < 86_400_000
        ? new Date(p.at).toLocaleTimeString(undefined, { hour: '2-digit' })
        : formatDate(p.at),
    ok: p.requests - p.errors,
  }));
  return (
    <Stack gap="sm" data-testid="dashboard-page">
      <Group justify="space-between">
        <Title order={3}>Dashboard</Title>
        <SegmentedControl
          value={String(days)}
          onChange={(d) => void load(Number(d))}
          data={[
            { value: '1', label: '24 h' },
            { value: '7', label: '7 days' },
            { value: '14', label: '14 days' },
            { value: '30', label: '30 days' },
          ]}
        />
      </Group>
      <SourceFreshness />
      {data && (
        <>
          <SimpleGrid cols={4}>
            <Stat label="Requests" value={data.totals.requests} />
            <Stat label="Errors" value={data.totals.errors} />
            <Stat label="Rate-limited" value={data.totals.rateLimited} />
            <Stat label="Refused addresses" value={data.totals.refusedAddresses} />
          </SimpleGrid>
          <Paper withBorder p="sm">
            <Text fw={600} mb={6}>
              Requests over time
            </Text>
            {data.totals.requests === 0 ? (
              <Text size="sm" c="dimmed">
                No partner has called yet in this period.
              </Text>
            ) : (
              <div style={{ height: 240 }}>
                <ResponsiveContainer>
                  <BarChart data={series}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="label" fontSize={11} />
                    <YAxis fontSize={11} />
                    <Tooltip />
                    <Legend />
                    <Bar
                      dataKey="ok"
                      name="Answered"
                      stackId="a"
                      fill="#4c6ef5"
                      isAnimationActive={false}
                    />
                    <Bar
                      dataKey="errors"
                      name="Errors"
                      stackId="a"
                      fill="#fa5252"
                      isAnimationActive={false}
                    />
                  </BarChart>
                </ResponsiveContainer>
              </div>
            )}
          </Paper>
          <SimpleGrid cols={2}>
            <Paper withBorder p="sm">
              <Text fw={600} mb={6}>
                By key
              </Text>
              <Table fz="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Key</Table.Th>
                    <Table.Th>Partner</Table.Th>
                    <Table.Th ta="right">Requests</Table.Th>
                    <Table.Th ta="right">Errors</Table.Th>
                    <Table.Th ta="right">429s</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.byKey.map((k) => (
                    <Table.Tr key={k.keyId}>
                      <Table.Td>{k.label}</Table.Td>
                      <Table.Td>{k.accountName}</Table.Td>
                      <Table.Td ta="right">{k.requests}</Table.Td>
                      <Table.Td ta="right">{k.errors}</Table.Td>
                      <Table.Td ta="right">{k.rateLimited}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Paper>
            <Paper withBorder p="sm">
              <Text fw={600} mb={6}>
                By partner
              </Text>
              <Table fz="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Partner</Table.Th>
                    <Table.Th ta="right">Requests</Table.Th>
                    <Table.Th ta="right">Errors</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.byPartner.map((p) => (
                    <Table.Tr key={p.accountId}>
                      <Table.Td>{p.accountName}</Table.Td>
                      <Table.Td ta="right">{p.requests}</Table.Td>
                      <Table.Td ta="right">{p.errors}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Paper>
            <KeyList
              title="Keys expiring in the next 30 days"
              keys={data.expiringSoon}
              empty="None."
              when={(k) => `expires ${relative(effectiveExpiry(k))}`}
            />
            <KeyList
              title="Keys unused for 30 days"
              keys={data.unused}
              empty="None."
              when={(k) => (k.lastUsedAt ? `last used ${relative(k.lastUsedAt)}` : 'never used')}
            />
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}
