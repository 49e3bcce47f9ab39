/** Accounts, offers, keys, whitelists, report definitions, performance data and the audit log. */
export default /* sql */ `
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('affiliate', 'ib', 'employee')),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  email TEXT,
  company TEXT,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'onboarding', 'suspended')),
  notes TEXT NOT NULL DEFAULT '',
  timezone TEXT NOT NULL DEFAULT 'UTC',
  currency TEXT NOT NULL DEFAULT 'USD' CHECK (length(currency) = 3),
  employee_access TEXT CHECK (
    (kind = 'employee' AND employee_access IN ('all', 'assigned'))
    OR (kind <> 'employee' AND employee_access IS NULL)
  ),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX accounts_kind_status ON accounts (kind, status);

CREATE TABLE employee_partners (
  employee_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  partner_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  PRIMARY KEY (employee_id, partner_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE offers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
  default_payout INTEGER NOT NULL CHECK (default_payout >= 0),
  currency TEXT NOT NULL CHECK (length(currency) = 3),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE clicks (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  partner_id INTEGER NOT NULL REFERENCES accounts (id),
  offer_id INTEGER NOT NULL REFERENCES offers (id),
  sub1 TEXT, sub2 TEXT, sub3 TEXT, sub4 TEXT, sub5 TEXT,
  country TEXT,
  device TEXT,
  click_id TEXT
) STRICT;
CREATE INDEX clicks_partner_ts ON clicks (partner_id, ts);
CREATE INDEX clicks_ts ON clicks (ts);

CREATE TABLE conversions (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  partner_id INTEGER NOT NULL REFERENCES accounts (id),
  offer_id INTEGER NOT NULL REFERENCES offers (id),
  status TEXT NOT NULL CHECK (status IN ('approved', 'pending', 'rejected')),
  revenue INTEGER NOT NULL CHECK (revenue >= 0),
  payout INTEGER NOT NULL CHECK (payout >= 0),
  sale_amount INTEGER NOT NULL DEFAULT 0 CHECK (sale_amount >= 0),
  currency TEXT NOT NULL CHECK (length(currency) = 3),
  sub1 TEXT, sub2 TEXT, sub3 TEXT, sub4 TEXT, sub5 TEXT,
  country TEXT,
  device TEXT,
  click_id TEXT,
  transaction_id TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX conversions_partner_ts ON conversions (partner_id, ts);
CREATE INDEX conversions_ts ON conversions (ts);

CREATE TABLE leads (
  id INTEGER PRIMARY KEY,
  registered_at INTEGER NOT NULL,
  partner_id INTEGER NOT NULL REFERENCES accounts (id),
  offer_id INTEGER NOT NULL REFERENCES offers (id),
  lead_ref TEXT NOT NULL UNIQUE,
  country TEXT,
  status TEXT NOT NULL CHECK (status IN ('registered', 'deposited', 'active', 'inactive', 'rejected')),
  ftd_at INTEGER,
  ftd_amount INTEGER NOT NULL DEFAULT 0 CHECK (ftd_amount >= 0),
  deposits INTEGER NOT NULL DEFAULT 0 CHECK (deposits >= 0),
  withdrawals INTEGER NOT NULL DEFAULT 0 CHECK (withdrawals >= 0),
  net_deposits INTEGER GENERATED ALWAYS AS (deposits - withdrawals) VIRTUAL,
  volume_centilots INTEGER NOT NULL DEFAULT 0 CHECK (volume_centilots >= 0),
  commission INTEGER NOT NULL DEFAULT 0 CHECK (commission >= 0),
  currency TEXT NOT NULL CHECK (length(currency) = 3)
) STRICT;
CREATE INDEX leads_partner_registered ON leads (partner_id, registered_at);
CREATE INDEX leads_registered ON leads (registered_at);

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  label TEXT NOT NULL,
  key_hash BLOB NOT NULL UNIQUE CHECK (length(key_hash) = 32),
  display_prefix TEXT NOT NULL,
  scopes TEXT NOT NULL CHECK (json_valid(scopes) AND json_type(scopes) = 'array'),
  expires_at INTEGER,
  rate_limit_count INTEGER NOT NULL CHECK (rate_limit_count > 0),
  rate_limit_window_ms INTEGER NOT NULL CHECK (rate_limit_window_ms > 0),
  allow_query_auth INTEGER NOT NULL DEFAULT 0 CHECK (allow_query_auth IN (0, 1)),
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  last_used_at INTEGER,
  last_used_ip TEXT,
  revoked_at INTEGER,
  revoked_reason TEXT,
  rotated_from_key_id INTEGER REFERENCES api_keys (id),
  replaced_by_key_id INTEGER REFERENCES api_keys (id),
  grace_until INTEGER,
  -- Encrypted copy of the secret for re-showing; NULL under the show-once policy.
  secret_sealed BLOB,
  sealed_with TEXT
) STRICT;
CREATE INDEX api_keys_account ON api_keys (account_id);

CREATE TABLE ip_rules (
  id INTEGER PRIMARY KEY,
  key_id INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('single', 'range', 'cidr')),
  family INTEGER NOT NULL CHECK (family IN (4, 6)),
  -- 16-byte addresses, IPv4 as IPv4-mapped IPv6, so BLOB order is address order.
  start_addr BLOB NOT NULL CHECK (length(start_addr) = 16),
  end_addr BLOB NOT NULL CHECK (length(end_addr) = 16 AND end_addr >= start_addr),
  text TEXT NOT NULL,
  note TEXT,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
) STRICT;
CREATE INDEX ip_rules_key ON ip_rules (key_id, start_addr);

CREATE TABLE report_definitions (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  spec TEXT NOT NULL CHECK (json_valid(spec)),
  audience TEXT NOT NULL CHECK (audience IN ('all', 'accounts')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
) STRICT;

CREATE TABLE report_audience (
  report_id INTEGER NOT NULL REFERENCES report_definitions (id) ON DELETE CASCADE,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  PRIMARY KEY (report_id, account_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX report_audience_account ON report_audience (account_id);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  entity_type TEXT NOT NULL,
  entity_id INTEGER,
  before_json TEXT CHECK (before_json IS NULL OR json_valid(before_json)),
  after_json TEXT CHECK (after_json IS NULL OR json_valid(after_json))
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`;
