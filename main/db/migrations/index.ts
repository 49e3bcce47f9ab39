import initial from './001_initial.ts';
import requestJournal from './002_request_journal.ts';
import hourlyRollups from './003_hourly_rollups.ts';
import partnerTransactionIds from './004_partner_transaction_ids.ts';
import rateLimitWindows from './005_rate_limit_windows.ts';
import rowUpdatedAt from './006_row_updated_at.ts';
import sources from './007_sources.ts';
import sourceCursor from './008_source_cursor.ts';
import users from './009_users.ts';
import totpAndTokens from './010_totp_and_tokens.ts';
import keyMcp from './011_key_mcp.ts';
import keyHandoutLinks from './012_key_handout_links.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every schema change, in order. An applied migration is never edited: add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '001_initial', sql: initial },
  { version: 2, name: '002_request_journal', sql: requestJournal },
  { version: 3, name: '003_hourly_rollups', sql: hourlyRollups },
  { version: 4, name: '004_partner_transaction_ids', sql: partnerTransactionIds },
  { version: 5, name: '005_rate_limit_windows', sql: rateLimitWindows },
  { version: 6, name: '006_row_updated_at', sql: rowUpdatedAt },
  { version: 7, name: '007_sources', sql: sources },
  { version: 8, name: '008_source_cursor', sql: sourceCursor },
  { version: 9, name: '009_users', sql: users },
  { version: 10, name: '010_totp_and_tokens', sql: totpAndTokens },
  { version: 11, name: '011_key_mcp', sql: keyMcp },
  { version: 12, name: '012_key_handout_links', sql: keyHandoutLinks },
];
