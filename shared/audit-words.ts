/**
 * An audit entry in words a person reads at a glance: who the change was about (the partner by
 * name, the key by label) and what changed ("Revoked key "BI warehouse" of Atlas Media:
 * contractor left"). The before and after values stay in the entry for the details.
 */
import type { AuditEntry } from './schemas.ts';
import { plural } from './words.ts';

/** Names the entry itself may not carry (a whitelist entry holds the rule, not its key). */
export interface AuditNames {
  key(id: number): { label: string; accountName: string } | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const day = (ms: unknown) =>
  typeof ms === 'number' ? new Date(ms).toISOString().slice(0, 10) : 'never';
const quoted = (s: string | undefined) => `“${s ?? '?'}”`;

/** The fields a person recognises, with their words. */
const FIELD_WORDS: Record<string, string> = {
  name: 'name',
  label: 'label',
  email: 'email',
  company: 'company',
  status: 'status',
  notes: 'notes',
  timezone: 'time zone',
  currency: 'currency',
  employeeAccess: 'sees',
  assignedPartnerIds: 'assigned partners',
  scopes: 'permissions',
  rateLimit: 'rate limit',
  allowQueryAuth: 'key in URLs',
  allowMcp: 'AI assistants (MCP)',
  defaultPayout: 'default payout',
  columns: 'columns',
  filters: 'filters',
  parameters: 'run-time filters',
  sort: 'sort',
  defaultRange: 'default range',
  audience: 'shared with',
  description: 'description',
  dataset: 'dataset',
  schedule: 'schedule',
  config: 'settings',
  mapping: 'columns',
  credential: 'credential',
  role: 'role',
  partnerIds: 'partners',
  allPartners: 'every partner',
};

function valueWords(field: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return 'nothing';
  if (field === 'rateLimit' && isObj(v)) {
    const per = { 1000: 's', 60000: 'min', 3600000: 'hour', 86400000: 'day' }[num(v.windowMs) ?? 0];
    return `${num(v.count) ?? '?'}/${per ?? '?'}`;
  }
  if (field === 'audience' && isObj(v))
    return v.kind === 'all'
      ? 'every account'
      : Array.isArray(v.accountIds)
        ? plural(v.accountIds.length, 'account')
        : 'some accounts';
  if (field === 'allowQueryAuth' || field === 'allowMcp') return v ? 'allowed' : 'not allowed';
  if (Array.isArray(v))
    return v.length ? v.map((x) => (isObj(x) ? JSON.stringify(x) : String(x))).join(', ') : 'none';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** "status: active → suspended; notes: … → …" for the fields that differ. */
export function changedFields(before: unknown, after: unknown): string[] {
  if (!isObj(before) || !isObj(after)) return [];
  const out: string[] = [];
  for (const [field, words] of Object.entries(FIELD_WORDS)) {
    if (!(field in before) && !(field in after)) continue;
    const a = JSON.stringify(before[field] ?? null);
    const b = JSON.stringify(after[field] ?? null);
    if (a !== b)
      out.push(
        `${words}: ${valueWords(field, before[field])} → ${valueWords(field, after[field])}`,
      );
  }
  return out;
}

const KIND_WORDS: Record<string, string> = {
  affiliate: 'affiliate',
  ib: 'introducing broker',
  employee: 'employee',
};

export function auditSummary(
  e: Pick<AuditEntry, 'action' | 'entityId' | 'before' | 'after'>,
  names: AuditNames,
): string {
  const before = isObj(e.before) ? e.before : {};
  const after = isObj(e.after) ? e.after : {};
  const subject = { ...before, ...after };
  const keyOf = (o: Obj) => {
    if (str(o.label) !== undefined)
      return `key ${quoted(str(o.label))} of ${str(o.accountName) ?? 'an account'}`;
    const found = e.entityId === null ? undefined : names.key(e.entityId);
    return found
      ? `key ${quoted(found.label)} of ${found.accountName}`
      : `key #${e.entityId ?? '?'}`;
  };
  const changes = changedFields(e.before, e.after);
  const changed = changes.length ? `: ${changes.join('; ')}` : '';
  switch (e.action) {
    case 'account.create':
      return `Added ${KIND_WORDS[str(after.kind) ?? ''] ?? 'account'} ${quoted(str(after.name))}`;
    case 'account.update':
      return `Changed ${str(after.name) ?? 'an account'}${changed}`;
    case 'key.issue':
      return `Issued ${keyOf(after)} (${Array.isArray(after.scopes) ? after.scopes.join(', ') : ''})`;
    case 'key.update':
      return `Changed ${keyOf(after)}${changed}`;
    case 'key.extend': {
      const from = num(before.expiresAt) ?? null;
      const to = num(after.expiresAt) ?? null;
      const shorter = to !== null && (from === null || to < from);
      return `${shorter ? 'Shortened' : 'Extended'} ${keyOf(after)}: expires ${day(from)} → ${day(to)}`;
    }
    case 'key.revoke':
      return `Revoked ${keyOf(after)}: ${str(after.revokedReason) ?? 'no reason given'}`;
    case 'key.rotate':
      return `Rotated ${keyOf(after)}; the old secret works until ${day(after.graceUntil)}, then the new key #${num(after.replacedByKeyId) ?? '?'} alone`;
    case 'key.reveal':
      return `Showed the secret of ${keyOf(subject)} again`;
    case 'key.handout_link_on':
      return `Turned on the handout link of ${keyOf(subject)}`;
    case 'key.handout_link_off':
      return `Turned off the handout link of ${keyOf(subject)}`;
    case 'key.drop_retained_secrets':
      return `Turned on show-once: dropped ${plural(num(after.dropped) ?? 0, 'kept secret')}`;
    case 'whitelist.add':
      return `Allowed ${str(after.text) ?? '?'}${str(after.note) ? ` (${str(after.note)})` : ''} for ${keyOf({})}`;
    case 'whitelist.remove':
      return `Removed ${str(before.text) ?? '?'} from the whitelist of ${keyOf({})}`;
    case 'offer.create':
      return `Added offer ${quoted(str(after.name))}`;
    case 'offer.update':
      return `Changed offer ${quoted(str(after.name))}${changed}`;
    case 'report.create':
      return `Created report ${quoted(str(after.name))}, shared with ${valueWords('audience', after.audience)}`;
    case 'report.update':
      return `Changed report ${quoted(str(after.name))}${changed}`;
    case 'report.delete':
      return `Deleted report ${quoted(str(before.name))}`;
    case 'source.add':
      return `Added source ${quoted(str(after.name))} (${str(after.kind) ?? '?'}, ${str(after.dataset) ?? '?'}, ${str(after.schedule) ?? '?'})`;
    case 'source.update':
      return `Changed source ${quoted(str(after.name))}${changed}`;
    case 'source.remove':
      return `Removed source ${quoted(str(before.name))}`;
    case 'source.pause':
      return `Paused source #${e.entityId ?? '?'}`;
    case 'source.resume':
      return `Resumed source #${e.entityId ?? '?'}`;
    case 'source.map':
      return `Mapped tracker ${str(after.kind) ?? '?'} ${str(after.externalId) ?? '?'} of source #${e.entityId ?? '?'} to #${num(after.localId) ?? '?'}`;
    case 'source.unmap':
      return `Removed the mapping of tracker ${str(before.kind) ?? '?'} ${str(before.externalId) ?? '?'} from source #${e.entityId ?? '?'}`;
    case 'user.invite':
      return `Invited ${str(after.name) ?? '?'} <${str(after.email) ?? '?'}> as ${str(after.role) ?? '?'}`;
    case 'user.setup':
      return `${str(after.email) ?? 'Someone'} set their password`;
    case 'user.role':
      return `Changed the role of person #${e.entityId ?? '?'}: ${str(before.role) ?? '?'} → ${str(after.role) ?? '?'}`;
    case 'user.partners':
      return `Changed the partners of ${str(after.name) ?? 'a person'}${changed}`;
    case 'user.disable':
      return `Disabled ${str(after.email) ?? 'a person'}`;
    case 'user.enable':
      return `Enabled ${str(after.email) ?? 'a person'}`;
    case 'user.sessions_ended':
      return `Ended ${plural(num(after.ended) ?? 0, 'session')} of person #${e.entityId ?? '?'}`;
    case 'user.reset_link':
      return `Sent ${str(after.email) ?? 'a person'} a new set-up link`;
    case 'user.remove':
      return `Removed ${str(before.name) ?? 'a person'} <${str(before.email) ?? '?'}>`;
    case 'user.two_factor_on':
      return `${str(after.email) ?? 'Someone'} turned on sign-in codes from an authenticator app`;
    case 'user.two_factor_off':
      return `Turned off sign-in codes for ${str(after.email) ?? 'a person'}`;
    case 'user.token_create':
      return `Created access token ${quoted(str(after.token))} of person #${e.entityId ?? '?'}`;
    case 'user.token_revoke':
      return `Revoked access token ${quoted(str(after.token))} of person #${e.entityId ?? '?'}`;
    default:
      if (e.action.startsWith('import.'))
        return `Imported ${num(after.imported) ?? 0} ${e.action.slice('import.'.length)} from ${str(after.file) ?? 'a file'}${num(after.rejected) ? ` (${plural(num(after.rejected) ?? 0, 'row')} rejected)` : ''}`;
      return e.action;
  }
}
