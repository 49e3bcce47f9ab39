/**
 * When each conversion and lead last changed (stored, or updated by a repeat postback or an
 * upsert import), so a partner's warehouse can ask for the rows changed since its last sync.
 * Rows stored before this version count as changed at their own event time.
 */
export default /* sql */ `
ALTER TABLE conversions ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE conversions SET updated_at = ts;
CREATE INDEX conversions_partner_updated ON conversions (partner_id, updated_at, id);

ALTER TABLE leads ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE leads SET updated_at = registered_at;
CREATE INDEX leads_partner_updated ON leads (partner_id, updated_at, id);
`;
