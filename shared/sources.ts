/**
 * Sources: named, scheduled feeds that bring clicks, conversions or leads in without an account
 * manager — a watched folder, a URL pulled on a schedule, or a tracker's API (Everflow, TUNE).
 * The admin contract, the CLI and the admin UI check a source with these schemas.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { lazily } from './lazily.ts';
import { id, timeZone } from './schemas.ts';

export const SOURCE_KINDS = ['folder', 'url', 'everflow', 'tune'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const SOURCE_KIND_NAMES: Record<SourceKind, string> = {
  folder: 'Watched folder',
  url: 'URL pull',
  everflow: 'Everflow',
  tune: 'TUNE (HasOffers)',
};

export const SOURCE_DATASETS = ['clicks', 'conversions', 'leads'] as const;
export type SourceDataset = (typeof SOURCE_DATASETS)[number];

/**
 * How a source names partners and offers: by their Partnergate ids, or by the tracker's own ids,
 * translated through the source's mapping table (rows whose ids are not mapped yet are held).
 */
export const SOURCE_ID_MODES = ['partnergate', 'mapped'] as const;
export type SourceIdMode = (typeof SOURCE_ID_MODES)[number];

/** Schedules offered by name in the UI; any five- or six-field cron expression is accepted too. */
export const SCHEDULE_PRESETS: readonly { label: string; cron: string }[] = [
  { label: 'Every minute', cron: '* * * * *' },
  { label: 'Every 5 minutes', cron: '*/5 * * * *' },
  { label: 'Every 15 minutes', cron: '*/15 * * * *' },
  { label: 'Every hour', cron: '0 * * * *' },
  { label: 'Every 6 hours', cron: '0 */6 * * *' },
  { label: 'Every day at 06:00 UTC', cron: '0 6 * * *' },
];

/** Whether `text` is a cron expression the scheduler can run, and the reason when it is not. */
export function scheduleProblem(text: string): string | null {
  const fields = text.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6)
    return 'must be a cron expression of five fields (minute hour day month weekday), e.g. */15 * * * *';
  try {
    new Cron(text.trim(), { paused: true, timezone: 'UTC' }).stop();
    return null;
  } catch (e) {
    return `is not a valid cron expression (${(e as Error).message})`;
  }
}

/** The next time a schedule is due after `after` (epoch ms), in UTC; null if never again. */
export function nextScheduled(cron: string, after: number): number | null {
  const job = new Cron(cron, { paused: true, timezone: 'UTC' });
  const next = job.nextRun(new Date(after));
  job.stop();
  return next ? next.getTime() : null;
}

const schedule = lazily(() =>
  z
    .string()
    .trim()
    .max(100)
    .superRefine((v, ctx) => {
      const problem = scheduleProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
);

/** The WHATWG URL parser: every runtime shared code runs in (Node, Electron, browsers) has it. */
declare const URL: { canParse(url: string): boolean };

const httpUrl = lazily(() =>
  z
    .string()
    .trim()
    .max(2000)
    .refine(
      (v) => /^https?:\/\/[^\s]+$/i.test(v) && URL.canParse(v.replace(/\{(from|to)\}/g, 'x')),
      {
        message: 'must be an http:// or https:// address',
      },
    ),
);

/** Days back from today a pull asks for on every run, so late status changes are picked up. */
const windowDays = lazily(() => z.int().min(1).max(90));

export const folderConfig = lazily(() =>
  z.object({
    kind: z.literal('folder'),
    /** The folder watched; `done/` and `failed/` are made inside it. */
    folder: z.string().trim().min(1, 'must not be empty').max(1000),
    /** A file is read once it has not changed for this long (it is still being written before). */
    settleSeconds: z.int().min(1).max(3600).default(10),
  }),
);

export const urlConfig = lazily(() =>
  z.object({
    kind: z.literal('url'),
    /** `{from}` and `{to}` are replaced by the window's first and last day (YYYY-MM-DD). */
    url: httpUrl,
    format: z.enum(['csv', 'json']).default('csv'),
    /** Where the rows are in a JSON document, e.g. `data.rows` (empty: the document is the list). */
    jsonPath: z.string().trim().max(200).default(''),
    /** How the credential is sent: a request header, a query parameter, or not at all. */
    auth: z.enum(['none', 'header', 'query']).default('none'),
    /** The header (e.g. `Authorization`, `X-Api-Key`) or query parameter (e.g. `token`) carrying it. */
    authName: z.string().trim().max(100).default(''),
    windowDays: windowDays.default(3),
  }),
);

export const everflowConfig = lazily(() =>
  z.object({
    kind: z.literal('everflow'),
    /** The Network API's address (https://api.eflow.team unless Everflow says otherwise). */
    baseUrl: httpUrl.default('https://api.eflow.team'),
    /** Everflow's id of the time zone the window's days are read in (its Metadata API lists them). */
    timezoneId: z.int().min(1).max(1000).default(67),
    windowDays: windowDays.default(3),
    pageSize: z.int().min(1).max(2000).default(500),
  }),
);

export const tuneConfig = lazily(() =>
  z.object({
    kind: z.literal('tune'),
    /** The network's API address: https://NETWORKID.api.hasoffers.com */
    baseUrl: httpUrl,
    windowDays: windowDays.default(3),
    pageSize: z.int().min(1).max(2000).default(500),
  }),
);

export const sourceConfig = lazily(() =>
  z.discriminatedUnion('kind', [folderConfig, urlConfig, everflowConfig, tuneConfig]),
);
export type SourceConfig = z.output<typeof sourceConfig>;

const sourceFields = lazily(() => ({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  dataset: z.enum(SOURCE_DATASETS).default('conversions'),
  schedule: schedule.default('*/15 * * * *'),
  ids: z.enum(SOURCE_ID_MODES).default('partnergate'),
  /** Field → the column (or JSON key, dotted for nested ones) it is read from. */
  mapping: z.record(z.string().max(100), z.string().max(200)).default({}),
  /** The zone of times written without an offset. */
  timezone: timeZone.default('UTC'),
  /** A source failing for longer than this raises an alert. */
  alertAfterMinutes: z.int().min(1).max(10_080).default(60),
  /** The API key or token; sealed, never shown again in full. Empty string removes it. */
  credential: z.string().max(4000).optional(),
}));

export const sourceAddInput = lazily(() =>
  z.object({ ...sourceFields, config: sourceConfig }).superRefine((s, ctx) => {
    const tracker = s.config.kind === 'everflow' || s.config.kind === 'tune';
    const pulls = s.config.kind === 'everflow' ? ['conversions', 'clicks'] : ['conversions'];
    if (tracker && !pulls.includes(s.dataset))
      ctx.addIssue({
        code: 'custom',
        path: ['dataset'],
        message: `must be ${pulls.join(' or ')}: the ${SOURCE_KIND_NAMES[s.config.kind]} connector pulls ${pulls.join(' and ')}`,
      });
    if (tracker && s.ids !== 'mapped')
      ctx.addIssue({
        code: 'custom',
        path: ['ids'],
        message: 'must be mapped: a tracker names partners and offers by its own ids',
      });
    if (tracker && !s.credential)
      ctx.addIssue({
        code: 'custom',
        path: ['credential'],
        message: `is needed: ${SOURCE_KIND_NAMES[s.config.kind]} answers only with an API key`,
      });
    if (s.config.kind === 'url' && s.config.auth !== 'none') {
      if (!s.config.authName)
        ctx.addIssue({
          code: 'custom',
          path: ['config', 'authName'],
          message: `must name the ${s.config.auth === 'header' ? 'header' : 'query parameter'} that carries the credential`,
        });
      if (!s.credential)
        ctx.addIssue({
          code: 'custom',
          path: ['credential'],
          message: 'is needed when the URL is pulled with authentication',
        });
    }
  }),
);
export type SourceAddInput = z.output<typeof sourceAddInput>;

export const sourceUpdateInput = lazily(() =>
  z.object({
    id,
    name: sourceFields.name.optional(),
    schedule: schedule.optional(),
    mapping: sourceFields.mapping.optional(),
    timezone: timeZone.optional(),
    alertAfterMinutes: sourceFields.alertAfterMinutes.optional(),
    credential: sourceFields.credential,
    config: sourceConfig.optional(),
  }),
);
export type SourceUpdateInput = z.output<typeof sourceUpdateInput>;

export const sourceMapInput = lazily(() =>
  z.object({
    sourceId: id,
    kind: z.enum(['partner', 'offer']),
    externalId: z.string().trim().min(1).max(200),
    /** The Partnergate account (partner) or offer the tracker's id stands for. */
    localId: id,
  }),
);

export type SourceRunState = 'running' | 'ok' | 'failed';
export type SourceRunTrigger = 'schedule' | 'manual' | 'retry' | 'release';

export interface SourceRun {
  id: number;
  sourceId: number;
  trigger: SourceRunTrigger;
  startedAt: number;
  finishedAt: number | null;
  state: SourceRunState;
  rowsRead: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  held: number;
  /** Files a watched folder took in this run. */
  files: number;
  error: { code: string; message: string } | null;
  /** Each rejected row and why (CSV), when rows were rejected. */
  rejectsFile: string | null;
}

export interface Source {
  id: number;
  name: string;
  kind: SourceKind;
  dataset: SourceDataset;
  schedule: string;
  ids: SourceIdMode;
  mapping: Record<string, string>;
  timezone: string;
  alertAfterMinutes: number;
  config: SourceConfig;
  /** The credential's last characters (`••••c0de`), or null when there is none. */
  credentialHint: string | null;
  paused: boolean;
  /** Why it stopped by itself (a refused credential), null when paused by hand or running. */
  pausedReason: string | null;
  createdAt: number;
  /** When the last successful run started: the data is complete up to then. */
  lastSuccessAt: number | null;
  /** Since when it has failed without a success in between. */
  failingSince: number | null;
  consecutiveFailures: number;
  nextRunAt: number | null;
  running: boolean;
  /** Failing for longer than its alert threshold, or its credential was refused. */
  alerting: boolean;
  lastRun: SourceRun | null;
  heldRows: number;
}

export interface SourceIdMapping {
  kind: 'partner' | 'offer';
  externalId: string;
  localId: number;
  localName: string;
}

/** Held rows of one unmapped tracker partner / offer pair. */
export interface HeldGroup {
  externalPartner: string;
  externalOffer: string;
  /** Which of the two has no mapping yet. */
  unmapped: ('partner' | 'offer')[];
  rows: number;
  firstSeenAt: number;
  lastSeenAt: number;
}

export interface SourceDetail extends Source {
  mappings: SourceIdMapping[];
  held: HeldGroup[];
  runs: SourceRun[];
}

/** What mapping an id did: the rows it released, as a run of their own. */
export interface SourceMapResult {
  mapping: SourceIdMapping;
  released: SourceRun | null;
}
