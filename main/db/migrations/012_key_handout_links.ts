/**
 * A key's handout link: the listener serves the partner's handout at /handout/<token> while
 * the key works and the link is on. The token is kept as issued, so the account manager can
 * copy the link again; it opens a document that never holds the key's secret.
 */
export default /* sql */ `
CREATE TABLE key_handout_links (
  key_id INTEGER PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
  token TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
) STRICT;
`;
