/** What a key may do. Labels are the words the admin UI shows next to each permission. */
export const SCOPES = [
  'reports:read',
  'stats:read',
  'conversions:read',
  'clicks:read',
  'leads:read',
  'offers:read',
  'conversions:write',
] as const;

export type Scope = (typeof SCOPES)[number];

export const SCOPE_LABELS: Record<Scope, string> = {
  'reports:read': 'Run the reports shared with them',
  'stats:read': 'Get aggregated statistics',
  'conversions:read': 'Get conversions report',
  'clicks:read': 'Get clicks report',
  'leads:read': 'Get leads report',
  'offers:read': 'List offers',
  'conversions:write': 'Send conversions (server-to-server postback)',
};

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** The scope that lets a key search a table's rows (`/conversions`, `/clicks`, `/leads`). */
export const ROW_SCOPES = {
  clicks: 'clicks:read',
  conversions: 'conversions:read',
  leads: 'leads:read',
} as const satisfies Record<'clicks' | 'conversions' | 'leads', Scope>;
