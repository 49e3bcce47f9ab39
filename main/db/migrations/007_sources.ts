/**
 * Sources: scheduled feeds (a watched folder, a URL, a tracker's API), the history of their
 * runs, the mapping of a tracker's partner and offer ids to Partnergate's, and the rows held
 * back until their ids are mapped. A source's credential is stored sealed, like key secrets.
 */
export default /* sql */ `
CREATE TABLE sources (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  kind TEXT NOT NULL CHECK (kind IN ('folder', 'url', 'everflow', 'tune')),
  dataset TEXT NOT NULL CHECK (dataset IN ('clicks', 'conversions', 'leads')),
  schedule TEXT NOT NULL,
  ids TEXT NOT NULL CHECK (ids IN ('partnergate', 'mapped')),
  mapping TEXT NOT NULL DEFAULT '{}',
  timezone TEXT NOT NULL DEFAULT 'UTC',
  alert_after_minutes INTEGER NOT NULL DEFAULT 60,
  config TEXT NOT NULL,
  credential_sealed BLOB,
  sealed_with TEXT,
  credential_hint TEXT,
  paused INTEGER NOT NULL DEFAULT 0,
  paused_reason TEXT,
  created_at INTEGER NOT NULL,
  last_success_at INTEGER,
  failing_since INTEGER,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  next_run_at INTEGER,
  -- Set while a run holds the source (any process); a run that died leaves it to go stale.
  running_since INTEGER
) STRICT;

CREATE TABLE source_runs (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  trigger TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  state TEXT NOT NULL CHECK (state IN ('running', 'ok', 'failed')),
  rows_read INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  held INTEGER NOT NULL DEFAULT 0,
  files INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  error_message TEXT,
  rejects_file TEXT
) STRICT;
CREATE INDEX source_runs_by_source ON source_runs (source_id, id);

CREATE TABLE source_id_map (
  source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('partner', 'offer')),
  external_id TEXT NOT NULL,
  local_id INTEGER NOT NULL,
  PRIMARY KEY (source_id, kind, external_id)
) STRICT;

-- One row per source and row key (transaction id, lead ref, or the whole row for clicks):
-- a row pulled again while still held replaces the held copy.
CREATE TABLE source_held_rows (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  row_key TEXT NOT NULL,
  external_partner TEXT NOT NULL,
  external_offer TEXT NOT NULL,
  record TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  UNIQUE (source_id, row_key)
) STRICT;
CREATE INDEX source_held_by_ids ON source_held_rows (source_id, external_partner, external_offer);
`;
