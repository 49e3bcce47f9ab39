/**
 * A second factor for people who sign in (a TOTP secret, sealed like key secrets, with the last
 * time step used so a code works once), and personal access tokens: a person's scripts call the
 * admin contract with one, held to that person's role and partners. Tokens are kept as SHA-256
 * hashes; the prefix shown in lists is not secret.
 */
export default /* sql */ `
ALTER TABLE users ADD COLUMN totp_sealed BLOB;
ALTER TABLE users ADD COLUMN totp_pending BLOB;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;

CREATE TABLE access_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash BLOB NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  last_used_address TEXT,
  revoked_at INTEGER
) STRICT;
CREATE INDEX access_tokens_by_user ON access_tokens (user_id);
`;
