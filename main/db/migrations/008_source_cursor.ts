/**
 * Where a source that pulls strictly forward (a tracker's clicks, which never change once
 * recorded) got to: the next run starts there, so no click is imported twice or skipped.
 */
export default /* sql */ `
ALTER TABLE sources ADD COLUMN cursor TEXT;
`;
