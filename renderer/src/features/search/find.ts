/** What the top bar's search finds: partners, keys (by label or prefix, or a pasted key) and reports. */
import type { Account, ApiKey, ReportDefinition } from '../../../../shared/schemas.ts';
import { plural } from '../../../../shared/words.ts';
import type { Page } from '../../lib/router.ts';

export interface Found {
  kind: 'partner' | 'key' | 'report';
  /** What the result is, in words: Partner, Employee, Key, Report. */
  label: string;
  id: number;
  title: string;
  detail: string;
  /** Where opening it goes. */
  page: Page;
  pageId: number;
}

export const PER_KIND = 6;

/** 0 for a match at the start (of the text or of a word), 1 inside, -1 for none. */
function score(text: string, q: string): number {
  const t = text.toLowerCase();
  const at = t.indexOf(q);
  if (at < 0) return -1;
  return at === 0 || /[\s\-_.(#@]/.test(t[at - 1]!) ? 0 : 1;
}

function best(...scores: number[]): number {
  const hits = scores.filter((s) => s >= 0);
  return hits.length ? Math.min(...hits) : -1;
}

function ranked<T>(items: readonly T[], rank: (x: T) => number, title: (x: T) => string): T[] {
  return items
    .map((x) => ({ x, r: rank(x) }))
    .filter((m) => m.r >= 0)
    .sort((a, b) => a.r - b.r || title(a.x).localeCompare(title(b.x)))
    .slice(0, PER_KIND)
    .map((m) => m.x);
}

export function findAll(
  query: string,
  data: {
    accounts: readonly Account[];
    keys: readonly ApiKey[];
    reports: readonly ReportDefinition[];
  },
): Found[] {
  const q = query.trim().toLowerCase().replace(/^#/, '');
  if (!q) return [];
  const id = /^\d+$/.test(q) ? Number(q) : null;
  const partners = ranked(
    data.accounts,
    (a) =>
      a.id === id ? 0 : best(score(a.name, q), score(a.email ?? '', q), score(a.company ?? '', q)),
    (a) => a.name,
  ).map<Found>((a) => ({
    kind: 'partner',
    label: a.kind === 'employee' ? 'Employee' : 'Partner',
    id: a.id,
    title: a.name,
    detail: `#${a.id} · ${a.kind === 'ib' ? 'introducing broker' : a.kind}${a.email ? ` · ${a.email}` : ''}`,
    page: 'partners',
    pageId: a.id,
  }));
  const keys = ranked(
    data.keys,
    (k) => {
      const prefix = k.displayPrefix.toLowerCase();
      // A pasted key starts with its display prefix.
      if (q.length >= prefix.length && q.startsWith(prefix)) return 0;
      return best(prefix.startsWith(q) ? 0 : -1, score(k.label, q), k.id === id ? 0 : -1);
    },
    (k) => k.label,
  ).map<Found>((k) => ({
    kind: 'key',
    label: 'Key',
    id: k.id,
    title: k.label,
    detail: `${k.displayPrefix}… · ${k.accountName} · ${k.status}`,
    page: 'partners',
    pageId: k.accountId,
  }));
  const reports = ranked(
    data.reports,
    (r) => (r.id === id ? 0 : best(score(r.name, q), score(r.description, q))),
    (r) => r.name,
  ).map<Found>((r) => ({
    kind: 'report',
    label: 'Report',
    id: r.id,
    title: r.name,
    detail: `#${r.id} · shared with ${r.audience.kind === 'all' ? 'every account' : plural(r.audience.accountIds.length, 'account')}`,
    page: 'reports',
    pageId: r.id,
  }));
  return [...partners, ...keys, ...reports];
}
