/** Plain-text output for people; `--json` output skips all of this. */
import { formatRateLimit } from '../../shared/durations.ts';
import type { ApiKey } from '../../shared/schemas.ts';

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

export function table(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): string {
  const cell = (v: unknown): string =>
    typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : v === null || v === undefined
          ? '—'
          : JSON.stringify(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return (
    [
      line(columns.map((c) => c.toUpperCase())),
      ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
    ].join('\n') + '\n'
  );
}

export function keyLine(k: ApiKey): Record<string, unknown> {
  return {
    id: k.id,
    account: `${k.accountName} (#${k.accountId})`,
    label: k.label,
    prefix: `${k.displayPrefix}…`,
    status:
      k.replacedByKeyId && k.status === 'active' ? `rotating → #${k.replacedByKeyId}` : k.status,
    expires: k.expiresAt === null ? 'never' : formatTime(k.expiresAt),
    rate: formatRateLimit(k.rateLimit),
    rules: k.ipRuleCount,
    'last used': k.lastUsedAt ? `${formatTime(k.lastUsedAt)} from ${k.lastUsedIp ?? '?'}` : 'never',
  };
}

export function keyDetails(k: ApiKey): string {
  const rows: [string, string][] = [
    ['Key', `#${k.id} ${k.label}`],
    ['Account', `${k.accountName} (#${k.accountId})`],
    ['Prefix', `${k.displayPrefix}…`],
    ['Status', k.status + (k.revokedReason ? ` (${k.revokedReason})` : '')],
    ['Scopes', k.scopes.join(', ')],
    ['Expires', k.expiresAt === null ? 'never' : formatTime(k.expiresAt)],
    ['Rate limit', formatRateLimit(k.rateLimit)],
    ['Query-string auth', k.allowQueryAuth ? 'allowed' : 'off'],
    ['AI assistants (MCP)', k.allowMcp ? 'allowed' : 'off'],
    ['Created', `${formatTime(k.createdAt)} by ${k.createdBy}`],
    [
      'Last used',
      k.lastUsedAt ? `${formatTime(k.lastUsedAt)} from ${k.lastUsedIp ?? '?'}` : 'never',
    ],
    ['Secret kept', k.secretRetained ? 'yes (reveal with `key reveal`)' : 'no (shown once)'],
  ];
  if (k.rotatedFromKeyId) rows.push(['Rotated from', `#${k.rotatedFromKeyId}`]);
  if (k.replacedByKeyId)
    rows.push([
      'Replaced by',
      `#${k.replacedByKeyId}, old secret works until ${formatTime(k.graceUntil)}`,
    ]);
  const w = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `${a.padEnd(w)}  ${b}`).join('\n') + '\n';
}
