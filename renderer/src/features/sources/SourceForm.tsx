import {
  Button,
  Group,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import {
  SCHEDULE_PRESETS,
  SOURCE_DATASETS,
  SOURCE_KIND_NAMES,
  SOURCE_KINDS,
  sourceAddInput,
  sourceUpdateInput,
  type Source,
  type SourceConfig,
  type SourceDataset,
  type SourceIdMode,
  type SourceKind,
} from '../../../../shared/sources.ts';
import { useForm } from '../../lib/form-check.ts';
import { notify } from '../../lib/notify.ts';
import { useSources } from '../../stores/sources.ts';

const CUSTOM = 'custom';

/** `field = column` lines as a mapping, and the lines that are not of that shape. */
export function parseMapping(text: string): { mapping: Record<string, string>; bad: string[] } {
  const mapping: Record<string, string> = {};
  const bad: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    if (eq < 1 || !t.slice(eq + 1).trim()) bad.push(t);
    else mapping[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return { mapping, bad };
}

const mappingText = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([f, h]) => `${f} = ${h}`)
    .join('\n');

const KIND_WORDS: Record<SourceKind, string> = {
  folder:
    'CSV files dropped into a folder are imported once they stop changing, then moved to done/ or failed/.',
  url: 'A CSV or JSON document (a tracker’s scheduled export) fetched on a schedule.',
  everflow:
    'Conversions (reporting/conversions, paged) or clicks (reporting/clicks/stream, pulled forward) from Everflow’s Network API.',
  tune: 'Conversions from TUNE / HasOffers’ Network API (Report::getConversions), paged.',
};

/** A new source, or a source's settings (its kind and dataset stay as they are). */
export function SourceForm({
  source,
  onDone,
  onCancel,
}: {
  source: Source | null;
  onDone: (s: Source) => void;
  onCancel: () => void;
}) {
  const add = useSources((s) => s.add);
  const update = useSources((s) => s.update);
  const c = source?.config;
  const [kind, setKind] = useState<SourceKind>(source?.kind ?? 'folder');
  const [name, setName] = useState(source?.name ?? '');
  const [dataset, setDataset] = useState<SourceDataset>(source?.dataset ?? 'conversions');
  const [ids, setIds] = useState<SourceIdMode>(source?.ids ?? 'partnergate');
  const preset = SCHEDULE_PRESETS.find((p) => p.cron === (source?.schedule ?? '*/15 * * * *'));
  const [schedulePick, setSchedulePick] = useState(preset?.cron ?? CUSTOM);
  const [cron, setCron] = useState(source?.schedule ?? '*/15 * * * *');
  const [credential, setCredential] = useState('');
  const [alertAfter, setAlertAfter] = useState<number | string>(source?.alertAfterMinutes ?? 60);
  const [timezone, setTimezone] = useState(source?.timezone ?? 'UTC');
  const [mapping, setMapping] = useState(mappingText(source?.mapping ?? {}));
  const [folder, setFolder] = useState(c?.kind === 'folder' ? c.folder : '');
  const [settle, setSettle] = useState<number | string>(
    c?.kind === 'folder' ? c.settleSeconds : 10,
  );
  const [url, setUrl] = useState(
    c?.kind === 'url' || c?.kind === 'tune'
      ? c.kind === 'url'
        ? c.url
        : c.baseUrl
      : c?.kind === 'everflow'
        ? c.baseUrl
        : '',
  );
  const [format, setFormat] = useState<'csv' | 'json'>(c?.kind === 'url' ? c.format : 'csv');
  const [jsonPath, setJsonPath] = useState(c?.kind === 'url' ? c.jsonPath : '');
  const [auth, setAuth] = useState<'none' | 'header' | 'query'>(
    c?.kind === 'url' ? c.auth : 'none',
  );
  const [authName, setAuthName] = useState(c?.kind === 'url' ? c.authName : '');
  const [windowDays, setWindowDays] = useState<number | string>(
    c && c.kind !== 'folder' ? c.windowDays : 3,
  );
  const tracker = kind === 'everflow' || kind === 'tune';
  // What each kind can pull: Everflow conversions or clicks, TUNE conversions, the rest any.
  const datasets: readonly SourceDataset[] =
    kind === 'everflow'
      ? ['conversions', 'clicks']
      : kind === 'tune'
        ? ['conversions']
        : SOURCE_DATASETS;
  const shownDataset = datasets.includes(dataset) ? dataset : 'conversions';
  const schedule = schedulePick === CUSTOM ? cron : schedulePick;
  const parsedMapping = parseMapping(mapping);
  const num = (v: number | string) => (typeof v === 'number' ? v : Number.NaN);

  const config: SourceConfig =
    kind === 'folder'
      ? { kind, folder, settleSeconds: num(settle) }
      : kind === 'url'
        ? { kind, url, format, jsonPath, auth, authName, windowDays: num(windowDays) }
        : kind === 'everflow'
          ? {
              kind,
              baseUrl: url || 'https://api.eflow.team',
              timezoneId: c?.kind === 'everflow' ? c.timezoneId : 67,
              windowDays: num(windowDays),
              pageSize: c?.kind === 'everflow' ? c.pageSize : 500,
            }
          : {
              kind,
              baseUrl: url,
              windowDays: num(windowDays),
              pageSize: c?.kind === 'tune' ? c.pageSize : 500,
            };
  const value = {
    name,
    dataset: shownDataset,
    schedule,
    ids: tracker ? 'mapped' : ids,
    mapping: tracker ? {} : parsedMapping.mapping,
    timezone,
    alertAfterMinutes: num(alertAfter),
    ...(credential && { credential }),
    config,
  };
  const changes = source
    ? {
        id: source.id,
        ...(name !== source.name && { name }),
        ...(schedule !== source.schedule && { schedule }),
        ...(JSON.stringify(value.mapping) !== JSON.stringify(source.mapping) && {
          mapping: value.mapping,
        }),
        ...(timezone !== source.timezone && { timezone }),
        ...(value.alertAfterMinutes !== source.alertAfterMinutes && {
          alertAfterMinutes: value.alertAfterMinutes,
        }),
        ...(credential && { credential }),
        ...(JSON.stringify(config) !== JSON.stringify(source.config) && { config }),
      }
    : { id: 0 };
  const extra: Record<string, string> = parsedMapping.bad.length
    ? { mapping: `write each line as field = column (not “${parsedMapping.bad[0]}”)` }
    : {};
  const form = useForm(source ? sourceUpdateInput : sourceAddInput, source ? changes : value, {
    extra,
    failTitle: source ? 'Source not saved' : 'Source not added',
    send() {
      if (!source)
        return add(value as Parameters<typeof add>[0]).then(
          (s) => (
            notify.ok(
              'Source added',
              `${s.name}: first run ${s.nextRunAt ? 'scheduled' : 'waits'}`,
            ),
            onDone(s)
          ),
        );
      if (Object.keys(changes).length === 1) {
        notify.info('Nothing to save', 'No field was changed.');
        return null;
      }
      return update(changes as Parameters<typeof update>[0]).then(
        (s) => (notify.ok('Source saved', s.name), onDone(s)),
      );
    },
  });
  const { errors } = form;
  return (
    <form {...form.props} data-testid="source-form">
      <Stack gap="sm">
        {!source && (
          <Stack gap={4}>
            <SegmentedControl
              value={kind}
              onChange={(v) => setKind(v)}
              data={SOURCE_KINDS.map((k) => ({ value: k, label: SOURCE_KIND_NAMES[k] }))}
              data-testid="source-kind"
            />
            <Text size="xs" c="dimmed">
              {KIND_WORDS[kind]}
            </Text>
          </Stack>
        )}
        <Group grow align="flex-start">
          <TextInput
            label="Name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            maxLength={200}
            required
            data-testid="source-name"
          />
          <Select
            label="Rows"
            value={shownDataset}
            onChange={(v) => v && setDataset(v)}
            data={datasets.map((d) => ({
              value: d,
              label: d[0]!.toUpperCase() + d.slice(1),
            }))}
            disabled={datasets.length === 1 || !!source}
            error={errors.dataset}
            allowDeselect={false}
            data-testid="source-dataset"
          />
        </Group>
        {kind === 'folder' && (
          <Group grow align="flex-start">
            <TextInput
              label="Folder"
              description="Made if missing; done/ and failed/ are made inside it"
              placeholder="/srv/exports/tracker"
              value={folder}
              onChange={(e) => setFolder(e.currentTarget.value)}
              error={errors['config.folder']}
              required
              data-testid="source-folder"
            />
            <NumberInput
              label="Settle time (seconds)"
              description="A file is read once unchanged this long"
              value={settle}
              onChange={setSettle}
              min={1}
              max={3600}
              error={errors['config.settleSeconds']}
            />
          </Group>
        )}
        {kind !== 'folder' && (
          <TextInput
            label={kind === 'url' ? 'URL' : 'API address'}
            description={
              kind === 'url'
                ? '{from} and {to} are replaced by the window’s first and last day (YYYY-MM-DD)'
                : kind === 'tune'
                  ? 'https://NETWORKID.api.hasoffers.com'
                  : 'https://api.eflow.team unless Everflow gave you another'
            }
            placeholder={
              kind === 'url'
                ? 'https://tracker.example/export.csv?from={from}&to={to}'
                : kind === 'tune'
                  ? 'https://yournetwork.api.hasoffers.com'
                  : 'https://api.eflow.team'
            }
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            error={errors['config.url'] ?? errors['config.baseUrl']}
            required={kind !== 'everflow'}
            data-testid="source-url"
          />
        )}
        {kind === 'url' && (
          <Group grow align="flex-start">
            <Select
              label="Format"
              value={format}
              onChange={(v) => v && setFormat(v)}
              data={[
                { value: 'csv', label: 'CSV' },
                { value: 'json', label: 'JSON' },
              ]}
              allowDeselect={false}
              data-testid="source-format"
            />
            {format === 'json' && (
              <TextInput
                label="Row path"
                description="Where the list of rows is, e.g. data.rows"
                value={jsonPath}
                onChange={(e) => setJsonPath(e.currentTarget.value)}
                error={errors['config.jsonPath']}
                data-testid="source-json-path"
              />
            )}
            <Select
              label="Authentication"
              value={auth}
              onChange={(v) => v && setAuth(v)}
              data={[
                { value: 'none', label: 'None' },
                { value: 'header', label: 'Header' },
                { value: 'query', label: 'Query token' },
              ]}
              allowDeselect={false}
              data-testid="source-auth"
            />
            {auth !== 'none' && (
              <TextInput
                label={auth === 'header' ? 'Header name' : 'Query parameter'}
                placeholder={auth === 'header' ? 'X-Api-Key' : 'token'}
                value={authName}
                onChange={(e) => setAuthName(e.currentTarget.value)}
                error={errors['config.authName']}
                data-testid="source-auth-name"
              />
            )}
          </Group>
        )}
        {(tracker || (kind === 'url' && auth !== 'none')) && (
          <PasswordInput
            label={
              kind === 'everflow'
                ? 'Network API key'
                : kind === 'tune'
                  ? 'Network token'
                  : 'Credential'
            }
            description={
              source?.credentialHint
                ? `Kept sealed (${source.credentialHint}); leave empty to keep it`
                : 'Kept sealed on this machine and never shown again in full'
            }
            value={credential}
            onChange={(e) => setCredential(e.currentTarget.value)}
            error={errors.credential}
            autoComplete="off"
            data-testid="source-credential"
          />
        )}
        <Group grow align="flex-start">
          <Select
            label="Schedule"
            value={schedulePick}
            onChange={(v) => v && setSchedulePick(v)}
            data={[
              ...SCHEDULE_PRESETS.map((p) => ({ value: p.cron, label: p.label })),
              { value: CUSTOM, label: 'Cron expression…' },
            ]}
            allowDeselect={false}
            error={schedulePick !== CUSTOM ? errors.schedule : undefined}
            data-testid="source-schedule"
          />
          {schedulePick === CUSTOM && (
            <TextInput
              label="Cron (UTC)"
              placeholder="*/30 * * * *"
              value={cron}
              onChange={(e) => setCron(e.currentTarget.value)}
              error={errors.schedule}
              data-testid="source-cron"
            />
          )}
          {kind !== 'folder' && (
            <NumberInput
              label="Days pulled each run"
              description="Late status changes within them are picked up"
              value={windowDays}
              onChange={setWindowDays}
              min={1}
              max={90}
              error={errors['config.windowDays']}
            />
          )}
          <NumberInput
            label="Alert after (minutes failing)"
            value={alertAfter}
            onChange={setAlertAfter}
            min={1}
            max={10080}
            error={errors.alertAfterMinutes}
          />
        </Group>
        {!tracker && (
          <>
            <SegmentedControl
              value={ids}
              onChange={(v) => setIds(v)}
              disabled={!!source}
              data={[
                { value: 'partnergate', label: 'Rows use Partnergate ids' },
                { value: 'mapped', label: 'Rows use the tracker’s ids (map them)' },
              ]}
              data-testid="source-ids"
            />
            <Textarea
              label="Column mapping"
              description="One per line: field = column (dotted keys for nested JSON). Columns named like the import’s fields need none."
              placeholder={'partner_id = affiliate\ntransaction_id = order.id'}
              value={mapping}
              onChange={(e) => setMapping(e.currentTarget.value)}
              error={errors.mapping}
              autosize
              minRows={2}
              maxRows={8}
              data-testid="source-mapping"
            />
          </>
        )}
        <TextInput
          label="Time zone of times without an offset"
          value={timezone}
          onChange={(e) => setTimezone(e.currentTarget.value)}
          error={errors.timezone}
          w={260}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={form.busy} data-testid="source-save">
            {source ? 'Save changes' : 'Add source'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
