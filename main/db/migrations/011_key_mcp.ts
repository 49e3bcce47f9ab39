/**
 * Whether a key may be used by AI assistants through `/mcp` (the same data and rules as the
 * REST API). Keys issued before it existed keep working there: the endpoint is read-only.
 */
export default /* sql */ `
ALTER TABLE api_keys ADD COLUMN allow_mcp INTEGER NOT NULL DEFAULT 1 CHECK (allow_mcp IN (0, 1));
`;
