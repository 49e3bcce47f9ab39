import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { IconAlertTriangle } from '@tabler/icons-react';
import {
  SCHEDULE_PRESETS,
  SOURCE_KIND_NAMES,
  type HeldGroup,
  type Source,
  type SourceDetail,
  type SourceRun,
} from '../../../../shared/sources.ts';
import { plural } from '../../../../shared/words.ts';
import { Confirm } from '../../components/Confirm.tsx';
import { formatTime, relative } from '../../lib/format.ts';
import { notify } from '../../lib/notify.ts';
import { useRouter } from '../../lib/router.ts';
import { useAccounts } from '../../stores/accounts.ts';
import { useSources } from '../../stores/sources.ts';
import { SourceForm } from './SourceForm.tsx';
import { useCan } from '../../stores/me.ts';

/** How a source stands, in one word and a color. */
export function sourceState(s: Source): { label: string; color: string; why: string } {
  if (s.running) return { label: 'running', color: 'indigo', why: 'A run is under way.' };
  if (s.pausedReason) return { label: 'stopped', color: 'red', why: s.pausedReason };
  if (s.paused)
    return { label: 'paused', color: 'gray', why: 'Paused by hand: it runs on “Run now” only.' };
  if (s.alerting)
    return {
      label: 'failing',
      color: 'red',
      why: `Failing for over ${plural(s.alertAfterMinutes, 'minute')}: ${s.lastRun?.error?.message ?? ''}`,
    };
  if (s.failingSince)
    return {
      label: 'retrying',
      color: 'yellow',
      why: s.lastRun?.error?.message ?? 'The last run failed; it tries again soon.',
    };
  if (!s.lastRun) return { label: 'new', color: 'gray', why: 'Not run yet.' };
  return { label: 'ok', color: 'teal', why: 'The last run succeeded.' };
}

const scheduleWords = (cron: string) =>
  SCHEDULE_PRESETS.find((p) => p.cron === cron)?.label ?? `cron ${cron}`;

function runCounts(r: SourceRun): string {
  const parts = [
    r.files ? plural(r.files, 'file') : null,
    `${r.rowsRead.toLocaleString('en-US')} read`,
    r.created ? `${r.created.toLocaleString('en-US')} new` : null,
    r.updated ? `${r.updated.toLocaleString('en-US')} updated` : null,
    r.unchanged ? `${r.unchanged.toLocaleString('en-US')} unchanged` : null,
    r.rejected ? `${r.rejected.toLocaleString('en-US')} rejected` : null,
    r.held ? `${r.held.toLocaleString('en-US')} held` : null,
  ];
  return parts.filter(Boolean).join(', ');
}

function StateBadge({ s }: { s: Source }) {
  const st = sourceState(s);
  return (
    <Tooltip label={st.why} multiline w={320}>
      <Badge
        color={st.color}
        variant={st.color === 'red' ? 'filled' : 'light'}
        styles={{ label: { overflow: 'visible' } }}
        data-testid={`source-state-${s.id}`}
      >
        {st.label}
      </Badge>
    </Tooltip>
  );
}

/** While a run is under way the page follows it. */
function useFollowRuns(active: boolean, refresh: () => Promise<void>) {
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => void refresh().catch(() => undefined), 1000);
    return () => clearInterval(t);
  }, [active, refresh]);
}

function RunButtons({ s }: { s: Source }) {
  const { run, pause, resume } = useSources.getState();
  return (
    <Group gap={6} wrap="nowrap">
      <Button
        size="compact-xs"
        variant="light"
        disabled={s.running}
        onClick={() =>
          void run(s.id)
            .then(() => notify.info('Run started', `${s.name}: its outcome shows in its history.`))
            .catch((e: unknown) => notify.error('Could not run the source', e))
        }
        data-testid={`run-source-${s.id}`}
      >
        Run now
      </Button>
      <Button
        size="compact-xs"
        variant="default"
        onClick={() =>
          void (s.paused ? resume(s.id) : pause(s.id))
            .then((v) => notify.ok(v.paused ? 'Source paused' : 'Source resumed', v.name))
            .catch((e: unknown) => notify.error('Could not change the source', e))
        }
        data-testid={`${s.paused ? 'resume' : 'pause'}-source-${s.id}`}
      >
        {s.paused ? 'Resume' : 'Pause'}
      </Button>
    </Group>
  );
}

/** Every source: what it pulls, how it stands, when it last brought data. */
function SourceList() {
  const { sources, load } = useSources();
  const go = useRouter((s) => s.go);
  const [adding, setAdding] = useState({ open: false, n: 0 });
  const canManage = useCan('sources:manage');
  useEffect(() => {
    load().catch((e: unknown) => notify.error('Could not load sources', e));
  }, [load]);
  useFollowRuns(
    sources.some((s) => s.running),
    load,
  );
  return (
    <Stack gap="sm" data-testid="sources-page">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={3}>Sources</Title>
          <Text size="sm" c="dimmed">
            Data that arrives on its own: a watched folder, a URL, or a tracker’s API, on a
            schedule. Rows sent again update what is stored.
          </Text>
        </div>
        {canManage && (
          <Button
            onClick={() => setAdding({ open: true, n: adding.n + 1 })}
            data-testid="add-source"
          >
            Add source
          </Button>
        )}
      </Group>
      <Paper withBorder>
        <Table.ScrollContainer minWidth={800}>
          <Table highlightOnHover data-testid="sources-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Schedule</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Last successful sync</Table.Th>
                <Table.Th>Last run</Table.Th>
                <Table.Th ta="right">Held</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sources.map((s) => (
                <Table.Tr key={s.id} data-testid={`source-row-${s.id}`}>
                  <Table.Td>
                    <Anchor
                      href={`#/sources/${s.id}`}
                      onClick={(e) => (e.preventDefault(), go('sources', s.id))}
                    >
                      {s.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    {SOURCE_KIND_NAMES[s.kind]} · {s.dataset}
                  </Table.Td>
                  <Table.Td>{scheduleWords(s.schedule)}</Table.Td>
                  <Table.Td>
                    <StateBadge s={s} />
                  </Table.Td>
                  <Table.Td>{s.lastSuccessAt ? relative(s.lastSuccessAt) : 'never'}</Table.Td>
                  <Table.Td>
                    <Text size="xs">{s.lastRun ? runCounts(s.lastRun) : '—'}</Text>
                  </Table.Td>
                  <Table.Td ta="right">{s.heldRows || '—'}</Table.Td>
                  <Table.Td>
                    <RunButtons s={s} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {sources.length === 0 && (
          <Text c="dimmed" size="sm" p="sm">
            No sources yet. Add one to stop importing by hand.
          </Text>
        )}
      </Paper>
      <Modal
        opened={adding.open}
        onClose={() => setAdding({ ...adding, open: false })}
        title="Add a source"
        size="xl"
      >
        <SourceForm
          key={adding.n}
          source={null}
          onDone={(s) => (setAdding({ ...adding, open: false }), go('sources', s.id))}
          onCancel={() => setAdding({ ...adding, open: false })}
        />
      </Modal>
    </Stack>
  );
}

/** "Map to…": the partner or offer a tracker's id stands for; the held rows then import. */
function MapTo({ d, g, kind }: { d: SourceDetail; g: HeldGroup; kind: 'partner' | 'offer' }) {
  const accounts = useAccounts((s) => s.accounts);
  const offers = useSources((s) => s.offers);
  const map = useSources((s) => s.map);
  const [pick, setPick] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const externalId = kind === 'partner' ? g.externalPartner : g.externalOffer;
  const options =
    kind === 'partner'
      ? accounts
          .filter((a) => a.kind !== 'employee')
          .map((a) => ({ value: String(a.id), label: `${a.name} (#${a.id})` }))
      : offers.map((o) => ({ value: String(o.id), label: `${o.name} (#${o.id})` }));
  return (
    <Group gap={6} wrap="nowrap">
      <Select
        size="xs"
        placeholder={`Map ${kind} ${externalId} to…`}
        data={options}
        value={pick}
        onChange={setPick}
        searchable
        w={230}
        aria-label={`Map ${kind} ${externalId} to`}
        data-testid={`map-${kind}-${externalId}`}
      />
      <Button
        size="compact-xs"
        disabled={!pick}
        loading={busy}
        onClick={() => {
          setBusy(true);
          map({ sourceId: d.id, kind, externalId, localId: Number(pick) })
            .then((r) =>
              notify.ok(
                `Mapped ${kind} ${externalId}`,
                r.released
                  ? `${r.released.created + r.released.updated + r.released.unchanged} held rows imported${r.released.rejected ? `, ${r.released.rejected} rejected` : ''}.`
                  : `to ${r.mapping.localName}.`,
              ),
            )
            .catch((e: unknown) => notify.error('Not mapped', e))
            .finally(() => setBusy(false));
        }}
        data-testid={`map-${kind}-${externalId}-save`}
      >
        Map
      </Button>
    </Group>
  );
}

function configWords(d: SourceDetail): string {
  const c = d.config;
  if (c.kind === 'folder') return `${c.folder} (files settle for ${c.settleSeconds} s)`;
  if (c.kind === 'url')
    return `${c.url} · ${c.format.toUpperCase()}${c.jsonPath ? ` at ${c.jsonPath}` : ''} · ${c.auth === 'none' ? 'no authentication' : `${c.auth} ${c.authName}`} · last ${plural(c.windowDays, 'day')}`;
  return `${c.baseUrl} · last ${plural(c.windowDays, 'day')} · ${c.pageSize} rows a page`;
}

function SourceView({ id }: { id: number }) {
  const { detail, open, remove, unmap, loadOffers } = useSources();
  const loadAccounts = useAccounts((s) => s.load);
  const go = useRouter((s) => s.go);
  const [editing, setEditing] = useState({ open: false, n: 0 });
  const [removing, setRemoving] = useState(false);
  useEffect(() => {
    open(id).catch((e: unknown) => notify.error('Could not load the source', e));
    loadAccounts().catch(() => undefined);
    loadOffers().catch(() => undefined);
  }, [id, open, loadAccounts, loadOffers]);
  useFollowRuns(!!detail?.running, () => open(id));
  const d = detail?.id === id ? detail : null;
  if (!d) return <Text c="dimmed">Loading…</Text>;
  return (
    <Stack gap="sm" data-testid="source-page">
      <Group justify="space-between" align="flex-end">
        <div>
          <Anchor size="sm" href="#/sources" onClick={(e) => (e.preventDefault(), go('sources'))}>
            ← Sources
          </Anchor>
          <Group gap="xs">
            <Title order={3}>{d.name}</Title>
            <StateBadge s={d} />
          </Group>
          <Text size="sm" c="dimmed">
            {SOURCE_KIND_NAMES[d.kind]} · {d.dataset} · {scheduleWords(d.schedule)}
            {d.nextRunAt ? ` · next run ${formatTime(d.nextRunAt)}` : ''}
          </Text>
        </div>
        <Group gap={6}>
          <RunButtons s={d} />
          <Button
            size="compact-xs"
            variant="default"
            onClick={() => setEditing({ open: true, n: editing.n + 1 })}
            data-testid="edit-source"
          >
            Edit
          </Button>
          <Button
            size="compact-xs"
            variant="default"
            color="red"
            onClick={() => setRemoving(true)}
            data-testid="remove-source"
          >
            Remove
          </Button>
        </Group>
      </Group>
      {(d.pausedReason || d.alerting) && (
        <Alert color="red" icon={<IconAlertTriangle size={16} />} data-testid="source-alert">
          {d.pausedReason ?? sourceState(d).why}
        </Alert>
      )}
      <Paper withBorder p="sm">
        <Text size="sm">{configWords(d)}</Text>
        <Text size="sm" c="dimmed">
          {d.credentialHint ? `Credential ${d.credentialHint} (sealed)` : 'No credential'} · last
          successful sync{' '}
          {d.lastSuccessAt
            ? `${formatTime(d.lastSuccessAt)} (${relative(d.lastSuccessAt)})`
            : 'never'}
          {d.ids === 'mapped' ? ' · rows name partners and offers by the tracker’s ids' : ''}
        </Text>
      </Paper>

      {d.held.length > 0 && (
        <Paper withBorder p="sm" data-testid="held-rows">
          <Title order={5}>Waiting for a mapping: {plural(d.heldRows, 'row')}</Title>
          <Text size="sm" c="dimmed" mb="xs">
            These rows name a partner or offer this source has no mapping for. They are kept, and
            imported as soon as both are mapped.
          </Text>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Tracker partner</Table.Th>
                <Table.Th>Tracker offer</Table.Th>
                <Table.Th ta="right">Rows</Table.Th>
                <Table.Th>Last seen</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.held.map((g) => (
                <Table.Tr
                  key={`${g.externalPartner}|${g.externalOffer}`}
                  data-testid={`held-${g.externalPartner}-${g.externalOffer}`}
                >
                  <Table.Td>
                    {g.unmapped.includes('partner') ? (
                      <MapTo d={d} g={g} kind="partner" />
                    ) : (
                      g.externalPartner
                    )}
                  </Table.Td>
                  <Table.Td>
                    {g.unmapped.includes('offer') ? (
                      <MapTo d={d} g={g} kind="offer" />
                    ) : (
                      g.externalOffer
                    )}
                  </Table.Td>
                  <Table.Td ta="right">{g.rows}</Table.Td>
                  <Table.Td>{relative(g.lastSeenAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}

      {d.ids === 'mapped' && (
        <Paper withBorder p="sm" data-testid="source-mappings">
          <Title order={5}>Mapping</Title>
          {d.mappings.length === 0 ? (
            <Text size="sm" c="dimmed">
              Nothing mapped yet: the first run’s rows wait above, each with “Map to…”.
            </Text>
          ) : (
            <Table>
              <Table.Tbody>
                {d.mappings.map((m) => (
                  <Table.Tr key={`${m.kind}:${m.externalId}`}>
                    <Table.Td>
                      Tracker {m.kind} {m.externalId}
                    </Table.Td>
                    <Table.Td>
                      → {m.localName} (#{m.localId})
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        color="red"
                        onClick={() =>
                          void unmap({
                            sourceId: d.id,
                            kind: m.kind,
                            externalId: m.externalId,
                          }).catch((e: unknown) => notify.error('Mapping not removed', e))
                        }
                      >
                        Remove
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Paper>
      )}

      <Paper withBorder p="sm">
        <Title order={5} mb="xs">
          Runs
        </Title>
        <Table.ScrollContainer minWidth={700}>
          <Table data-testid="source-runs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Started</Table.Th>
                <Table.Th>Why</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th>Rows</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.runs.map((r) => (
                <Table.Tr key={r.id} data-testid={`run-${r.id}`}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    {formatTime(r.startedAt)}
                    <Text size="xs" c="dimmed">
                      {r.finishedAt === null
                        ? 'under way'
                        : `took ${((r.finishedAt - r.startedAt) / 1000).toFixed(1)} s`}
                    </Text>
                  </Table.Td>
                  <Table.Td>{r.trigger}</Table.Td>
                  <Table.Td>
                    <Badge
                      size="sm"
                      variant="light"
                      color={r.state === 'ok' ? 'teal' : r.state === 'failed' ? 'red' : 'indigo'}
                      styles={{ label: { overflow: 'visible' } }}
                    >
                      {r.state}
                    </Badge>
                    {r.error && (
                      <Text size="xs" c="red" data-testid={`run-error-${r.id}`}>
                        {r.error.message}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{runCounts(r)}</Text>
                    {r.rejectsFile && (
                      <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                        Rejected rows and why: {r.rejectsFile}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {d.runs.length === 0 && (
          <Text size="sm" c="dimmed">
            No runs yet.
          </Text>
        )}
      </Paper>
      <Modal
        opened={editing.open}
        onClose={() => setEditing({ ...editing, open: false })}
        title={`Edit “${d.name}”`}
        size="xl"
      >
        <SourceForm
          key={editing.n}
          source={d}
          onDone={() => setEditing({ ...editing, open: false })}
          onCancel={() => setEditing({ ...editing, open: false })}
        />
      </Modal>
      <Confirm
        opened={removing}
        title={`Remove “${d.name}”?`}
        confirmLabel="Remove source"
        danger
        onClose={() => setRemoving(false)}
        onConfirm={() =>
          void remove(d.id)
            .then(
              () => (
                notify.ok('Source removed', `${d.name}; the rows it brought stay.`),
                go('sources')
              ),
            )
            .catch((e: unknown) => notify.error('Source not removed', e))
            .finally(() => setRemoving(false))
        }
      >
        Its schedule, mapping, held rows and run history go; the rows it imported stay.
      </Confirm>
    </Stack>
  );
}

export function SourcesPage({ id }: { id: number | null }) {
  return id ? <SourceView id={id} /> : <SourceList />;
}
