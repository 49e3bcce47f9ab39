/**
 * The partner API's rate-limit windows (per key, and for failed authentications), written when
 * the listener stops and read when it starts, so a restart does not hand every key a fresh
 * window.
 */
export default /* sql */ `
CREATE TABLE rate_limit_windows (
  bucket TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,
  window_ms INTEGER NOT NULL CHECK (window_ms > 0),
  count INTEGER NOT NULL CHECK (count >= 0)
) STRICT, WITHOUT ROWID;
`;
