/**
 * Every partner API request, for usage charts, refused-address lists and troubleshooting.
 * Requests refused before any key was identified are counted per address, route, code and
 * second (\`count\`), so a flood of bad keys cannot flood the disk; all others are one row each.
 */
export default /* sql */ `
CREATE TABLE request_journal (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  -- NULL when the request named no key we know.
  key_id INTEGER REFERENCES api_keys (id),
  account_id INTEGER REFERENCES accounts (id),
  ip TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  status INTEGER NOT NULL,
  error_code TEXT,
  rows INTEGER NOT NULL DEFAULT 0,
  duration_ms REAL NOT NULL,
  count INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1)
) STRICT;
CREATE INDEX request_journal_at ON request_journal (at);
CREATE INDEX request_journal_key_at ON request_journal (key_id, at);
`;
