/**
 * The admin contract: every call the admin UI can make, as method name → input schema and
 * output type (one object argument each). main/ implements it once as a handler map; Electron
 * IPC and the loopback admin HTTP listener both carry it, and the renderer's client is derived
 * from it, so the three cannot drift.
 */
import type { KeyExportRow } from './key-export.ts';
import { z } from 'zod';
import { lazily } from './lazily.ts';
import { HTTPS_MODES, SECRET_POLICIES, THEMES, type HttpsMode } from './settings.ts';
import {
  accountCreateInput,
  accountListInput,
  accountUpdateInput,
  id,
  ipRuleInput,
  isoDate,
  keyExtendInput,
  keyIssueInput,
  keyRevokeInput,
  keyRotateInput,
  keyUpdateInput,
  offerCreateInput,
  offerUpdateInput,
  rateLimit,
  reportAudience,
  reportCreateInput,
  reportRunInput,
  reportSpec,
  reportUpdateInput,
  timeZone,
  type Account,
  type AddressCheck,
  type ApiKey,
  type AuditEntry,
  type IpRule,
  type IssuedKey,
  type Offer,
  type ReportDefinition,
  type ReportResult,
  type WhitelistReport,
} from './schemas.ts';
import type { Settings } from './settings.ts';
import type { Role } from './permissions.ts';
import {
  accessTokenCreateInput,
  totpCode,
  userInviteInput,
  type AccessToken,
  type AdminUser,
  type UserSession,
  type WhoAmI,
} from './users.ts';
import {
  sourceAddInput,
  sourceMapInput,
  sourceUpdateInput,
  type Source,
  type SourceDetail,
  type SourceMapResult,
  type SourceRun,
} from './sources.ts';

/**
 * A method: its input schema, and its output type carried as a phantom. The schema is given as
 * a function and built the first time a call is parsed: a command-line call parses one.
 */
interface Method<I extends z.ZodType, O> {
  input: I;
  output?: O;
}
const method =
  <O>() =>
  <I extends z.ZodType>(input: () => I): Method<I, O> => ({ input: lazily(input) });

const none = lazily(() => z.object({}).strict());

export interface ListenerAddressView {
  url: string;
  address: string;
  family: 4 | 6;
  kind: 'loopback' | 'lan' | 'vpn' | 'other';
  interface: string;
}

/** How re-showable copies of key secrets are kept where the core runs. */
export interface SecretStorageInfo {
  /** False when no copy can be kept (no keychain): every key is then shown once. */
  retains: boolean;
  /** Copies are kept, but protected by a fixed password only (Linux without a keyring). */
  weak: boolean;
  /** The user may choose to keep copies anyway (`allowWeakKeychain`). */
  canOptIn: boolean;
  description: string;
}

export interface ListenerStatus {
  running: boolean;
  host: string;
  port: number;
  addresses: ListenerAddressView[];
  /** Why the last start failed (port taken, address not on this machine), if it did. */
  error: { code: string; message: string } | null;
  /** When to serve HTTPS (saved setting). */
  httpsMode: HttpsMode;
  /** The certificate served, while running over HTTPS. */
  https: ListenerTls | null;
  /** Running beyond loopback over plain HTTP (chosen): keys travel in clear. */
  clearBeyondLoopback: boolean;
}

/** The certificate the partner listener serves, and how a partner trusts it. */
export interface ListenerTls {
  source: 'own-ca' | 'operator';
  /** Partnergate's CA certificate (PEM), for partners to trust; null for an operator's own. */
  caPem: string | null;
  /** SHA-256 of the CA certificate, colon hex, to compare by eye. */
  caFingerprint: string | null;
  /** The server key's pin, as `curl --pinnedpubkey` takes it. */
  pin: string;
  names: string[];
  notAfter: number;
}

/** A key's handout as a file: the admin UI saves it, the CLI writes it. */
export interface HandoutFileView {
  filename: string;
  contentType: string;
  /** The file's bytes, base64 (a PDF is binary). */
  base64: string;
}

/** A key's handout link: on, and where the listener serves it (one URL per address). */
export interface HandoutLinkView {
  keyId: number;
  enabled: boolean;
  urls: string[];
}

export const HANDOUT_FORMATS = ['html', 'md', 'pdf'] as const;
export type HandoutFormat = (typeof HANDOUT_FORMATS)[number];
const handoutInput = lazily(() =>
  z.object({ id, format: z.enum(HANDOUT_FORMATS).default('html') }),
);

export interface RefusedAddress {
  ip: string;
  count: number;
  lastAt: number;
}

export interface UsagePoint {
  /** Start of the bucket, epoch ms. */
  at: number;
  requests: number;
  errors: number;
  rateLimited: number;
}

export interface Dashboard {
  range: { fromMs: number; toMs: number; bucketMs: number };
  totals: { requests: number; errors: number; rateLimited: number; refusedAddresses: number };
  series: UsagePoint[];
  byKey: {
    keyId: number;
    label: string;
    accountName: string;
    requests: number;
    errors: number;
    rateLimited: number;
  }[];
  byPartner: { accountId: number; accountName: string; requests: number; errors: number }[];
  expiringSoon: ApiKey[];
  unused: ApiKey[];
}

export interface ImportJob {
  id: string;
  dataset: 'clicks' | 'conversions' | 'leads';
  fileName: string;
  state: 'running' | 'done' | 'failed';
  /** Reading and checking the file, then moving its rows into the store. */
  phase: 'reading' | 'committing';
  rowsRead: number;
  /** Bytes of the file read so far and in all, for a progress bar. */
  bytesRead: number;
  bytesTotal: number;
  result: {
    rowsRead: number;
    imported: number;
    writes: 'insert-only' | 'upsert';
    /** Of the rows imported: new, changed (upsert), and the same as stored (upsert). */
    created: number;
    updated: number;
    unchanged: number;
    rejected: number;
    committed: boolean;
    ignoredColumns: string[];
    /** The rejects file as CSV (line, reason, the row as given), when rows were rejected; cut at 5 MB. */
    rejectsCsv: string | null;
  } | null;
  error: { code: string; message: string } | null;
}

export interface ImportPreview {
  headers: string[];
  mapping: Record<string, string>;
  missing: string[];
  ignored: string[];
  sample: Record<string, string>[];
  fields: { id: string; required: boolean }[];
}

export interface ApiProbe {
  status: number;
  durationMs: number;
  headers: Record<string, string>;
  /** The body, cut to a readable length. */
  body: string;
  error: string | null;
}

const importDataset = lazily(() => z.enum(['clicks', 'conversions', 'leads']));

export const adminContract = {
  listAccounts: method<Account[]>()(() => accountListInput),
  getAccount: method<Account>()(() => z.object({ id })),
  createAccount: method<Account>()(() => accountCreateInput),
  updateAccount: method<Account>()(() => accountUpdateInput),

  listOffers: method<Offer[]>()(() => none),
  createOffer: method<Offer>()(() => offerCreateInput),
  updateOffer: method<Offer>()(() => offerUpdateInput),

  listKeys: method<ApiKey[]>()(() => z.object({ accountId: id.optional() })),
  exportKeys: method<KeyExportRow[]>()(() =>
    z.object({ accountId: id.optional(), ids: z.array(id).max(100_000).optional() }),
  ),
  getKey: method<ApiKey>()(() => z.object({ id })),
  issueKey: method<IssuedKey>()(() => keyIssueInput),
  revealKey: method<{ secret: string }>()(() => z.object({ id })),
  extendKey: method<ApiKey>()(() => keyExtendInput),
  revokeKey: method<ApiKey>()(() => keyRevokeInput),
  rotateKey: method<IssuedKey>()(() => keyRotateInput),
  updateKey: method<ApiKey>()(() => keyUpdateInput),
  /** The key's handout, saying how the key arrives. */
  keyHandout: method<HandoutFileView>()(() => handoutInput),
  /** The key's handout with the key in it (a reveal). */
  keyHandoutWithKey: method<HandoutFileView>()(() => handoutInput),
  handoutLink: method<HandoutLinkView>()(() => z.object({ id })),
  setHandoutLink: method<HandoutLinkView>()(() => z.object({ id, enabled: z.boolean() })),

  listRules: method<WhitelistReport>()(() => z.object({ keyId: id })),
  addRule: method<{ rule: IpRule; warnings: string[] }>()(() => ipRuleInput),
  removeRule: method<IpRule>()(() => z.object({ id })),
  checkAddress: method<AddressCheck>()(() => z.object({ keyId: id, address: z.string().max(100) })),
  refusedAddresses: method<RefusedAddress[]>()(() =>
    z.object({ keyId: id, days: z.int().min(1).max(90).default(7) }),
  ),

  listReports: method<ReportDefinition[]>()(() => z.object({ accountId: id.optional() })),
  getReport: method<ReportDefinition>()(() => z.object({ id })),
  createReport: method<ReportDefinition>()(() => reportCreateInput),
  updateReport: method<ReportDefinition>()(() => reportUpdateInput),
  deleteReport: method<{ id: number }>()(() => z.object({ id })),
  /** An unsaved definition run as an account, refused (as the API would) outside its audience. */
  previewReport: method<ReportResult>()(() =>
    z.object({
      spec: reportSpec,
      audience: reportAudience.optional(),
      accountId: id,
      from: isoDate.optional(),
      to: isoDate.optional(),
      timezone: timeZone.optional(),
      limit: z.int().min(1).max(10_000).default(500),
    }),
  ),
  runReport: method<ReportResult>()(() => reportRunInput),

  listenerStatus: method<ListenerStatus>()(() => none),
  startListener: method<ListenerStatus>()(() => none),
  stopListener: method<ListenerStatus>()(() => none),
  configureListener: method<ListenerStatus>()(() =>
    z.object({
      host: z.string().trim().min(1).max(100),
      port: z.int().min(0).max(65535),
      startOnLaunch: z.boolean().optional(),
      https: z.enum(HTTPS_MODES).optional(),
    }),
  ),
  /** Calls the partner API from the server side, as a partner would, and shows the answer. */
  probeApi: method<ApiProbe>()(() => z.object({ url: z.string().url().max(4000), keyId: id })),

  dashboard: method<Dashboard>()(() => z.object({ days: z.int().min(1).max(90).default(14) })),
  listAudit: method<AuditEntry[]>()(() =>
    z.object({
      search: z.string().max(200).optional(),
      limit: z.int().min(1).max(1000).default(200),
      beforeId: id.optional(),
    }),
  ),

  previewImport: method<ImportPreview>()(() =>
    z.object({ dataset: importDataset, head: z.string().max(200_000) }),
  ),
  /** Imports a file uploaded before (the web admin's upload, or the desktop's chosen file). */
  startImport: method<ImportJob>()(() =>
    z.object({
      dataset: importDataset,
      upload: z.string().min(1).max(100),
      mode: z.enum(['all-or-nothing', 'skip-invalid']).default('all-or-nothing'),
      /** `upsert`: a row already stored takes the file's status and amounts. */
      writes: z.enum(['insert-only', 'upsert']).default('insert-only'),
      mapping: z.record(z.string(), z.string()).default({}),
      timezone: timeZone.default('UTC'),
    }),
  ),
  importStatus: method<ImportJob>()(() => z.object({ id: z.string().max(100) })),

  listSources: method<Source[]>()(() => none),
  getSource: method<SourceDetail>()(() => z.object({ id })),
  addSource: method<Source>()(() => sourceAddInput),
  updateSource: method<Source>()(() => sourceUpdateInput),
  removeSource: method<{ id: number }>()(() => z.object({ id })),
  pauseSource: method<Source>()(() => z.object({ id })),
  resumeSource: method<Source>()(() => z.object({ id })),
  /** "Run now": answers with the run as it starts; its outcome lands in the source's history. */
  runSource: method<SourceRun>()(() => z.object({ id })),
  /** Maps a tracker's partner or offer id, then imports the rows held for it. */
  mapSourceId: method<SourceMapResult>()(() => sourceMapInput),
  unmapSourceId: method<{ removed: boolean }>()(() => sourceMapInput.omit({ localId: true })),

  /** The caller and what they may do (the UI shows only what they can use). */
  whoAmI: method<WhoAmI>()(() => none),
  listUsers: method<AdminUser[]>()(() => none),
  /** Answers with the person and their one-time set-up link's token (shown once). */
  inviteUser: method<{ user: AdminUser; token: string; expiresAt: number }>()(
    () => userInviteInput,
  ),
  updateUser: method<AdminUser>()(() =>
    z.object({
      id,
      role: z.enum(['owner', 'admin', 'manager', 'viewer']).optional(),
      allPartners: z.boolean().optional(),
      partnerIds: z.array(id).max(10_000).optional(),
      disabled: z.boolean().optional(),
    }),
  ),
  removeUser: method<{ id: number }>()(() => z.object({ id })),
  userSessions: method<UserSession[]>()(() => z.object({ id })),
  endUserSessions: method<{ ended: number }>()(() => z.object({ id })),
  /** A new one-time set-up link for a person (a lost invitation, a forgotten password). */
  userSetupLink: method<{ token: string; expiresAt: number }>()(() => z.object({ id })),
  /** Turns off a person's authenticator codes (they lost their phone). */
  resetTwoFactor: method<AdminUser>()(() => z.object({ id })),

  /** The caller's own sign-in: an authenticator app, and access tokens for scripts. */
  beginTwoFactor: method<{ secret: string; uri: string }>()(() => none),
  confirmTwoFactor: method<AdminUser>()(() => z.object({ code: totpCode })),
  disableTwoFactor: method<AdminUser>()(() => none),
  listTokens: method<AccessToken[]>()(() => none),
  createToken: method<{ token: AccessToken; secret: string }>()(() => accessTokenCreateInput),
  revokeToken: method<AccessToken>()(() => z.object({ id })),

  getSettings: method<Settings>()(() => none),
  updateSettings: method<Settings>()(() =>
    z.object({
      theme: z.enum(THEMES).optional(),
      secretPolicy: z.enum(SECRET_POLICIES).optional(),
      defaultExpiryDays: z.int().min(1).max(3650).optional(),
      defaultRateLimit: rateLimit.optional(),
      allowWeakKeychain: z.boolean().optional(),
      mcpByDefault: z.boolean().optional(),
    }),
  ),
  secretStorage: method<SecretStorageInfo>()(() => none),
  about: method<AboutStore>()(() => none),
} as const;

export type AdminContract = typeof adminContract;
export type AdminMethod = keyof AdminContract;
export type AdminInput<M extends AdminMethod> = z.input<AdminContract[M]['input']>;
export type AdminParsedInput<M extends AdminMethod> = z.output<AdminContract[M]['input']>;
export type AdminOutput<M extends AdminMethod> = NonNullable<AdminContract[M]['output']>;

/** What the renderer calls: one async function per method (the preload's `window.api`). */
export type AdminApi = { [M in AdminMethod]: (input: AdminInput<M>) => Promise<AdminOutput<M>> };

/** Who makes an admin call: for the permission check, the partner scope and the audit log. */
export interface AdminCaller {
  /** Written to the audit log as the one who made the change (default: the core's actor). */
  actor?: string;
  /** Where the call came from (the admin listener's client address). */
  address?: string;
  /**
   * The signed-in person, where people sign in (a team server); absent on the desktop used
   * alone, whose user is that machine's owner.
   */
  user?: {
    id: number;
    role: Role;
    /** The partners they work on (an account manager's assigned ones); all when absent. */
    partners?: 'all' | readonly number[];
  };
}

/** What main implements: one function per method, given parsed input and who calls. */
export type AdminHandlers = {
  [M in AdminMethod]: (
    input: AdminParsedInput<M>,
    caller: AdminCaller,
  ) => AdminOutput<M> | Promise<AdminOutput<M>>;
};

export const ADMIN_METHODS = Object.keys(adminContract) as AdminMethod[];

/** What the admin UI shows about the store it works on. */
export interface AboutStore {
  version: string;
  dataDir: string;
  /** Set when the store holds a generated demo network (not real partners). */
  demo: { scale: string; seed: number } | null;
}

/** A file handed to the core for an import, before the import starts. */
export interface UploadedFile {
  uploadId: string;
  bytes: number;
}

/** The shape of a failed call on either transport. */
export interface AdminError {
  code: string;
  message: string;
  details: { field?: string; message: string }[];
}
